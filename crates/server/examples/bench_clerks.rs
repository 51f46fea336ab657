//! Many clerks fetching their bill packages at once (issue 8: "200 concurrent clerks fetching
//! packages of 2,000-member groups with a p99 under 1 s").
//!
//! `cargo run --release -p infoone-server --example bench_clerks [-- CLERKS [ROUNDS [MEMBERS]]]`
//! (defaults 200 clerks, 3 rounds, 2,000 members per group), then one more round after the
//! server process is started again on the same ledger (nothing in its memory).
//!
//! The server is the real one (`infoone_server::start`) over real TLS on loopback; its ledger is
//! SQLite in a temporary folder, or PostgreSQL when `INFOONE_BENCH_PG` names a database (e.g.
//! `bash tests/pg-cluster.sh sh -c 'INFOONE_BENCH_PG=$INFOONE_TEST_PG cargo run …'`). Each clerk
//! has a group of its own (CLERKS groups loaded through the admin API, not timed) and its own
//! group token. In each round every clerk starts at the same moment and does what the clerk's
//! client does (`crates/client`, `Client::package`): a new HTTPS client (the `infoone` command
//! makes one per run: new connection, TLS handshake), `GET …/package` with its bearer token and
//! no `If-None-Match`, the whole body read, the `ETag` taken. The time of each fetch is from the
//! request's start to the body's last byte; p50/p95/p99/max are over every fetch of the rounds,
//! and per round. The clients run in this process, on the same cores as the server.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use infoone_sample::SampleSpec;
use infoone_server::{Config, Limits, TlsSource};
use rustls::pki_types::pem::PemObject;

const STAFF: &str = "ios_bench-staff-token-0123456789abcdef";
const MONTH: &str = "2026-12";

fn tls_config(ca: &Path) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).expect("ca.pem") {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A client as the clerk's command makes one: its own connection pool, nothing shared.
fn client(tls: &rustls::ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls.clone())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("a client")
}

async fn json(r: reqwest::Response) -> serde_json::Value {
    let status = r.status();
    let body = r.bytes().await.expect("body");
    assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("JSON")
}

/// Load group `code` (the small sample renamed) and issue its token.
async fn load_group(http: &reqwest::Client, base: &str, package: &serde_json::Value, code: &str) -> String {
    let mut pkg = package.clone();
    pkg["group"]["code"] = serde_json::json!(code);
    let r = http
        .post(format!("{base}/v1/admin/packages"))
        .bearer_auth(STAFF)
        .body(serde_json::to_vec(&pkg).expect("package"))
        .send()
        .await
        .expect("load");
    json(r).await;
    let r = http
        .post(format!("{base}/v1/admin/groups/{code}/tokens"))
        .bearer_auth(STAFF)
        .send()
        .await
        .expect("token");
    json(r).await["token"].as_str().expect("token").to_string()
}

/// One clerk's fetch: (time to the last byte, body length, ETag).
async fn fetch(tls: &rustls::ClientConfig, base: &str, code: &str, token: &str) -> (Duration, usize, String) {
    let t = Instant::now();
    let http = client(tls);
    let r = http
        .get(format!("{base}/v1/groups/{code}/months/{MONTH}/package"))
        .bearer_auth(token)
        .send()
        .await
        .expect("package");
    assert_eq!(r.status(), 200, "{code}");
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start_matches("W/").trim_matches('"').to_string())
        .expect("an ETag");
    let bytes = r.bytes().await.expect("package bytes");
    (t.elapsed(), bytes.len(), etag)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "p50 {}, p95 {}, p99 {}, max {} ({} fetches)",
        ms(quantile(times, 0.50)),
        ms(quantile(times, 0.95)),
        ms(quantile(times, 0.99)),
        ms(*times.last().expect("a fetch")),
        times.len()
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let clerks: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let members: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = Config {
            db: match std::env::var("INFOONE_BENCH_PG").ok().filter(|u| !u.is_empty()) {
                Some(url) => infoone_server::Database::Postgres(url),
                None => dir.path().join("server.db").into(),
            },
            listen: "127.0.0.1:0".parse().expect("addr"),
            tls: TlsSource::Dev {
                dir: dir.path().join("tls"),
            },
            limits: Limits::default(),
            admin_token: Some(STAFF.into()),
        };
        let running = infoone_server::start(config.clone()).await.expect("server");
        let base = format!("https://127.0.0.1:{}", running.addr.port());
        let tls = tls_config(running.ca.as_deref().expect("dev CA"));
        println!(
            "server: {base} (TLS, dev CA), ledger: {}, machine: {} CPUs (clients in the same process)",
            running.state.db().backend(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );

        let t = Instant::now();
        let sample = infoone_sample::generate(&SampleSpec::new(members, 10, 7));
        let package: serde_json::Value =
            serde_json::from_slice(&infoone_sample::package_json(&sample)).expect("package");
        let admin = client(&tls);
        let mut groups = Vec::with_capacity(clerks);
        for i in 0..clerks {
            let code = format!("C{i:04}");
            let token = load_group(&admin, &base, &package, &code).await;
            groups.push((code, token));
        }
        println!(
            "{clerks} groups of {members} members loaded, one token each: {:.1} s (not timed below)",
            t.elapsed().as_secs_f64()
        );
        let groups = Arc::new(groups);

        let mut all = Vec::new();
        let (mut running, mut base) = (running, base);
        for round in 1..=rounds + 1 {
            if round == rounds + 1 {
                // The same ledger served by a server process started again: nothing kept in
                // memory, every package computed from the ledger's rows on its first fetch.
                running.stop().await;
                running = infoone_server::start(config.clone()).await.expect("server again");
                base = format!("https://127.0.0.1:{}", running.addr.port());
                println!("server started again (no package in memory): {base}");
            }
            let start = Arc::new(tokio::sync::Barrier::new(clerks));
            let t = Instant::now();
            let tasks: Vec<_> = (0..clerks)
                .map(|i| {
                    let (tls, base, groups, start) = (tls.clone(), base.clone(), groups.clone(), start.clone());
                    tokio::spawn(async move {
                        start.wait().await;
                        let (code, token) = &groups[i];
                        fetch(&tls, &base, code, token).await
                    })
                })
                .collect();
            let mut times = Vec::with_capacity(clerks);
            let mut bytes = 0;
            for task in tasks {
                let (took, len, etag) = task.await.expect("clerk");
                assert!(etag.starts_with("sha256:"), "{etag}");
                times.push(took);
                bytes += len;
            }
            let wall = t.elapsed();
            if round <= rounds {
                all.extend_from_slice(&times);
            }
            println!(
                "round {round}: {clerks} clerks, {:.1} MB in {:.2} s: {}",
                bytes as f64 / 1e6,
                wall.as_secs_f64(),
                summary(&mut times)
            );
        }
        println!(
            "rounds 1-{rounds} (the server running): {} (goal: p99 < 1 s)",
            summary(&mut all)
        );
        running.stop().await;
    });
}
