//! A real server on 127.0.0.1 with real TLS (`--dev-tls`), called with reqwest over rustls that
//! trusts only the dev CA: the month submitted over HTTPS; a wrong CA and plain HTTP refused.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use common::{clerk_report, worked_example, MonthEnd, STAFF};
use infoone_server::{Config, Limits, Running, TlsSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(dir: &Path) -> Running {
    let config = Config {
        db: common::database(dir, "server.db"),
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: TlsSource::Dev { dir: dir.join("tls") },
        limits: Limits::default(),
        admin_token: Some(STAFF.to_string()),
    };
    infoone_server::start(config).await.unwrap()
}

/// reqwest over rustls (ring) trusting only the CA in `ca_pem`.
fn client(ca_pem: &Path, versions: &[&'static rustls::SupportedProtocolVersion]) -> reqwest::Client {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca_pem).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap()
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("https://127.0.0.1:{}{path}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_is_submitted_over_https_and_answered_with_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let ca = server.ca.clone().unwrap();
    assert_eq!(ca, dir.path().join("tls/ca.pem"));
    let http = client(&ca, &[&rustls::version::TLS13, &rustls::version::TLS12]);
    let addr = server.addr;

    let loaded = http
        .post(url(addr, "/v1/admin/packages"))
        .bearer_auth(STAFF)
        .body(worked_example())
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200);
    let token: serde_json::Value = serde_json::from_slice(
        &http
            .post(url(addr, "/v1/admin/groups/G0001/tokens"))
            .bearer_auth(STAFF)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let token = token["token"].as_str().unwrap().to_string();

    // localhost is in the certificate too.
    let pkg = http
        .get(format!(
            "https://localhost:{}/v1/groups/G0001/months/2026-12/package",
            addr.port()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pkg.status(), 200);
    let etag = pkg.headers()["etag"].to_str().unwrap().to_string();
    let package = pkg.bytes().await.unwrap();
    let again = http
        .get(url(addr, "/v1/groups/G0001/months/2026-12/package"))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let report = clerk_report(
        &package,
        &MonthEnd {
            accept_all: true,
            deductions: None,
        },
    );
    let send = || {
        http.post(url(addr, "/v1/groups/G0001/months/2026-12/reports"))
            .bearer_auth(&token)
            .header("idempotency-key", "over-https")
            .header("content-type", "application/json")
            .body(report.clone())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let receipt: serde_json::Value = first.json_bytes().await;
    let second = send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.json_bytes().await, receipt);

    // TLS 1.2 alone is enough.
    let tls12 = client(&ca, &[&rustls::version::TLS12]);
    let h = tls12.get(url(addr, "/v1/health")).send().await.unwrap();
    assert_eq!(h.status(), 200);
    server.stop().await;
}

trait JsonBytes {
    async fn json_bytes(self) -> serde_json::Value;
}

impl JsonBytes for reqwest::Response {
    async fn json_bytes(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trusts_another_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let other = infoone_server::ensure_dev_tls(&dir.path().join("other")).unwrap();
    let http = client(&other.ca_cert, &[&rustls::version::TLS13, &rustls::version::TLS12]);
    let err = http.get(url(server.addr, "/v1/health")).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // And a client with the right CA gets through (the server is fine).
    let ok = client(server.ca.as_ref().unwrap(), &[&rustls::version::TLS13]);
    assert_eq!(
        ok.get(url(server.addr, "/v1/health")).send().await.unwrap().status(),
        200
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_port_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let http = client(server.ca.as_ref().unwrap(), &[&rustls::version::TLS13]);
    let err = http
        .get(format!("http://127.0.0.1:{}/v1/health", server.addr.port()))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status(), "{err:?}");
    // On the wire: a plain request gets no HTTP answer, the connection is closed.
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/"), "{}", String::from_utf8_lossy(&answer));
    server.stop().await;
}

#[test]
fn dev_tls_reuses_its_ca_and_reissues_a_missing_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let files = infoone_server::ensure_dev_tls(dir.path()).unwrap();
    let ca = std::fs::read(&files.ca_cert).unwrap();
    let cert = std::fs::read(&files.cert).unwrap();
    assert!(String::from_utf8_lossy(&ca).starts_with("-----BEGIN CERTIFICATE-----"));
    let again = infoone_server::ensure_dev_tls(dir.path()).unwrap();
    assert_eq!(
        (
            std::fs::read(&again.ca_cert).unwrap(),
            std::fs::read(&again.cert).unwrap()
        ),
        (ca.clone(), cert.clone())
    );
    std::fs::remove_file(&files.cert).unwrap();
    let third = infoone_server::ensure_dev_tls(dir.path()).unwrap();
    assert_eq!(std::fs::read(&third.ca_cert).unwrap(), ca);
    assert_ne!(std::fs::read(&third.cert).unwrap(), cert);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "server.key is private");
    }
    // A server started on the reissued certificate is trusted through the same CA.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let config = Config {
            db: dir.path().join("s.db").into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: TlsSource::Dev {
                dir: dir.path().to_path_buf(),
            },
            limits: Limits::default(),
            admin_token: None,
        };
        let server = infoone_server::start(config).await.unwrap();
        // No admin token given: one was made for the first start.
        assert!(server
            .new_staff_token
            .as_deref()
            .is_some_and(|t| t.starts_with("ios_") && t.len() == 68));
        let http = client(&third.ca_cert, &[&rustls::version::TLS13]);
        assert_eq!(
            http.get(url(server.addr, "/v1/health")).send().await.unwrap().status(),
            200
        );
        server.stop().await;
    });
}
