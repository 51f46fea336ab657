//! `infoone server` takes its ledger from `--db PATH` (SQLite) or `--database postgres://…`
//! (issue 8), through the real binary: the arguments refused in words, and — on a real
//! PostgreSQL (`INFOONE_TEST_PG`, tests/pg-cluster.sh) — the server started on it over HTTPS,
//! a package loaded, and `server-token list` reading the same ledger through
//! `INFOONE_DATABASE_URL`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const STAFF: &str = "ios_cli-database-test-staff-token";

fn infoone() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_infoone"));
    c.env_remove("INFOONE_DATABASE_URL").env_remove("INFOONE_ADMIN_TOKEN");
    c
}

/// Exit code and stderr of `infoone ARGS…`.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let out = infoone().args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_ledger_is_db_or_database_and_anything_else_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let tls = tls.to_str().unwrap();
    let serve = ["server", "--listen", "127.0.0.1:0", "--dev-tls", tls];
    let (code, err) = refused(&[&serve[..], &["--database", "mysql://u@127.0.0.1/x"]].concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("postgres://"), "{err}");
    let (code, err) = refused(
        &[
            &["--db", "a.db"],
            &serve[..],
            &["--database", "postgres://u@127.0.0.1/x"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("どちらか一方"), "{err}");
    let (code, err) = refused(&serve);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--database"), "{err}");
    let (code, err) = refused(&[&["--db", "a.db"], &serve[..], &["--db-pool-size", "0"]].concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--db-pool-size"), "{err}");
    // A database that cannot be reached: said, with where, and never the password.
    let (code, err) = refused(&[&serve[..], &["--database", "postgres://u:s3cret@127.0.0.1:1/x"]].concat());
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("接続できません") && err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

fn curl(ca: &Path, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `infoone server --database URL` on a free port, and the first line it says (where it listens
/// and on which ledger).
fn start(url: &str, dir: &Path) -> (std::process::Child, String) {
    let mut server = infoone()
        .args([
            "server",
            "--database",
            url,
            "--db-pool-size",
            "4",
            "--listen",
            "127.0.0.1:0",
            "--dev-tls",
        ])
        .arg(dir.join("tls"))
        .env("INFOONE_ADMIN_TOKEN", STAFF)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let line = lines.next().and_then(Result::ok).unwrap_or_default();
    // Keep reading stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, line)
}

#[test]
fn infoone_server_runs_on_postgresql_and_server_token_reads_the_same_ledger() {
    let Some(base) = std::env::var("INFOONE_TEST_PG").ok().filter(|u| !u.trim().is_empty()) else {
        let _ = writeln!(
            std::io::stderr(),
            "server_database: INFOONE_TEST_PG is not set, `infoone server --database` not tried (run under tests/pg-cluster.sh)"
        );
        return;
    };
    let url = infoone_ledger_pg::fresh_schema(&base).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Started twice on the same ledger: the staff token is registered once.
    let (mut first, line) = start(&url, dir.path());
    let _ = first.kill();
    let _ = first.wait();
    assert!(line.contains("PostgreSQL") && !line.contains("SQLite"), "{line}");
    let (mut server, line) = start(&url, dir.path());
    let address = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("https://"))
        .and_then(|w| w.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line}"))
        .to_string();
    let ca = dir.path().join("tls/ca.pem");
    let health = curl(&ca, &[&format!("https://{address}/v1/health")]);
    // What a load balancer asks (no token): the process, and its database.
    let healthz = curl(&ca, &["-w", " %{http_code}", &format!("https://{address}/healthz")]);
    let readyz = curl(&ca, &["-w", " %{http_code}", &format!("https://{address}/readyz")]);
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    let loaded = curl(
        &ca,
        &[
            "-H",
            &format!("authorization: Bearer {STAFF}"),
            "--data-binary",
            &format!("@{}", package.display()),
            &format!("https://{address}/v1/admin/packages"),
        ],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(health.contains("\"ok\""), "{health}");
    assert_eq!(healthz, r#"{"status":"ok"} 200"#);
    assert_eq!(readyz, r#"{"database":"postgres","status":"ready"} 200"#);
    let loaded: serde_json::Value = serde_json::from_str(&loaded).unwrap();
    assert_eq!(
        (loaded["group"].as_str(), loaded["members"].as_i64()),
        (Some("G0001"), Some(3))
    );

    // The same ledger from the command line: the staff token the server registered (once,
    // though it started twice).
    let out = infoone()
        .args(["server-token", "list", "--json"])
        .env("INFOONE_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["role"], "staff");
}
