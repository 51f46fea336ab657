//! `GET /healthz` (the process answers) and `GET /readyz` (the ledger's database answers) for a
//! load balancer (issue 8): no token, no personal data, on whichever back end the tests use
//! (`INFOONE_TEST_PG`, tests/pg-cluster.sh). On PostgreSQL the node reaches the cluster through
//! a TCP relay the test controls, so the database can be made unreachable for this node alone:
//! the port closed (connection refused) and a black hole (connections accepted, never answered),
//! and then reachable again.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::Router;
use common::{node, off_runtime, test_pg, Answer, Server};
use http_body_util::BodyExt;
use infoone_server::{Database, Limits, READY_TIMEOUT};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower::ServiceExt;

async fn get(app: &Router, uri: &str) -> Answer {
    let req = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_readyz_answer_without_a_token_and_say_nothing_else() {
    let s = Server::new();
    let backend = s.backend();
    let health = s.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), serde_json::json!({"status": "ok"}));
    assert_eq!(health.headers["cache-control"], "no-store");
    let ready = s.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", String::from_utf8_lossy(&ready.body));
    assert_eq!(
        ready.json(),
        serde_json::json!({"status": "ready", "database": backend})
    );
    assert_eq!(ready.headers["content-type"], "application/json");
    // A token changes nothing, another method is refused in the API's error shape.
    let with_token = s.get("/readyz", Some("iog_not-a-token")).await;
    assert_eq!(with_token.status, StatusCode::OK);
    let post = s.call(Method::POST, "/readyz", None, &[], Vec::new()).await;
    assert_eq!(
        (post.status, post.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed".to_string())
    );
    // Nothing about the callers or the ledger was written (the audit log is as after start).
    assert!(!s
        .audit_actions()
        .iter()
        .any(|a| a.contains("ready") || a.contains("health")));
}

/// A TCP relay from a loopback port to the PostgreSQL cluster: `forward` relays each connection,
/// otherwise connections are accepted and held without a byte (a black hole). [`Relay::stop`]
/// closes the port and every relayed connection.
struct Relay {
    addr: SocketAddr,
    accept: JoinHandle<()>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(port: u16, target: SocketAddr, forward: bool) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if forward {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    } else {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        drop(inbound);
                    }
                });
                kept.lock().unwrap().push(task);
            }
        });
        Relay { addr, accept, conns }
    }

    async fn stop(self) {
        self.accept.abort();
        let _ = self.accept.await;
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
        // Let the aborted tasks drop their sockets.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `host:port` of a `postgres://user@host:port/db?…` URL.
fn host_port(url: &str) -> &str {
    let rest = url.split_once('@').unwrap().1;
    rest.split('/').next().unwrap()
}

async fn readyz_within(app: &Router, limit: Duration) -> Answer {
    let started = Instant::now();
    let a = get(app, "/readyz").await;
    let took = started.elapsed();
    assert!(took < limit, "/readyz took {took:?}");
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readyz_is_503_while_postgresql_cannot_be_reached_and_200_again_after() {
    let Some(base) = test_pg() else {
        let _ = writeln!(
            std::io::stderr(),
            "ready: INFOONE_TEST_PG is not set, /readyz not tried against an unreachable database (run under tests/pg-cluster.sh)"
        );
        return;
    };
    let url = off_runtime(|| infoone_ledger_pg::fresh_schema(&base)).unwrap();
    let target: SocketAddr = host_port(&url).parse().unwrap();
    let relay = Relay::start(0, target, true).await;
    let port = relay.addr.port();
    let via_relay = url.replacen(host_port(&url), &relay.addr.to_string(), 1);
    let state = node(&Database::Postgres(via_relay), Limits::default());
    let app = infoone_server::app(state.clone());
    let limit = READY_TIMEOUT + Duration::from_secs(2);

    let ready = readyz_within(&app, limit).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", String::from_utf8_lossy(&ready.body));

    // The port closed: every pooled connection gone, a new one refused.
    relay.stop().await;
    let down = readyz_within(&app, limit).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.code(), "not_ready");
    let body = String::from_utf8_lossy(&down.body);
    assert!(
        !body.contains("127.0.0.1") && !body.contains(&port.to_string()),
        "{body}"
    );
    // The process itself is alive.
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);

    // A black hole: the connection is accepted and never answered. /readyz gives up in time.
    let hole = Relay::start(port, target, false).await;
    let started = Instant::now();
    let hung = readyz_within(&app, limit).await;
    assert_eq!(hung.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() >= READY_TIMEOUT,
        "answered before the timeout: {:?}",
        started.elapsed()
    );
    hole.stop().await;

    // Reachable again: ready again, and the ledger is usable through the same pool.
    let back = Relay::start(port, target, true).await;
    let ready = readyz_within(&app, limit).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", String::from_utf8_lossy(&ready.body));
    let staff = off_runtime(|| {
        state
            .db()
            .read(|tx| Ok(tx.srv_staff_tokens("2026-01-01T00:00:00+09:00")?))
    })
    .unwrap();
    assert_eq!(staff, 1);
    back.stop().await;
}
