//! Shared by the server's tests: a server state on a temporary database, requests through the
//! router without a socket, and valid result reports made the way a clerk makes them (through
//! `infoone_app`, in a local database of their own).
//!
//! The ledger is SQLite in the test's folder, or — when `INFOONE_TEST_PG` names a PostgreSQL
//! database (`tests/pg-cluster.sh` starts a throw-away one and sets it) — a fresh schema of its
//! own in that database, so the same tests run against both back ends.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::NaiveDateTime;
use http_body_util::BodyExt;
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_domain::deduction::Mode;
use infoone_server::error::ApiError;
use infoone_server::{AppState, Database, Limits};
use infoone_store::LedgerTx;
use tower::ServiceExt;

pub const STAFF: &str = "ios_test-staff-token-for-the-server-tests";

pub fn worked_example() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json"))
        .unwrap()
}

/// The PostgreSQL database the tests use, from `INFOONE_TEST_PG` (unset: SQLite).
pub fn test_pg() -> Option<String> {
    std::env::var("INFOONE_TEST_PG").ok().filter(|u| !u.trim().is_empty())
}

/// A ledger for one test: a fresh schema in `INFOONE_TEST_PG`'s database, else `dir/name`.
pub fn database(dir: &Path, name: &str) -> Database {
    match test_pg() {
        Some(url) => Database::Postgres(off_runtime(|| infoone_ledger_pg::fresh_schema(&url)).unwrap()),
        None => Database::Sqlite(dir.join(name)),
    }
}

/// Run blocking database work from an async test: on a thread of its own (the ledger's calls
/// block, and PostgreSQL's may not be made on the test's runtime thread).
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// A server state on `database` (another "node" when a state on it exists already).
pub fn node(database: &Database, limits: Limits) -> AppState {
    off_runtime(|| {
        let state = AppState::connect(database, limits).unwrap();
        state.bootstrap_staff(Some(STAFF)).unwrap();
        state
    })
}

pub struct Server {
    pub dir: tempfile::TempDir,
    pub database: Database,
    pub state: AppState,
    pub app: Router,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_string()
    }
}

impl Server {
    pub fn new() -> Server {
        Server::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let database = database(dir.path(), "server.db");
        let state = node(&database, limits);
        let app = infoone_server::app(state.clone());
        Server {
            dir,
            database,
            state,
            app,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.state.db().backend()
    }

    /// Read the ledger directly (one transaction).
    pub fn read<T: Send>(&self, f: impl FnOnce(&dyn LedgerTx) -> Result<T, ApiError> + Send) -> T {
        off_runtime(|| self.state.db().read(f)).unwrap()
    }

    /// Write the ledger directly (one transaction).
    pub fn write<T: Send>(&self, f: impl FnMut(&dyn LedgerTx) -> Result<T, ApiError> + Send) -> T {
        off_runtime(|| self.state.db().write(f)).unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer { status, headers, body }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, uri, token, &[], Vec::new()).await
    }

    /// Load a package as insurer staff.
    pub async fn load(&self, package: &[u8]) -> Answer {
        self.call(Method::POST, "/v1/admin/packages", Some(STAFF), &[], package.to_vec())
            .await
    }

    pub async fn token(&self, group: &str) -> String {
        let a = self
            .call(
                Method::POST,
                &format!("/v1/admin/groups/{group}/tokens"),
                Some(STAFF),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&a.body));
        a.json()["token"].as_str().unwrap().to_string()
    }

    pub async fn submit(&self, group: &str, month: &str, token: &str, key: &str, report: &[u8]) -> Answer {
        self.call(
            Method::POST,
            &format!("/v1/groups/{group}/months/{month}/reports"),
            Some(token),
            &[("idempotency-key", key), ("content-type", "application/json")],
            report.to_vec(),
        )
        .await
    }

    pub fn audit_actions(&self) -> Vec<String> {
        self.read(|tx| Ok(tx.audit_log(None)?))
            .into_iter()
            .map(|a| a.action)
            .collect()
    }
}

pub fn now() -> NaiveDateTime {
    "2026-11-26T10:00:00".parse().unwrap()
}

/// What the clerk does with a month.
pub struct MonthEnd<'a> {
    /// Accept every proposed change (Web applications included); else reject them all.
    pub accept_all: bool,
    /// Deduction results (exceptions mode), csv text; `None`: everybody deducted in full.
    pub deductions: Option<&'a str>,
}

/// The clerk's month-end on `package` in a fresh local database: the result report's bytes.
pub fn clerk_report(package: &[u8], how: &MonthEnd<'_>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    clerk_report_in(dir.path(), package, how)
}

pub fn clerk_report_in(dir: &Path, package: &[u8], how: &MonthEnd<'_>) -> Vec<u8> {
    let mut store = Store::open(&dir.join("clerk.db")).unwrap();
    let loaded = infoone_app::load_package_bytes(&mut store, "bill-package.json", package, now()).unwrap();
    let at = MonthRef::new(loaded.month.parse().unwrap());
    if how.accept_all {
        infoone_app::accept(&mut store, &at, &Selection::All, now()).unwrap();
    } else {
        infoone_app::reject(&mut store, &at, &Selection::All, now()).unwrap();
    }
    infoone_app::confirm(&mut store, &at, now()).unwrap();
    let csv: PathBuf = dir.join("deductions.csv");
    std::fs::write(&csv, how.deductions.unwrap_or("社員番号,控除額,理由\n")).unwrap();
    infoone_app::import_deductions(&mut store, &at, &csv, Mode::Exceptions, now()).unwrap();
    let out = dir.join("report.json");
    infoone_app::write_report(&mut store, &at, &out, now()).unwrap();
    std::fs::read(out).unwrap()
}
