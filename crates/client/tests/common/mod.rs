//! The test bench: the REAL insurer server (`infoone_server::start`, real TLS with its dev CA) on
//! 127.0.0.1, a clerk's database driven through `infoone-app` and `infoone-client`, and two
//! loopback proxies that make trouble on purpose:
//!
//! - [`FaultProxy`] terminates TLS with the server's own dev certificate and forwards each request
//!   to the server, unless told to answer 5xx first or to hold the answer past the client's
//!   timeout (after the server committed);
//! - [`DropProxy`] passes TCP through untouched, and once armed cuts the connection after the
//!   server answered a large request, forwarding only the first bytes of the answer — the
//!   connection "dropped after the server committed but before the client read the answer".
//!
//! The servers and proxies run on a multi-threaded tokio runtime of their own; the client's
//! synchronous use cases run on the test thread.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes_helpers::full;
use chrono::NaiveDateTime;
use http_body_util::BodyExt;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_client::{MemoryTokens, Online, Options, RetryPolicy, Token};
use infoone_domain::deduction::Mode;
use infoone_server::{Config, Running, TlsSource};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

pub const STAFF: &str = "staff-token-for-client-tests-0123456789";
pub const GROUP: &str = "G0001";
pub const DEC: &str = "2026-12";
/// 000102 deducted in part (the worked example's partial deduction).
pub const PARTIAL: &str = "社員番号,控除額,理由\n000102,3000,給与不足\n";

mod bytes_helpers {
    use http_body_util::Full;
    use hyper::body::Bytes;

    pub fn full(b: impl Into<Bytes>) -> Full<Bytes> {
        Full::new(b.into())
    }
}

pub fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().unwrap()
}

pub fn worked_example() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json"))
        .unwrap()
}

/// Short timeouts and quick retries without jitter, so the tests measure the backoff.
pub fn fast() -> Options {
    Options {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            jitter: false,
        },
    }
}

fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The insurer's real server, its dev CA, and a staff token.
pub struct Insurer {
    pub rt: Runtime,
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub ca: PathBuf,
    running: Option<Running>,
}

impl Insurer {
    /// A server with the worked example loaded.
    pub fn start() -> Insurer {
        install_provider();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let running = rt
            .block_on(infoone_server::start(Insurer::config(
                dir.path(),
                "127.0.0.1:0".parse().unwrap(),
            )))
            .unwrap();
        let addr = running.addr;
        let ca = running.ca.clone().unwrap();
        let s = Insurer {
            rt,
            dir,
            addr,
            ca,
            running: Some(running),
        };
        let (status, body) = s.admin("/v1/admin/packages", worked_example());
        assert_eq!(status, 200, "{body}");
        s
    }

    fn config(dir: &Path, listen: SocketAddr) -> Config {
        let mut c = Config::new(dir.join("server.db"), listen, TlsSource::Dev { dir: dir.join("tls") });
        c.admin_token = Some(STAFF.to_string());
        c
    }

    pub fn tls_source(&self) -> TlsSource {
        TlsSource::Dev {
            dir: self.dir.path().join("tls"),
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn http(&self) -> reqwest::Client {
        let pem = std::fs::read(&self.ca).unwrap();
        reqwest::Client::builder()
            .tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).unwrap())
            .build()
            .unwrap()
    }

    /// A staff POST.
    pub fn admin(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let http = self.http();
        let url = format!("{}{path}", self.url());
        self.rt.block_on(async move {
            let r = http
                .post(url)
                .bearer_auth(STAFF)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
            (status, v)
        })
    }

    /// A new API token for `group`.
    pub fn token(&self, group: &str) -> Token {
        let (status, v) = self.admin(&format!("/v1/admin/groups/{group}/tokens"), Vec::new());
        assert_eq!(status, 201, "{v}");
        Token::new(v["token"].as_str().unwrap()).unwrap()
    }

    /// The server goes away: its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.stop());
        }
    }

    /// The server comes back on the same port with the same database.
    pub fn restart(&mut self) {
        self.stop();
        let running = self
            .rt
            .block_on(infoone_server::start(Insurer::config(self.dir.path(), self.addr)))
            .unwrap();
        assert_eq!(running.addr, self.addr);
        self.running = Some(running);
    }
}

impl Drop for Insurer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A clerk's machine: a database, tokens in memory (the keyring has its own test), a server.
pub struct Clerk {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub tokens: MemoryTokens,
    pub options: Options,
}

impl Clerk {
    /// Logged in to `url` (the server or a proxy in front of it) trusting `ca`.
    pub fn new(url: &str, ca: &Path, token: &Token) -> Clerk {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("clerk.db")).unwrap();
        let tokens = MemoryTokens::default();
        infoone_client::login(&mut store, &tokens, url, GROUP, Some(ca), token).unwrap();
        Clerk {
            dir,
            store,
            tokens,
            options: fast(),
        }
    }

    pub fn flush(&mut self) -> Vec<infoone_client::Delivery> {
        let online = Online {
            tokens: &self.tokens,
            options: self.options.clone(),
        };
        infoone_client::flush_outbox(&mut self.store, &online, None).unwrap()
    }

    pub fn load(&mut self, month: &str) -> Result<infoone_client::FromServer, infoone_app::AppError> {
        let online = Online {
            tokens: &self.tokens,
            options: self.options.clone(),
        };
        infoone_client::load_from_server(&mut self.store, Some(GROUP), month.parse().unwrap(), &online)
    }

    pub fn at(&self, month: &str) -> MonthRef {
        MonthRef {
            group: Some(GROUP.into()),
            month: month.parse().unwrap(),
        }
    }

    /// December from the server, worked to `deducted`: every change accepted (W0001 joins),
    /// confirmed, 000102 deducted in part.
    pub fn work_december(&mut self) {
        let r = self.load(DEC).unwrap();
        assert_eq!((r.load.group.as_str(), r.load.month.as_str()), (GROUP, DEC));
        assert_eq!(r.etag.as_deref(), Some(r.load.version.as_str()));
        let at = self.at(DEC);
        infoone_app::accept(&mut self.store, &at, &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut self.store, &at, now()).unwrap();
        let csv = self.dir.path().join("deductions.csv");
        std::fs::write(&csv, PARTIAL).unwrap();
        infoone_app::import_deductions(&mut self.store, &at, &csv, Mode::Exceptions, now()).unwrap();
    }

    pub fn state(&mut self, month: &str) -> String {
        let at = self.at(month);
        infoone_app::status(&mut self.store, &at).unwrap().state
    }

    pub fn report_file(&self) -> PathBuf {
        self.dir.path().join("reports/report.json")
    }

    pub fn submit(&mut self) -> Result<infoone_client::Submitted, infoone_app::AppError> {
        let online = Online {
            tokens: &self.tokens,
            options: self.options.clone(),
        };
        let at = self.at(DEC);
        let file = self.report_file();
        infoone_client::submit_month(&mut self.store, &at, &file, &online)
    }

    /// Every byte the database keeps (file, WAL, shared memory).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(format!("clerk.db{suffix}"))) {
                out.extend(b);
            }
        }
        out
    }
}

/// What the fault proxy does with the next request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (JSON error body) without forwarding.
    Status(u16),
    /// Forward, then hold the server's answer this long before passing it on.
    HoldAnswer(Duration),
}

struct FaultState {
    upstream: String,
    http: reqwest::Client,
    faults: Mutex<VecDeque<Fault>>,
    requests: AtomicUsize,
}

/// A TLS-terminating reverse proxy in front of the server, presenting the server's own dev
/// certificate, that injects faults.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<FaultState>,
}

impl FaultProxy {
    pub fn start(insurer: &Insurer, faults: Vec<Fault>) -> FaultProxy {
        let (tls, _) = infoone_server::tls::server_config(&insurer.tls_source()).unwrap();
        let state = Arc::new(FaultState {
            upstream: insurer.url(),
            http: insurer.http(),
            faults: Mutex::new(faults.into()),
            requests: AtomicUsize::new(0),
        });
        let st = state.clone();
        let listener = insurer.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        insurer.rt.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let st = st.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| forward(st.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        FaultProxy { addr, state }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// What to do with the next requests.
    pub fn push_faults(&self, faults: Vec<Fault>) {
        self.state.faults.lock().unwrap().extend(faults);
    }

    /// Requests that reached the proxy.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

async fn forward(
    st: Arc<FaultState>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<http_body_util::Full<hyper::body::Bytes>>, Infallible> {
    st.requests.fetch_add(1, Ordering::SeqCst);
    let fault = st.faults.lock().unwrap().pop_front();
    if let Some(Fault::Status(code)) = fault {
        let body = format!(r#"{{"error":{{"code":"injected","message":"injected {code}"}}}}"#);
        let mut r = Response::new(full(body));
        *r.status_mut() = hyper::StatusCode::from_u16(code).unwrap();
        return Ok(r);
    }
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut rb = st
        .http
        .request(parts.method.clone(), format!("{}{path}", st.upstream))
        .body(body);
    for (k, v) in &parts.headers {
        if k != hyper::header::HOST && k != hyper::header::CONTENT_LENGTH {
            rb = rb.header(k, v);
        }
    }
    let up = match rb.send().await {
        Ok(r) => r,
        Err(_) => {
            let mut r = Response::new(full("upstream down"));
            *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            return Ok(r);
        }
    };
    let status = up.status();
    let headers = up.headers().clone();
    let bytes = up.bytes().await.unwrap_or_default();
    if let Some(Fault::HoldAnswer(d)) = fault {
        tokio::time::sleep(d).await;
    }
    let mut r = Response::new(full(bytes));
    *r.status_mut() = status;
    for (k, v) in &headers {
        if k != hyper::header::CONTENT_LENGTH && k != hyper::header::TRANSFER_ENCODING && k != hyper::header::CONNECTION
        {
            r.headers_mut().insert(k, v.clone());
        }
    }
    Ok(r)
}

/// A TCP proxy that, once armed, cuts the first connection that sent at least `threshold`
/// bytes: what the server sends after that is held back until the server has been quiet for
/// `quiet`, then only its first 5 bytes reach the client and both sides are closed.
pub struct DropProxy {
    pub addr: SocketAddr,
    threshold: Arc<AtomicUsize>,
    armed: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
    held: Arc<AtomicUsize>,
}

impl DropProxy {
    pub fn start(rt: &Runtime, upstream: SocketAddr) -> DropProxy {
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let p = DropProxy {
            addr,
            threshold: Arc::new(AtomicUsize::new(usize::MAX)),
            armed: Arc::new(AtomicBool::new(false)),
            dropped: Arc::new(AtomicUsize::new(0)),
            held: Arc::new(AtomicUsize::new(0)),
        };
        let (threshold, armed, dropped, held) =
            (p.threshold.clone(), p.armed.clone(), p.dropped.clone(), p.held.clone());
        rt.spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let cut = armed.swap(false, Ordering::SeqCst);
                let (threshold, dropped, held, armed) =
                    (threshold.clone(), dropped.clone(), held.clone(), armed.clone());
                tokio::spawn(async move {
                    if cut {
                        if !cut_after_answer(client, server, threshold.load(Ordering::SeqCst), &dropped, &held).await {
                            // This connection never carried a big enough request: stay armed.
                            armed.store(true, Ordering::SeqCst);
                        }
                    } else {
                        let (mut c, mut s) = (client, server);
                        let _ = tokio::io::copy_bidirectional(&mut c, &mut s).await;
                    }
                });
            }
        });
        p
    }

    /// Cut the next connection that sends at least `threshold` bytes.
    pub fn arm(&self, threshold: usize) {
        self.threshold.store(threshold, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Connections cut, and the answer bytes held back from the client.
    pub fn dropped(&self) -> (usize, usize) {
        (self.dropped.load(Ordering::SeqCst), self.held.load(Ordering::SeqCst))
    }
}

/// `true` when it cut the connection.
async fn cut_after_answer(
    client: TcpStream,
    server: TcpStream,
    threshold: usize,
    dropped: &AtomicUsize,
    held_bytes: &AtomicUsize,
) -> bool {
    let quiet = Duration::from_millis(300);
    let sent = Arc::new(AtomicUsize::new(0));
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let counter = sent.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    counter.fetch_add(n, Ordering::SeqCst);
                }
            }
        }
        let _ = sw.shutdown().await;
    });
    let mut held: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = if held.is_empty() {
            Ok(sr.read(&mut buf).await)
        } else {
            tokio::time::timeout(quiet, sr.read(&mut buf)).await
        };
        match read {
            Err(_) => {
                // The server answered and went quiet: the client gets a few bytes, then nothing.
                let _ = cw.write_all(&held[..5.min(held.len())]).await;
                let _ = cw.shutdown().await;
                up.abort();
                dropped.fetch_add(1, Ordering::SeqCst);
                held_bytes.fetch_add(held.len(), Ordering::SeqCst);
                return true;
            }
            Ok(Ok(0)) | Ok(Err(_)) => {
                if !held.is_empty() {
                    let _ = cw.write_all(&held).await;
                }
                let _ = cw.shutdown().await;
                up.abort();
                return false;
            }
            Ok(Ok(n)) => {
                if held.is_empty() && sent.load(Ordering::SeqCst) < threshold {
                    if cw.write_all(&buf[..n]).await.is_err() {
                        up.abort();
                        return false;
                    }
                } else {
                    held.extend_from_slice(&buf[..n]);
                }
            }
        }
    }
}

/// A plain-HTTP server (no TLS) on loopback that answers everything with 200.
pub fn plain_http_server(rt: &Runtime) -> SocketAddr {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "{}" });
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}
