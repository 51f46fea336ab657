//! The insurer's central API (`infoone server`, issue 4): bill packages computed from the
//! insurer's ledger, result reports checked by recomputation with the same domain engine as the
//! clerk's desktop, payments, and admin endpoints to set an insurer up. HTTPS only (rustls,
//! TLS 1.2+), the ledger in SQLite through `infoone-store` or in PostgreSQL through
//! `infoone-ledger-pg` (one [`infoone_store::LedgerTx`] interface: `db.rs`). The contract is docs/openapi.json,
//! also served at `GET /v1/openapi.json`.
//!
//! [`app`] is the whole API as an axum `Router` (tests call it without a socket); [`start`] binds
//! it behind TLS; [`serve`] runs until Ctrl-C; [`run`] does that on its own tokio runtime (the
//! `infoone server` command).

pub mod auth;
pub mod db;
pub mod error;
pub mod ledger;
pub mod openapi;
pub mod roster;
pub mod routes;
pub mod served;
pub mod tls;
pub mod tokens;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use infoone_store::StoreError;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::auth::{Caller, Limiter};
pub use crate::db::Database;
use crate::db::Db;
use crate::error::ApiError;
use crate::ledger::Built;
use crate::routes::Peer;
pub use crate::tls::{ensure_dev_tls, DevFiles, TlsSource};

/// The environment variable that seeds an insurer-staff token on start.
pub const ADMIN_TOKEN_ENV: &str = "INFOONE_ADMIN_TOKEN";

/// Request limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body (reports, packages) in bytes. Default 64 MiB.
    pub max_body_bytes: usize,
    /// The whole body must arrive within this (408 `body_timeout` otherwise), so a client that
    /// sends a few bytes a minute cannot hold a connection and a buffer. Default 120 s.
    pub body_timeout: Duration,
    /// The first wait after [`auth::FREE_FAILURES`] failed authentications from one peer; it
    /// doubles with each further failure. Default 1 s.
    pub auth_backoff: Duration,
    /// Requests per minute of one valid token (429 `rate_limited` beyond; 0: no limit).
    /// Default 600.
    pub token_requests_per_minute: u32,
    /// Days a new group token is valid unless the request says otherwise. Default 365.
    pub group_token_days: u32,
    /// Days a staff token is valid from when it is first registered. Default 365.
    pub staff_token_days: u32,
    /// Connections to the ledger's database (`--db-pool-size`): on PostgreSQL the pool's most
    /// (each transaction in flight holds one; a request waits up to 30 s for a free one), on
    /// SQLite the idle readers kept (writes queue on the one writer). Default 16
    /// ([`infoone_ledger_pg::DEFAULT_POOL_SIZE`]).
    pub db_pool_size: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 64 * 1024 * 1024,
            body_timeout: Duration::from_secs(120),
            auth_backoff: Duration::from_secs(1),
            token_requests_per_minute: 600,
            group_token_days: 365,
            staff_token_days: 365,
            db_pool_size: infoone_ledger_pg::DEFAULT_POOL_SIZE,
        }
    }
}

/// How long a running server trusts what it read about a token (a revocation made directly in
/// the database, `infoone server-token revoke`, takes effect within this; through the API at once).
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);

/// How long `/readyz` waits for the ledger's database (a free pooled connection and `SELECT 1`)
/// before it answers 503.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// How `infoone server` runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the ledger is: a SQLite file (the default) or a PostgreSQL URL.
    pub db: Database,
    pub listen: SocketAddr,
    pub tls: TlsSource,
    pub limits: Limits,
    /// A staff token to accept (stored as its hash on start), normally from
    /// [`ADMIN_TOKEN_ENV`]. Without it, and with no staff token in the database yet, one is made
    /// and printed once to stderr.
    pub admin_token: Option<String>,
}

impl Config {
    /// The defaults, with the admin token from [`ADMIN_TOKEN_ENV`].
    pub fn new(db: impl Into<Database>, listen: SocketAddr, tls: TlsSource) -> Config {
        Config {
            db: db.into(),
            listen,
            tls,
            limits: Limits::default(),
            admin_token: std::env::var(ADMIN_TOKEN_ENV).ok().filter(|t| !t.trim().is_empty()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Tls(#[from] tls::TlsError),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("{0}")]
    Setup(String),
}

impl From<ApiError> for ServerError {
    fn from(e: ApiError) -> ServerError {
        ServerError::Setup(e.message)
    }
}

struct Inner {
    db: Db,
    limits: Limits,
    limiter: Limiter,
    packages: Mutex<HashMap<String, Arc<Built>>>,
    served: served::ServedCache,
    callers: Mutex<HashMap<String, (Caller, std::time::Instant)>>,
}

/// Everything a request needs: the database, the limits, and caches.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// Packages kept ready to serve (per group, for its current revision).
const CACHED_PACKAGES: usize = 16;

impl AppState {
    /// Open (creating and migrating) the SQLite server database at `db`.
    pub fn open(db: &Path, limits: Limits) -> Result<AppState, ServerError> {
        AppState::connect(&Database::Sqlite(db.to_path_buf()), limits)
    }

    /// Open (migrating) the ledger wherever `database` says. Blocking: not from an async task
    /// (on PostgreSQL it waits for the driver).
    pub fn connect(database: &Database, limits: Limits) -> Result<AppState, ServerError> {
        Ok(AppState(Arc::new(Inner {
            db: Db::connect(database, limits.db_pool_size)?,
            limiter: Limiter::new(limits.auth_backoff, limits.token_requests_per_minute),
            limits,
            packages: Mutex::new(HashMap::new()),
            served: served::ServedCache::new(served::DEFAULT_BUDGET),
            callers: Mutex::new(HashMap::new()),
        })))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.0.limiter
    }

    /// Run blocking work (SQLite, recomputation) off the async threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)?
    }

    pub(crate) fn cached_caller(&self, hash: &str) -> Option<Caller> {
        self.0
            .callers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
            .map(|(c, _)| c.clone())
    }

    pub(crate) fn cache_caller(&self, hash: String, caller: Caller) {
        let mut callers = self.0.callers.lock().unwrap_or_else(|e| e.into_inner());
        if callers.len() > 10_000 {
            callers.clear();
        }
        callers.insert(hash, (caller, std::time::Instant::now()));
    }

    /// Forget every token read (after a revocation).
    pub(crate) fn forget_callers(&self) {
        self.0.callers.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub(crate) fn forget_package(&self, group: &str) {
        self.0.packages.lock().unwrap_or_else(|e| e.into_inner()).remove(group);
        self.0.served.forget(group);
    }

    /// What `GET …/package` serves of the group's current package (`None` for an unknown
    /// group): the bytes kept for the group's ledger revision as read now, else the package
    /// computed ([`AppState::current_package`]). Blocking.
    pub fn served_package(&self, group: &str) -> Result<Option<served::Served>, ApiError> {
        let Some(rev) = self.db().read(|tx| Ok(tx.srv_group_rev(group)?))? else {
            return Ok(None);
        };
        if let Some(s) = self.0.served.get(group, rev) {
            return Ok(Some(s));
        }
        let Some(built) = self.current_package(group)? else {
            return Ok(None);
        };
        let s = served_of(&built);
        self.0.served.put(group, s.clone());
        Ok(Some(s))
    }

    /// The package of the group's current month (`None` for an unknown group), from the cache
    /// while the group's ledger revision is unchanged. Blocking.
    pub fn current_package(&self, group: &str) -> Result<Option<Arc<Built>>, ApiError> {
        let cached = self
            .0
            .packages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .cloned();
        let built = self.db().read(|tx| {
            let Some(row) = tx.srv_group(group)? else {
                return Ok(None);
            };
            if let Some(c) = cached.filter(|c| c.rev == row.rev) {
                return Ok(Some((c, false)));
            }
            Ok(Some((Arc::new(ledger::build_package(tx, &row)?), true)))
        })?;
        let Some((built, fresh)) = built else {
            return Ok(None);
        };
        if fresh {
            let summary = serde_json::to_string(&built.summary).map_err(ApiError::internal)?;
            let at = routes::stamp();
            self.db().write(|tx| {
                Ok(tx.srv_record_version(&built.group, &built.version, &built.package.month, &summary, &at)?)
            })?;
            let mut packages = self.0.packages.lock().unwrap_or_else(|e| e.into_inner());
            if packages.len() >= CACHED_PACKAGES && !packages.contains_key(group) {
                packages.clear();
            }
            packages.insert(group.to_string(), built.clone());
            drop(packages);
            self.0.served.put(group, served_of(&built));
            built.prepare();
        }
        Ok(Some(built))
    }

    /// Store a staff token's hash (no-op when it is already there). Returns whether it was new.
    pub fn add_staff_token(&self, token: &str, label: &str) -> Result<bool, ApiError> {
        let hash = auth::hash_token(token);
        let at = routes::stamp();
        let added = self.db().write(|tx| {
            if tx.srv_token(&hash)?.is_some() {
                return Ok(false);
            }
            let expires = auth::expiry_after(self.limits().staff_token_days);
            let id = tx.srv_insert_token(&hash, "staff", None, label, &at, Some(&expires))?;
            tx.audit(&infoone_store::Audit {
                at: &at,
                action: "server.token.create",
                entity: Some("staff_token"),
                key: Some(&id.to_string()),
                source: Some(label),
                ..Default::default()
            })?;
            Ok(true)
        });
        match added {
            // Another server process on the same database stored it at the same moment.
            Err(e) if e.code == "conflict" && self.db().read(|tx| Ok(tx.srv_token(&hash)?))?.is_some() => Ok(false),
            other => other,
        }
    }

    /// On start: accept `admin_token` if given; with none and no staff token yet, make one and
    /// return it (to be shown once).
    pub fn bootstrap_staff(&self, admin_token: Option<&str>) -> Result<Option<String>, ServerError> {
        if let Some(t) = admin_token {
            if t.trim().len() < 16 {
                return Err(ServerError::Setup(format!(
                    "{ADMIN_TOKEN_ENV} は16文字以上にしてください"
                )));
            }
            self.add_staff_token(t.trim(), ADMIN_TOKEN_ENV)?;
            return Ok(None);
        }
        let now = routes::stamp();
        let staff = self.db().read(|tx| Ok(tx.srv_staff_tokens(&now)?))?;
        if staff > 0 {
            return Ok(None);
        }
        let token = auth::new_token("ios_")?;
        self.add_staff_token(&token, "first start")?;
        Ok(Some(token))
    }
}

/// Answers with an empty body (405 from the router) get our JSON error shape; every answer gets
/// `Cache-Control: no-store` unless it set its own.
async fn finish(response: Response) -> Response {
    let mut response = if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let headers = response.headers().clone();
        let mut r = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "このURLはそのメソッドに対応していません",
        )
        .into_response();
        if let Some(allow) = headers.get(header::ALLOW) {
            r.headers_mut().insert(header::ALLOW, allow.clone());
        }
        r
    } else {
        response
    };
    let h = response.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if matches!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::REQUEST_TIMEOUT
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::TOO_MANY_REQUESTS
    ) {
        // A refusal before the body was read (or a body that came too slowly): the rest of it
        // is not read, the connection ends after this answer.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn served_of(built: &Built) -> served::Served {
    served::Served {
        rev: built.rev,
        month: built.package.month.clone(),
        version: built.version.clone(),
        bytes: built.bytes.clone(),
    }
}

/// The whole `/v1` API.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/v1/openapi.json", get(routes::openapi))
        .route("/v1/health", get(routes::health))
        .route("/v1/groups/{group}/months/{month}/package", get(routes::get_package))
        .route("/v1/groups/{group}/months/{month}/reports", post(routes::post_report))
        .route("/v1/groups/{group}/months/{month}/payments", get(routes::get_payments))
        .route("/v1/admin/packages", post(routes::admin_load_package))
        .route("/v1/admin/groups/{group}/roster", post(routes::admin_load_roster))
        .route("/v1/admin/groups/{group}/tokens", post(tokens::create_group_token))
        .route("/v1/admin/tokens", get(tokens::list))
        .route("/v1/admin/tokens/{token_id}/revoke", post(tokens::revoke))
        .route("/v1/admin/groups/{group}/payments", post(routes::admin_record_payment))
        .fallback(routes::not_found)
        .layer(axum::middleware::map_response(finish))
        .with_state(state)
}

/// A server started by [`start`].
pub struct Running {
    /// Where it listens (the real port when `listen` had port 0).
    pub addr: SocketAddr,
    /// The dev CA a client must trust (`--dev-tls`).
    pub ca: Option<PathBuf>,
    /// A staff token made on first start (shown once).
    pub new_staff_token: Option<String>,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stop accepting connections and wait for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Wait until the accept loop ends (it does not by itself).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Open the database, set up TLS and start accepting HTTPS connections on `config.listen`.
pub async fn start(config: Config) -> Result<Running, ServerError> {
    let (tls, ca) = tls::server_config(&config.tls)?;
    // Opening (PostgreSQL: connecting and migrating) and the first staff token block: done on a
    // blocking thread, not on the runtime's.
    let (state, new_staff_token) = {
        let (db, limits, admin) = (config.db.clone(), config.limits.clone(), config.admin_token.clone());
        tokio::task::spawn_blocking(move || {
            let state = AppState::connect(&db, limits)?;
            let token = state.bootstrap_staff(admin.as_deref())?;
            Ok::<_, ServerError>((state, token))
        })
        .await
        .map_err(|e| ServerError::Setup(format!("start: {e}")))??
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Io {
            what: format!("{} で待ち受けできません", config.listen),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Io {
        what: "local address".into(),
        source,
    })?;
    let (shutdown, stop) = watch::channel(false);
    let router = app(state.clone());
    let task = tokio::spawn(accept_loop(listener, TlsAcceptor::from(tls), router, stop));
    Ok(Running {
        addr,
        ca,
        new_staff_token,
        state,
        shutdown,
        task,
    })
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, router: Router, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => break,
            a = listener.accept() => a,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(_) => {
                // Out of file descriptors and the like: breathe, then go on.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            // Not TLS (plain HTTP, a port scan) or too slow: the connection is dropped.
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else {
                return;
            };
            let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(Peer(peer.ip()));
                router.clone().oneshot(req.map(Body::new))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                // A body is handed to TLS as it is (a package of hundreds of MB is not first
                // copied into hyper's buffer).
                .writev(true)
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Start and run until Ctrl-C, telling the operator where (stderr).
pub async fn serve(config: Config) -> Result<(), ServerError> {
    let database = config.db.to_string();
    let running = start(config).await?;
    eprintln!(
        "InfoOne 保険会社APIサーバー: https://{}/v1/（台帳: {database}）",
        running.addr
    );
    if let Some(ca) = &running.ca {
        eprintln!(
            "開発用CA証明書: {}（クライアントにこのCAを信頼させてください。開発・試用専用です）",
            ca.display()
        );
    }
    if let Some(token) = &running.new_staff_token {
        eprintln!("保険会社担当者用トークン（一度だけ表示します。安全な場所に保管してください）:\n{token}");
    }
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("停止します");
    running.stop().await;
    Ok(())
}

/// [`serve`] on its own multi-threaded tokio runtime (for the `infoone` command).
pub fn run(config: Config) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| ServerError::Io {
            what: "tokio runtime".into(),
            source,
        })?;
    runtime.block_on(serve(config))
}
