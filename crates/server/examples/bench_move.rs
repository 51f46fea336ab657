//! Moving a large insurer's ledger from SQLite to PostgreSQL (`infoone server-ledger move`'s
//! code, `infoone_ledger_pg::move_from_sqlite`), outside CI:
//!
//! `bash tests/pg-cluster.sh sh -c 'INFOONE_BENCH_PG=$INFOONE_TEST_PG cargo run --release -p infoone-server --example bench_move [-- MEMBERS]'`
//!
//! A SQLite ledger with one group of MEMBERS members (300,000 by default, crates/sample, 200
//! offices) is made as insurer staff make it (the package loaded through the API, a group token
//! issued; not timed), then moved into a fresh schema of `INFOONE_BENCH_PG`'s database: timed,
//! with the peak memory of the process.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use infoone_sample::SampleSpec;
use infoone_server::{AppState, Limits};
use tower::ServiceExt;

const STAFF: &str = "ios_bench-move-staff-token-0123456789";

/// The process's peak resident memory (VmHWM), MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn post(app: &axum::Router, uri: &str, body: Vec<u8>) -> serde_json::Value {
    let req = Request::post(uri)
        .header("authorization", format!("Bearer {STAFF}"))
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(req).await.expect("answer");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    assert!(
        status.is_success(),
        "{uri}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The move alone, in a process of its own (`bench_move --move-only FROM TO`), so its peak
/// memory is the move's: prints the tables, the time and VmHWM.
fn move_only(from: &str, to: &str) {
    let t = Instant::now();
    let moved = infoone_ledger_pg::move_from_sqlite(std::path::Path::new(from), to).expect("move");
    let took = t.elapsed();
    let rows: u64 = moved.tables.iter().map(|t| t.rows).sum();
    println!(
        "\nmoved {rows} rows in {} tables in {:.1} s (copied, read back and hashed on both sides, one transaction); peak RSS of the moving process {:.0} MB",
        moved.tables.len(),
        took.as_secs_f64(),
        peak_mb()
    );
    for t in moved.tables.iter().filter(|t| t.rows > 0) {
        println!("  {:<24} {:>9} rows  sha256:{}", t.table, t.rows, &t.sha256[..16]);
    }
    for (name, last) in &moved.sequences {
        println!("  sequence {name} set to {last}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, from, to] = args.as_slice() {
        if flag == "--move-only" {
            move_only(from, to);
            return;
        }
    }
    let members: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let Some(base) = std::env::var("INFOONE_BENCH_PG").ok().filter(|u| !u.is_empty()) else {
        eprintln!("bench_move: set INFOONE_BENCH_PG (run under tests/pg-cluster.sh, see the top of this file)");
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("server.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let t = Instant::now();
    let sample = infoone_sample::generate(&SampleSpec::new(members, 200, 1));
    let package = infoone_sample::package_json(&sample);
    drop(sample);
    println!(
        "sample of {members} members: package {:.0} MB in {:.1} s",
        package.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    {
        let limits = Limits {
            max_body_bytes: 1 << 30,
            ..Limits::default()
        };
        let state = AppState::open(&ledger, limits).expect("SQLite ledger");
        state.bootstrap_staff(Some(STAFF)).expect("staff token");
        let app = infoone_server::app(state);
        runtime.block_on(async {
            let loaded = post(&app, "/v1/admin/packages", package).await;
            let group = loaded["group"].as_str().expect("group").to_string();
            post(&app, &format!("/v1/admin/groups/{group}/tokens"), Vec::new()).await;
        });
    }
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(dir.path().join(format!("server.db{s}"))).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "SQLite ledger made through the API: {:.0} MB in {:.1} s (not part of the move)",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let url = infoone_ledger_pg::fresh_schema(&base).expect("fresh schema");
    let status = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg("--move-only")
        .arg(&ledger)
        .arg(&url)
        .status()
        .expect("the moving process");
    assert!(status.success(), "the move failed: {status}");
}
