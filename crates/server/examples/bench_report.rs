//! The server's performance on loopback over real TLS (issue 4):
//!
//! 1. one group of 300,000 members (crates/sample): its result report (one deduction line per
//!    member, plus the month's HR changes) uploaded, validated by recomputation and applied;
//! 2. 50 groups submitting their reports at once: all must succeed.
//!
//! `cargo run --release -p infoone-server --example bench_report [-- MEMBERS [GROUPS]]`
//! The ledger is SQLite in a temporary folder, or PostgreSQL when `INFOONE_BENCH_PG` names a
//! database (e.g. `bash tests/pg-cluster.sh sh -c 'INFOONE_BENCH_PG=$INFOONE_TEST_PG cargo run …'`).
//! The reports are made as a clerk makes them, through `infoone_app` (not timed).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_domain::deduction::Mode;
use infoone_sample::SampleSpec;
use infoone_server::{Config, Limits, TlsSource};
use rustls::pki_types::pem::PemObject;

const STAFF: &str = "ios_bench-staff-token-0123456789abcdef";

fn now() -> NaiveDateTime {
    "2026-11-26T10:00:00".parse().expect("a time")
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn client(ca: &Path) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).expect("ca.pem") {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(600))
        .build()
        .expect("a client")
}

/// The clerk's month-end in a local database of its own: load the package, import HR and accept
/// every proposal, confirm, import the payroll's deduction exceptions, write the report.
fn clerk(dir: &Path, package: &[u8], hr_csv: Option<&[u8]>, deductions_csv: &[u8]) -> Vec<u8> {
    std::fs::create_dir_all(dir).expect("dir");
    let mut store = Store::open(&dir.join("clerk.db")).expect("clerk db");
    let loaded = infoone_app::load_package_bytes(&mut store, "bill-package.json", package, now()).expect("load");
    let at = MonthRef::new(loaded.month.parse().expect("month"));
    if let Some(hr) = hr_csv {
        let f = dir.join("hr.csv");
        std::fs::write(&f, hr).expect("hr.csv");
        infoone_app::import_hr(&mut store, &at, &f, now()).expect("hr import");
    }
    infoone_app::accept(&mut store, &at, &Selection::All, now()).expect("accept");
    infoone_app::confirm(&mut store, &at, now()).expect("confirm");
    let f = dir.join("deductions.csv");
    std::fs::write(&f, deductions_csv).expect("deductions.csv");
    infoone_app::import_deductions(&mut store, &at, &f, Mode::Exceptions, now()).expect("deductions");
    let out = dir.join("report.json");
    infoone_app::write_report(&mut store, &at, &out, now()).expect("report");
    std::fs::read(out).expect("report bytes")
}

struct Group {
    code: String,
    token: String,
    report: Vec<u8>,
}

async fn set_up(
    http: &reqwest::Client,
    base: &str,
    dir: &Path,
    package: &[u8],
    hr: Option<&[u8]>,
    deductions: &[u8],
    verbose: bool,
) -> Group {
    let t = Instant::now();
    let r = http
        .post(format!("{base}/v1/admin/packages"))
        .bearer_auth(STAFF)
        .body(package.to_vec())
        .send()
        .await
        .expect("load");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let loaded: serde_json::Value = r.json_value().await;
    let code = loaded["group"].as_str().expect("group").to_string();
    if verbose {
        println!(
            "  admin load of the package ({:.1} MB): {}",
            package.len() as f64 / 1e6,
            secs(t.elapsed())
        );
    }
    let token: serde_json::Value = http
        .post(format!("{base}/v1/admin/groups/{code}/tokens"))
        .bearer_auth(STAFF)
        .send()
        .await
        .expect("token")
        .json_value()
        .await;
    let token = token["token"].as_str().expect("token").to_string();
    let t = Instant::now();
    let served = http
        .get(format!("{base}/v1/groups/{code}/months/2026-12/package"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("package");
    assert_eq!(served.status(), 200);
    let etag = served.headers()["etag"].to_str().expect("etag").to_string();
    let served = Vec::from(served.bytes().await.expect("package bytes"));
    if verbose {
        println!(
            "  GET package ({:.1} MB): {}",
            served.len() as f64 / 1e6,
            secs(t.elapsed())
        );
        let t = Instant::now();
        let r = http
            .get(format!("{base}/v1/groups/{code}/months/2026-12/package"))
            .bearer_auth(&token)
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("304");
        println!(
            "  GET package with If-None-Match: {} in {}",
            r.status(),
            secs(t.elapsed())
        );
    }
    let t = Instant::now();
    let (dir, hr, deductions) = (dir.to_path_buf(), hr.map(<[u8]>::to_vec), deductions.to_vec());
    let report = tokio::task::spawn_blocking(move || clerk(&dir, &served, hr.as_deref(), &deductions))
        .await
        .expect("clerk");
    if verbose {
        println!(
            "  the clerk's month-end through infoone_app (not part of the server's time): {}",
            secs(t.elapsed())
        );
    }
    Group { code, token, report }
}

async fn submit(http: &reqwest::Client, base: &str, g: &Group) -> (u16, String, Duration) {
    let t = Instant::now();
    let r = http
        .post(format!("{base}/v1/groups/{}/months/2026-12/reports", g.code))
        .bearer_auth(&g.token)
        .header("idempotency-key", format!("bench-{}", g.code))
        .header("content-type", "application/json")
        .body(g.report.clone())
        .send()
        .await
        .expect("submit");
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    (status, body, t.elapsed())
}

trait JsonValue {
    async fn json_value(self) -> serde_json::Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.expect("body")).expect("JSON")
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let members: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let groups: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let running = infoone_server::start(Config {
            db: match std::env::var("INFOONE_BENCH_PG").ok().filter(|u| !u.is_empty()) {
                Some(url) => infoone_server::Database::Postgres(url),
                None => dir.path().join("server.db").into(),
            },
            listen: "127.0.0.1:0".parse().expect("addr"),
            tls: TlsSource::Dev {
                dir: dir.path().join("tls"),
            },
            limits: Limits {
                max_body_bytes: 1 << 30,
                ..Limits::default()
            },
            admin_token: Some(STAFF.into()),
        })
        .await
        .expect("server");
        let base = format!("https://127.0.0.1:{}", running.addr.port());
        let http = client(running.ca.as_deref().expect("dev CA"));
        println!(
            "server: {base} (TLS, dev CA), ledger: {}, machine: {} CPUs",
            running.state.db().backend(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );

        // 1. One large group.
        println!("\n1. one group, {members} members");
        let t = Instant::now();
        let sample = infoone_sample::generate(&SampleSpec::new(members, 200, 1));
        let package = infoone_sample::package_json(&sample);
        let hr = infoone_sample::hr_csv(&sample).expect("hr.csv");
        let deductions = infoone_sample::deductions_csv(&sample).expect("deductions.csv");
        println!("  sample generated: {}", secs(t.elapsed()));
        let big = set_up(
            &http,
            &base,
            &dir.path().join("big"),
            &package,
            Some(&hr),
            &deductions,
            true,
        )
        .await;
        let report: serde_json::Value = serde_json::from_slice(&big.report).expect("report");
        let lines = [
            "changes",
            "deductions",
            "offices",
            "individual_bills",
            "account_transfers",
            "undeducted",
        ]
        .iter()
        .map(|k| report[k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
        println!(
            "  result report: {:.1} MB, {lines} lines ({} deductions, {} changes, {} offices)",
            big.report.len() as f64 / 1e6,
            report["deductions"].as_array().map_or(0, Vec::len),
            report["changes"].as_array().map_or(0, Vec::len),
            report["offices"].as_array().map_or(0, Vec::len),
        );
        let (status, body, took) = submit(&http, &base, &big).await;
        assert_eq!(status, 201, "{body}");
        println!("  upload + validation by recomputation + apply → 201 {body}");
        println!("  TIME: {} (goal < 5 s)", secs(took));
        let (status, _, again) = submit(&http, &base, &big).await;
        println!(
            "  the same report again → {status} (idempotent replay) in {}",
            secs(again)
        );

        // 2. Many groups at once.
        println!("\n2. {groups} groups of 2,000 members submitting at once");
        let small = infoone_sample::generate(&SampleSpec::new(2_000, 10, 7));
        let small_deductions = infoone_sample::deductions_csv(&small).expect("deductions.csv");
        let t = Instant::now();
        let mut prepared = Vec::new();
        for i in 0..groups {
            let mut pkg: serde_json::Value =
                serde_json::from_slice(&infoone_sample::package_json(&small)).expect("package");
            pkg["group"]["code"] = serde_json::json!(format!("B{i:04}"));
            let pkg = serde_json::to_vec(&pkg).expect("package");
            prepared.push(
                set_up(
                    &http,
                    &base,
                    &dir.path().join(format!("g{i}")),
                    &pkg,
                    None,
                    &small_deductions,
                    false,
                )
                .await,
            );
        }
        println!(
            "  set up (admin loads, packages, clerks' month-ends): {}",
            secs(t.elapsed())
        );
        let prepared = Arc::new(prepared);
        let t = Instant::now();
        let tasks: Vec<_> = (0..groups)
            .map(|i| {
                let (http, base, prepared) = (http.clone(), base.clone(), prepared.clone());
                tokio::spawn(async move { submit(&http, &base, &prepared[i]).await })
            })
            .collect();
        let mut ok = 0;
        let mut slowest = Duration::ZERO;
        for task in tasks {
            let (status, body, took) = task.await.expect("task");
            if status == 201 {
                ok += 1;
            } else {
                println!("  refused: {status} {body}");
            }
            slowest = slowest.max(took);
        }
        println!(
            "  {ok}/{groups} accepted (201); all done in {}, slowest single request {}",
            secs(t.elapsed()),
            secs(slowest)
        );
        assert_eq!(ok, groups, "every group's report is accepted");
        running.stop().await;
    });
}
