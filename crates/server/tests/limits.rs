//! The API's limits (issue 9): every route × every kind of caller; tokens that expire and are
//! revoked; a per-token rate limit; the ledger's durability settings; and, over a real socket with real TLS, a 60 MiB POST without
//! a token refused before its body is read (peak RSS measured) and a body that never arrives.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::{worked_example, Server, STAFF};
use infoone_server::{Config, Limits, TlsSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEC: &str = "2026-12";

/// Every route of docs/openapi.json, with a body where it takes one.
fn routes() -> Vec<(Method, String, Vec<u8>)> {
    let g = "/v1/groups/G0001/months/2026-12";
    vec![
        (Method::GET, "/v1/openapi.json".into(), vec![]),
        (Method::GET, "/v1/health".into(), vec![]),
        (Method::GET, "/healthz".into(), vec![]),
        (Method::GET, "/readyz".into(), vec![]),
        (Method::GET, format!("{g}/package"), vec![]),
        (Method::POST, format!("{g}/reports"), b"{}".to_vec()),
        (Method::GET, format!("{g}/payments"), vec![]),
        (Method::POST, "/v1/admin/packages".into(), b"{}".to_vec()),
        (
            Method::POST,
            "/v1/admin/groups/G0001/roster".into(),
            b"not a workbook".to_vec(),
        ),
        (Method::POST, "/v1/admin/groups/G0001/tokens".into(), vec![]),
        (Method::POST, "/v1/admin/groups/G0001/payments".into(), b"{}".to_vec()),
        (Method::GET, "/v1/admin/tokens".into(), vec![]),
        (Method::POST, "/v1/admin/tokens/999999/revoke".into(), vec![]),
    ]
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_it_should() {
    let s = Server::new();
    s.load(&worked_example()).await;
    let mut other = worked_example();
    let text = String::from_utf8(other.clone())
        .unwrap()
        .replacen("\"G0001\"", "\"G0002\"", 1);
    other = text.into_bytes();
    assert_eq!(s.load(&other).await.status, StatusCode::OK);
    let own = s.token("G0001").await;
    let foreign = s.token("G0002").await;
    // (status, error code) for: no token, another group's token, the group's token, staff.
    let expected: Vec<[(u16, &str); 4]> = vec![
        [(200, ""), (200, ""), (200, ""), (200, "")],
        [(200, ""), (200, ""), (200, ""), (200, "")],
        [(200, ""), (200, ""), (200, ""), (200, "")],
        [(200, ""), (200, ""), (200, ""), (200, "")],
        [(401, "unauthorized"), (404, "not_found"), (200, ""), (200, "")],
        [
            (401, "unauthorized"),
            (404, "not_found"),
            (400, "idempotency_key_required"),
            (400, "idempotency_key_required"),
        ],
        [
            (401, "unauthorized"),
            (404, "not_found"),
            (404, "not_reported"),
            (404, "not_reported"),
        ],
        [
            (401, "unauthorized"),
            (403, "forbidden"),
            (403, "forbidden"),
            (422, "invalid_package"),
        ],
        [
            (401, "unauthorized"),
            (403, "forbidden"),
            (403, "forbidden"),
            (422, "invalid_roster"),
        ],
        [(401, "unauthorized"), (403, "forbidden"), (403, "forbidden"), (201, "")],
        [
            (401, "unauthorized"),
            (403, "forbidden"),
            (403, "forbidden"),
            (422, "invalid_payment"),
        ],
        [(401, "unauthorized"), (403, "forbidden"), (403, "forbidden"), (200, "")],
        [
            (401, "unauthorized"),
            (403, "forbidden"),
            (403, "forbidden"),
            (404, "not_found"),
        ],
    ];
    let routes = routes();
    assert_eq!(routes.len(), expected.len());
    // The list is every documented operation.
    let doc = infoone_server::openapi::document();
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
    let mut table = String::new();
    for ((method, uri, body), want) in routes.iter().zip(&expected) {
        for (who, token) in [None, Some(foreign.as_str()), Some(own.as_str()), Some(STAFF)]
            .into_iter()
            .enumerate()
        {
            let a = s.call(method.clone(), uri, token, &[], body.clone()).await;
            let code = if a.status.is_success() { String::new() } else { a.code() };
            table.push_str(&format!("{method} {uri} caller#{who}: {} {code}\n", a.status.as_u16()));
            assert_eq!(
                (a.status.as_u16(), code.as_str()),
                want[who],
                "{method} {uri} as caller #{who} (0 none, 1 other group, 2 group, 3 staff)"
            );
            if a.status == StatusCode::UNAUTHORIZED {
                assert_eq!(a.headers["connection"], "close", "{method} {uri}");
            }
        }
    }
    eprint!("{table}");
}

#[tokio::test]
async fn a_revoked_or_expired_token_is_refused_and_the_others_go_on() {
    let s = Server::new();
    s.load(&worked_example()).await;
    let pkg = format!("/v1/groups/G0001/months/{DEC}/package");
    let a = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(STAFF),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let first = a.json();
    // A year by default.
    let expires = chrono::DateTime::parse_from_rfc3339(first["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((364..=365).contains(&days), "{days}");
    let (token, id) = (
        first["token"].as_str().unwrap().to_string(),
        first["token_id"].as_i64().unwrap(),
    );
    let other = s.token("G0001").await;
    assert_eq!(s.get(&pkg, Some(&token)).await.status, StatusCode::OK);
    // Revoked: refused at once (the server forgets what it had read), the other token still works.
    let r = s
        .call(
            Method::POST,
            &format!("/v1/admin/tokens/{id}/revoke"),
            Some(STAFF),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["revoked_at"].is_string());
    assert_eq!(s.get(&pkg, Some(&token)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get(&pkg, Some(&other)).await.status, StatusCode::OK);
    let list = s.get("/v1/admin/tokens", Some(STAFF)).await.json();
    let listed = list["tokens"].as_array().unwrap();
    assert!(listed
        .iter()
        .all(|t| t.get("token").is_none() && t.get("token_hash").is_none()));
    assert!(listed
        .iter()
        .any(|t| t["token_id"] == id && t["revoked_at"].is_string()));
    // Expiry: a token issued for 1 day works; the database says it expired → refused.
    let short = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(STAFF),
            &[],
            br#"{"expires_in_days": 1}"#.to_vec(),
        )
        .await
        .json();
    let short_token = short["token"].as_str().unwrap().to_string();
    assert_eq!(s.get(&pkg, Some(&short_token)).await.status, StatusCode::OK);
    let bad = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(STAFF),
            &[],
            br#"{"expires_in_days": 0}"#.to_vec(),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_token_request".into())
    );
    // (schemathesis found `null` taken as "the default")
    for body in [
        r#"{"expires_in_days": null}"#,
        r#"{"expires_in_days": "30"}"#,
        r#"{"days": 3}"#,
        "[]",
        "{",
    ] {
        let a = s
            .call(
                Method::POST,
                "/v1/admin/groups/G0001/tokens",
                Some(STAFF),
                &[],
                body.into(),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let a = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(STAFF),
            &[],
            br#"{"expires_in_days": 30.0}"#.to_vec(),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    // Past its time (moved back in the database, as the clock would): refused after the
    // server's token cache (10 s) — a fresh server state reads the database at once.
    let sid = short["token_id"].as_i64().unwrap();
    s.write(|tx| Ok(tx.srv_set_token_expiry(sid, "2020-01-01T00:00:00+09:00")?));
    let fresh = infoone_server::app(common::node(&s.database, Limits::default()));
    let a = call(&fresh, &pkg, &short_token).await;
    assert_eq!(a, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&fresh, &pkg, &other).await, StatusCode::OK);
}

async fn call(app: &axum::Router, uri: &str, token: &str) -> StatusCode {
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn the_ledger_commits_with_synchronous_full_and_a_bounded_wal() {
    let s = Server::new();
    if s.backend() == "postgres" {
        // PostgreSQL's commit durability is its own server's settings (fsync, synchronous_commit).
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "limits: SQLite-only durability check skipped on PostgreSQL (its durability is the database server's settings)"
        );
        assert!(s.state.db().durability().is_err());
        return;
    }
    // synchronous 2 = FULL; the WAL is checkpointed at 1,000 pages (it was 0: never).
    assert_eq!(s.state.db().durability().unwrap(), (2, 1000));
}

#[tokio::test]
async fn each_valid_token_is_rate_limited_on_its_own() {
    let s = Server::with_limits(Limits {
        token_requests_per_minute: 3,
        ..Limits::default()
    });
    s.load(&worked_example()).await;
    let a = s.token("G0001").await;
    let b = s.token("G0001").await;
    let pkg = format!("/v1/groups/G0001/months/{DEC}/package");
    for _ in 0..3 {
        assert_eq!(s.get(&pkg, Some(&a)).await.status, StatusCode::OK);
    }
    let r = s.get(&pkg, Some(&a)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(s.get(&pkg, Some(&b)).await.status, StatusCode::OK);
}

// ---- over a real socket -------------------------------------------------------------------

struct Real {
    _dir: tempfile::TempDir,
    running: infoone_server::Running,
    connector: tokio_rustls::TlsConnector,
}

async fn real(limits: Limits) -> Real {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(
        dir.path().join("server.db"),
        "127.0.0.1:0".parse().unwrap(),
        TlsSource::Dev {
            dir: dir.path().join("tls"),
        },
    );
    c.admin_token = Some(STAFF.into());
    c.limits = limits;
    let running = infoone_server::start(c).await.unwrap();
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(running.ca.as_ref().unwrap()).unwrap();
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Real {
        _dir: dir,
        running,
        connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
    }
}

impl Real {
    async fn connect(&self) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(self.running.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        self.connector.connect(name, tcp).await.unwrap()
    }
}

/// The peak resident set of this process (VmHWM), in KiB, and a reset of it.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn reset_peak_rss() {
    // Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_post_without_a_token_is_refused_before_its_body_is_read() {
    let server = real(Limits::default()).await;
    let total: usize = 60 * 1024 * 1024;
    let stream = server.connect().await;
    let (mut rd, mut wr) = tokio::io::split(stream);
    reset_peak_rss();
    let before = peak_rss_kib();
    let t = Instant::now();
    let head = format!(
        "POST /v1/groups/G0001/months/2026-12/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: k1\r\nContent-Length: {total}\r\n\r\n"
    );
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b' '; 256 * 1024];
        let mut sent = 0usize;
        while sent < total {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), rd.read_to_end(&mut answer)).await;
    let answered_in = t.elapsed();
    let sent = tokio::time::timeout(Duration::from_secs(30), writer)
        .await
        .unwrap()
        .unwrap();
    let after = peak_rss_kib();
    let text = String::from_utf8_lossy(&answer);
    eprintln!(
        "60 MiB POST without a token: answer in {answered_in:?}, {} KiB of body written before the server closed, peak RSS {} → {} KiB (+{} KiB)",
        sent / 1024,
        before,
        after,
        after.saturating_sub(before)
    );
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(text.to_ascii_lowercase().contains("connection: close"), "{text}");
    // The body was not read: the server's memory did not grow by anything like 60 MiB, and
    // the client could not push it all.
    assert!(
        after.saturating_sub(before) < 16 * 1024,
        "peak RSS grew {} KiB",
        after - before
    );
    assert!(sent < total, "the whole body was accepted ({sent} bytes)");
    server.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let server = real(Limits {
        body_timeout: Duration::from_millis(800),
        ..Limits::default()
    })
    .await;
    let mut stream = server.connect().await;
    let t = Instant::now();
    let head = format!(
        "POST /v1/admin/packages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {STAFF}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"format\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&answer);
    eprintln!("a stalled body: answered in {took:?}");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body_timeout"), "{text}");
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(5),
        "{took:?}"
    );
    server.running.stop().await;
}
