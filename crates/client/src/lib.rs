//! The clerk's side of the insurer API (issue 4), used by the CLI now and the desktop later.
//!
//! - [`http::Client`]: HTTPS only (reqwest over rustls, TLS 1.2+), the OS roots plus an optional
//!   CA file, timeouts, typed errors ([`ErrorKind`]); the token never appears in a log or error.
//! - [`token`]: the API token lives in the OS keyring ([`Keyring`]), keyed by server URL and
//!   group; the database holds only the server's URL and CA path (`infoone_app::submit`).
//! - The use cases below: [`submit_month`] (write the report into the outbox, then send what
//!   waits), [`flush_outbox`] (retries with backoff, the same idempotency key every time, so a
//!   retry after a dropped connection gets the first receipt) and [`load_from_server`].
//!
//! They are synchronous: each runs its requests on a runtime of its own (call them from a
//! blocking thread, not from inside an async runtime). [`http::Client`] is the async API.

pub mod dbkey;
pub mod error;
pub mod http;
pub mod token;

use std::path::Path;

use chrono::{Local, NaiveDateTime};
use infoone_app::infoone_store::Store;
use infoone_app::submit::{self, Outgoing, Queued, Receipt, ServerConfig};
use infoone_app::{AppError, ErrorCode, LoadSummary, MonthRef};
use infoone_domain::month::YearMonth;
use serde::Serialize;

pub use error::{ClientError, ErrorKind, ServerSaid};
pub use http::{Client, Options, RetryPolicy};
pub use token::{env_token, EnvOr, Keyring, MemoryTokens, Token, TokenStore, GROUP_ENV, TOKEN_ENV};

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> AppError {
        let code = match e.kind {
            ErrorKind::Config => ErrorCode::BadInput,
            ErrorKind::NotFound => ErrorCode::NotFound,
            ErrorKind::Conflict | ErrorKind::Rejected | ErrorKind::Auth => ErrorCode::Refused,
            ErrorKind::Offline | ErrorKind::Timeout | ErrorKind::Tls | ErrorKind::Server | ErrorKind::Protocol => {
                ErrorCode::Internal
            }
        };
        AppError::new(code, e.message)
    }
}

/// How to go online: where tokens come from, timeouts and retries.
pub struct Online<'a> {
    pub tokens: &'a dyn TokenStore,
    pub options: Options,
}

impl Online<'_> {
    /// The OS keyring, `INFOONE_TOKEN` taking precedence for the group named by
    /// `INFOONE_GROUP`; default timeouts.
    pub fn standard() -> Online<'static> {
        static TOKENS: EnvOr<Keyring> = EnvOr(Keyring);
        Online {
            tokens: &TOKENS,
            options: Options::default(),
        }
    }
}

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("非同期ランタイムを起動できません: {e}")))
}

/// What became of one queued report.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted: the month is `reported` with this receipt.
    Sent { receipt: Receipt, replayed: bool },
    /// The insurer had a report of this month already (its answer to an earlier attempt was
    /// lost): its receipt is recorded and the month is `reported` with it; `error` is the
    /// server's `already_reported` (the receipt's key tells which report it holds).
    AlreadyReported { receipt: Receipt, error: ClientError },
    /// Refused by the insurer (409/422): the entry is `failed`; `error.message` says why.
    Refused { error: ClientError },
    /// Not delivered this time (offline, timeout, 5xx, not logged in): still queued.
    Queued { error: ClientError },
}

#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    /// The outbox entry after this attempt.
    pub entry: Outgoing,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Requests made (1 when the first one was answered).
    pub requests: usize,
}

/// A client for `group`'s server, with its token.
pub fn client_for(
    store: &mut Store,
    group: Option<&str>,
    online: &Online<'_>,
) -> Result<(ServerConfig, Client), ClientError> {
    let cfg = submit::server(store, group).map_err(|e| ClientError::config(e.message))?;
    let token = online.tokens.get(&cfg.url, &cfg.group)?.ok_or_else(|| {
        ClientError::new(
            ErrorKind::Auth,
            format!(
                "団体 {} のAPIトークンが登録されていません。「infoone login --server {} --group {}」でログインしてください",
                cfg.group, cfg.url, cfg.group
            ),
        )
    })?;
    let client = Client::new(&cfg.url, cfg.ca_file.as_deref().map(Path::new), &token, &online.options)?;
    Ok((cfg, client))
}

/// Send every queued report (of `group` only when given), oldest first. Each is claimed first
/// (`submit::claim_reports`): one that another process on the same database is sending right
/// now is left to it, never sent twice.
pub fn flush_outbox(store: &mut Store, online: &Online<'_>, group: Option<&str>) -> Result<Vec<Delivery>, AppError> {
    let holder = submit::new_holder();
    let queued = submit::claim_reports(store, group, Some(&holder), now())?;
    if queued.is_empty() {
        return Ok(Vec::new());
    }
    let rt = runtime()?;
    let mut out = Vec::new();
    let mut result = Ok(());
    for e in &queued {
        match deliver(&rt, store, e.clone(), online) {
            Ok(d) => out.push(d),
            Err(err) => {
                result = Err(err);
                break;
            }
        }
    }
    for e in &queued {
        let _ = submit::release(store, e.id, &holder);
    }
    result.map(|()| out)
}

/// The receipt inside a 409 `already_reported` (the server sends it as `error.receipt`).
fn earlier_receipt(error: &ClientError) -> Option<Receipt> {
    if error.server_code.as_deref() != Some("already_reported") {
        return None;
    }
    let detail = error.server.as_ref()?.detail.as_ref()?;
    serde_json::from_value(detail.get("receipt")?.clone()).ok()
}

fn deliver(
    rt: &tokio::runtime::Runtime,
    store: &mut Store,
    e: Outgoing,
    online: &Online<'_>,
) -> Result<Delivery, AppError> {
    let reread = |store: &mut Store, e: &Outgoing| -> Result<Outgoing, AppError> {
        Ok(submit::outbox(store)?
            .into_iter()
            .find(|x| x.id == e.id)
            .unwrap_or_else(|| e.clone()))
    };
    let (cfg, client) = match client_for(store, Some(&e.group), online) {
        Ok(x) => x,
        Err(error) => {
            return Ok(Delivery {
                entry: reread(store, &e)?,
                outcome: Outcome::Queued { error },
                requests: 0,
            })
        }
    };
    let c = &client;
    let entry = &e;
    let attempts = rt.block_on(http::retry(&online.options.retry, move |_| {
        c.submit_report(&entry.group, &entry.month, &entry.idempotency_key, &entry.body)
    }));
    for f in &attempts.failures {
        submit::record_attempt(store, e.id, &f.message, now())?;
    }
    let requests = attempts.failures.len() + 1;
    let outcome = match attempts.result {
        Ok(acc) => {
            submit::record_receipt(store, e.id, &acc.receipt, &cfg.url, now())?;
            Outcome::Sent {
                receipt: acc.receipt,
                replayed: acc.replayed,
            }
        }
        Err(error) if earlier_receipt(&error).is_some() => {
            let receipt = earlier_receipt(&error).ok_or_else(|| AppError::new(ErrorCode::Internal, "receipt"))?;
            submit::record_earlier_receipt(store, e.id, &receipt, &cfg.url, now())?;
            Outcome::AlreadyReported { receipt, error }
        }
        Err(error) if error.kind.is_refusal() => {
            let code = error
                .server_code
                .clone()
                .unwrap_or_else(|| error.kind.code().to_string());
            submit::record_refusal(store, e.id, &code, &error.message, now())?;
            Outcome::Refused { error }
        }
        Err(error) => {
            submit::record_attempt(store, e.id, &error.message, now())?;
            Outcome::Queued { error }
        }
    };
    Ok(Delivery {
        entry: reread(store, &e)?,
        outcome,
        requests,
    })
}

/// What `report submit` did.
#[derive(Clone, Debug, Serialize)]
pub struct Submitted {
    pub queued: Queued,
    /// Every report sent or tried, this month's among them.
    pub deliveries: Vec<Delivery>,
}

impl Submitted {
    /// What became of this month's report (`None` when it could not even be tried).
    pub fn this_month(&self) -> Option<&Delivery> {
        self.deliveries.iter().find(|d| d.entry.id == self.queued.entry.id)
    }
}

/// `report submit`: write the month's result report into the outbox (once per revision; a month
/// already reported is refused), then send every queued report.
pub fn submit_month(
    store: &mut Store,
    at: &MonthRef,
    report_file: &Path,
    online: &Online<'_>,
) -> Result<Submitted, AppError> {
    let queued = submit::queue_report(store, at, report_file, now())?;
    let deliveries = flush_outbox(store, online, None)?;
    Ok(Submitted { queued, deliveries })
}

/// What `month load --from-server` did.
#[derive(Clone, Debug, Serialize)]
pub struct FromServer {
    pub load: LoadSummary,
    pub url: String,
    /// The server's `ETag` (its package version).
    pub etag: Option<String>,
    /// Reports that were waiting and went out on the way.
    pub deliveries: Vec<Delivery>,
}

/// `month load --from-server`: send what waits in the outbox, then fetch the month's bill
/// package and load it exactly like a file.
pub fn load_from_server(
    store: &mut Store,
    group: Option<&str>,
    month: YearMonth,
    online: &Online<'_>,
) -> Result<FromServer, AppError> {
    let deliveries = flush_outbox(store, online, None)?;
    let (cfg, client) = client_for(store, group, online)?;
    let rt = runtime()?;
    let m = month.to_string();
    let c = &client;
    let (g, mm) = (cfg.group.as_str(), m.as_str());
    let fetched = rt
        .block_on(http::retry(&online.options.retry, move |_| c.package(g, mm)))
        .result?;
    let source = format!("{}/v1/groups/{}/months/{}/package", cfg.url, cfg.group, m);
    let load = submit::load_fetched_package(store, &cfg.group, month, &source, &fetched.bytes, now())?;
    Ok(FromServer {
        load,
        url: cfg.url,
        etag: fetched.etag,
        deliveries,
    })
}

/// `login`: the token into the OS keyring, the server's URL and CA path into the database.
pub fn login(
    store: &mut Store,
    tokens: &dyn TokenStore,
    url: &str,
    group: &str,
    ca_file: Option<&Path>,
    token: &Token,
) -> Result<ServerConfig, AppError> {
    let url = url.trim().trim_end_matches('/');
    if !url.starts_with("https://") {
        return Err(AppError::bad_input(format!(
            "サーバーのURL「{url}」は https:// で始まる必要があります（暗号化されない接続は使えません）"
        )));
    }
    // The client must be buildable with this CA before anything is stored.
    Client::new(url, ca_file, token, &Options::default())?;
    tokens.set(url, group, token)?;
    submit::set_server(store, group, url, ca_file, now())
}

/// `logout`: the token leaves the keyring (the server's URL stays). `false` when there was none.
pub fn logout(
    store: &mut Store,
    tokens: &dyn TokenStore,
    group: Option<&str>,
) -> Result<(ServerConfig, bool), AppError> {
    let cfg = submit::server(store, group)?;
    let deleted = tokens.delete(&cfg.url, &cfg.group)?;
    Ok((cfg, deleted))
}
