//! The `/v1` handlers (see docs/openapi.json).

use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use infoone_domain::month::YearMonth;
use infoone_formats::package::{self as p, PackageError};
use infoone_formats::report;
use infoone_formats::roster::read_roster_bytes;
use infoone_store::Audit;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::{self, Caller};
use crate::error::{bytes_response, json_response, ApiError};
use crate::ledger::{self, Accept, Built, Summary};
use crate::AppState;

/// The peer address of a connection, put on each request by the TLS accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

/// Path parameters, refused with our error shape.
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params<T>, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(Params(t)),
            Err(e) => Err(ApiError::bad_request(
                "bad_path",
                format!("URLの指定が正しくありません: {e}"),
            )),
        }
    }
}

fn parse_month(s: &str) -> Result<YearMonth, ApiError> {
    let shaped =
        s.len() == 7 && s.as_bytes()[4] == b'-' && s.bytes().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit());
    shaped.then(|| s.parse::<YearMonth>().ok()).flatten().ok_or_else(|| {
        ApiError::bad_request(
            "bad_month",
            format!("月「{s}」は YYYY-MM の形（例: 2026-12）で指定してください"),
        )
    })
}

pub(crate) fn require_staff(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "この操作は保険会社の担当者用トークンでのみ行えます",
        ))
    }
}

fn check_group(caller: &Caller, group: &str) -> Result<(), ApiError> {
    if caller.can_see(group) {
        Ok(())
    } else {
        Err(ApiError::unknown_group(group))
    }
}

/// Read the whole body, refusing (413) one over the limit and (408) one that does not arrive
/// within the body timeout. Called only once the caller is known to be allowed.
pub(crate) async fn read_body(st: &AppState, body: Body, headers: &HeaderMap) -> Result<Vec<u8>, ApiError> {
    let limits = st.limits();
    match tokio::time::timeout(
        limits.body_timeout,
        read_body_within(body, headers, limits.max_body_bytes),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "送信データが{}秒以内に届きませんでした。回線の状態を確かめて、もう一度送ってください",
                limits.body_timeout.as_secs()
            ),
        )),
    }
}

async fn read_body_within(body: Body, headers: &HeaderMap, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("送信データが大きすぎます（上限 {} MiB）", limit / (1024 * 1024)),
        )
        .with("limit_bytes", json!(limit))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(Vec::from(b)),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = s.source();
            }
            Err(ApiError::bad_request(
                "bad_body",
                "送信データを最後まで受け取れませんでした",
            ))
        }
    }
}

fn problems_json(e: &PackageError) -> Value {
    match e {
        PackageError::Syntax {
            path,
            line,
            column,
            message,
            ..
        } => json!([{"path": path, "line": line, "column": column, "message": message}]),
        PackageError::Invalid { problems, .. } => Value::Array(
            problems
                .iter()
                .take(1000)
                .map(|p| json!({"path": p.path, "message": p.message}))
                .collect(),
        ),
    }
}

fn now_jst() -> chrono::DateTime<chrono::FixedOffset> {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    chrono::Utc::now().with_timezone(&jst)
}

/// Now in Japan time, e.g. `2026-12-05T10:00:00+09:00`.
pub fn stamp() -> String {
    now_jst().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

// ---------------------------------------------------------------------------------------------

pub async fn health() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// `GET /healthz`: the process is up and answering (the database is not asked).
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// `GET /readyz`: the ledger's database answers within [`crate::READY_TIMEOUT`]; 503
/// `not_ready` otherwise (the cause goes to the log, not to the caller).
pub async fn readyz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let db = state.clone();
    state
        .blocking(move || db.db().ping(crate::READY_TIMEOUT).map_err(crate::error::not_ready))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ready", "database": state.db().backend()}),
    ))
}

pub async fn openapi() -> Response {
    bytes_response(StatusCode::OK, crate::openapi::document_bytes().to_vec())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("そのURLはありません（API の一覧: /v1/openapi.json）")
}

fn etag_matches(headers: &HeaderMap, version: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == version)
}

/// 409 or 404 for a month that is not the group's current month.
fn not_current(st: &AppState, group: &str, month: YearMonth, current: &str) -> Result<ApiError, ApiError> {
    let m = month.to_string();
    let g = group.to_string();
    let reported = st.db().read(|tx| Ok(tx.srv_report_for_month(&g, &m)?))?;
    Ok(match reported {
        Some(r) => already_reported(group, &m, &r).with("current_month", json!(current)),
        None => ApiError::not_found(format!(
            "{group} {m}の請求パッケージはありません。今お渡しできるのは{current}分です"
        ))
        .with("current_month", json!(current)),
    })
}

pub async fn get_package(
    State(st): State<AppState>,
    caller: Caller,
    Params((group, month)): Params<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let month = parse_month(&month)?;
    check_group(&caller, &group)?;
    let s = st.clone();
    let g = group.clone();
    let served = st
        .blocking(move || {
            let served = s.served_package(&g)?.ok_or_else(|| ApiError::unknown_group(&g))?;
            if served.month != month.to_string() {
                return Err(not_current(&s, &g, month, &served.month)?);
            }
            Ok(served)
        })
        .await?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", served.version)).map_err(ApiError::internal)?;
    let mut response = if etag_matches(&headers, &served.version) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes_response(StatusCode::OK, served.bytes)
    };
    response.headers_mut().insert(header::ETAG, etag);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(response)
}

pub async fn post_report(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Params<(String, String)>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let mut timing = Timing::new();
    // Who is calling is settled before a byte of the body is read: a request without a valid
    // token (or for another group) costs the server no memory; its connection is closed after
    // the answer (`finish`).
    let caller = caller?;
    let Params((group, month)) = params?;
    let month = parse_month(&month)?;
    check_group(&caller, &group)?;
    let key = match headers.get("idempotency-key") {
        None => {
            return Err(ApiError::bad_request(
                "idempotency_key_required",
                "Idempotency-Key ヘッダーが必要です（同じ報告を二重に登録しないため）",
            ))
        }
        Some(v) => v
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_idempotency_key",
                    "Idempotency-Key は 1〜200 文字の英数記号で指定してください",
                )
            })?
            .to_string(),
    };
    let bytes = read_body(&st, body, &headers).await?;
    timing.mark("body");
    let s = st.clone();
    st.blocking(move || submit(&s, &caller, &group, month, &key, &bytes, timing))
        .await
}

/// 409 `already_reported`: the month has a receipt already. The receipt itself (number, time,
/// the idempotency key it was given for) is in the error as `receipt`, so a clerk whose first
/// answer was lost records it instead of losing it.
fn already_reported(group: &str, month: &str, r: &infoone_store::ledger_db::ReportRow) -> ApiError {
    ApiError::conflict(
        "already_reported",
        format!(
            "{group} {month}の結果報告は受付済みです（受付番号 {}）。1か月に受け付ける報告は1つです",
            r.receipt_no
        ),
    )
    .with("receipt_no", json!(r.receipt_no))
    .with("receipt", ledger::receipt_json(r))
}

/// A report with this idempotency key is recorded already: the same report (same body, same
/// month) is answered with its receipt again, another one is refused.
fn same_key(r: &infoone_store::ledger_db::ReportRow, month: &str, body_sha256: &str) -> Result<Response, ApiError> {
    if r.body_sha256 == body_sha256 && r.month == month {
        return Ok(replay(r));
    }
    Err(ApiError::conflict(
        "idempotency_conflict",
        format!(
            "この Idempotency-Key は別の内容の報告（{} 受付番号 {}）にすでに使われています",
            r.month, r.receipt_no
        ),
    )
    .with("receipt_no", json!(r.receipt_no)))
}

fn replay(row: &infoone_store::ledger_db::ReportRow) -> Response {
    let mut r = json_response(StatusCode::OK, &ledger::receipt_json(row));
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

/// Phase timings of report submission on stderr when `INFOONE_SERVER_TIMING` is set.
struct Timing {
    on: bool,
    start: std::time::Instant,
    last: std::time::Instant,
    parts: Vec<String>,
}

impl Timing {
    fn new() -> Timing {
        let now = std::time::Instant::now();
        Timing {
            on: std::env::var_os("INFOONE_SERVER_TIMING").is_some(),
            start: now,
            last: now,
            parts: Vec::new(),
        }
    }
    fn mark(&mut self, what: &str) {
        if self.on {
            let now = std::time::Instant::now();
            self.parts
                .push(format!("{what} {:.0}ms", (now - self.last).as_secs_f64() * 1000.0));
            self.last = now;
        }
    }
    fn done(&self, group: &str) {
        if self.on {
            eprintln!(
                "infoone server: report {group}: {} = {:.0}ms",
                self.parts.join(", "),
                self.start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

fn submit(
    st: &AppState,
    caller: &Caller,
    group: &str,
    month: YearMonth,
    key: &str,
    bytes: &[u8],
    mut timing: Timing,
) -> Result<Response, ApiError> {
    let m = month.to_string();
    let body_sha256 = auth::hex(&Sha256::digest(bytes));
    let (g, by_key, by_month) = st.db().read(|tx| {
        Ok((
            tx.srv_group(group)?,
            tx.srv_report_by_key(group, key)?,
            tx.srv_report_for_month(group, &m)?,
        ))
    })?;
    let Some(g) = g else {
        return Err(ApiError::unknown_group(group));
    };
    if let Some(r) = by_key {
        return same_key(&r, &m, &body_sha256);
    }
    timing.mark("lookup");
    let report = report::parse_report("report.json", bytes).map_err(|e| {
        ApiError::unprocessable(
            "invalid_report",
            format!(
                "結果報告を読めません: {}",
                e.lines().first().cloned().unwrap_or_default()
            ),
        )
        .with("problems", problems_json(&e))
    })?;
    if report.group != group || report.month != m {
        return Err(ApiError::unprocessable(
            "report_mismatch",
            format!(
                "報告の団体・月（{} {}）が送信先のURL（{group} {m}）と合いません",
                report.group, report.month
            ),
        ));
    }
    if let Some(r) = by_month {
        return Err(already_reported(group, &m, &r));
    }
    if g.current_month != m {
        return Err(ApiError::conflict(
            "month_not_open",
            format!(
                "{group}が今報告できるのは{}分です（{m}分は受け付けられません）",
                g.current_month
            ),
        )
        .with("current_month", json!(g.current_month)));
    }
    timing.mark("parse");
    let built = st
        .current_package(group)?
        .ok_or_else(|| ApiError::unknown_group(group))?;
    timing.mark("package");
    if report.package_version != built.version {
        // A request that came at the same time (on this process or another) may have recorded
        // the month since the lookup above, and so moved the ledger on: its receipt, not "stale".
        let (by_key, by_month) = st
            .db()
            .read(|tx| Ok((tx.srv_report_by_key(group, key)?, tx.srv_report_for_month(group, &m)?)))?;
        if let Some(r) = by_key {
            return same_key(&r, &m, &body_sha256);
        }
        if let Some(r) = by_month {
            return Err(already_reported(group, &m, &r));
        }
        return Err(stale(st, group, &report.package_version, &built)?);
    }
    let verified = match ledger::verify(&built, &report, &mut |what| timing.mark(what)) {
        Ok(v) => v,
        Err(e) => {
            // The check used up the prepared ledger: make another for the next try.
            built.prepare();
            return Err(e);
        }
    };
    let received_at = stamp();
    let today = received_at[..10].to_string();
    let actor = caller.actor();
    let recorded = st.db().write(|tx| {
        // The group's row is locked from here to the commit (SQLite: the one writer; PostgreSQL:
        // SELECT … FOR UPDATE), on every server process alike. What the checks above read may
        // have changed since: a request with the same key or for the same month (on this
        // process or another) may have been recorded meanwhile. Decided again here, under the
        // lock; the unique constraints on (group, month) and (group, key) back this up.
        let locked = tx
            .srv_lock_group(group)?
            .ok_or_else(|| ApiError::unknown_group(group))?;
        timing.mark("w.lock");
        if let Some(r) = tx.srv_report_by_key(group, key)? {
            return same_key(&r, &m, &body_sha256).map(Err);
        }
        if let Some(r) = tx.srv_report_for_month(group, &m)? {
            return Err(already_reported(group, &m, &r));
        }
        if locked.rev != built.rev {
            return Err(ApiError::conflict(
                "stale_package",
                "処理中に台帳が更新されました。請求パッケージを取り直してください",
            ));
        }
        ledger::record(
            tx,
            &Accept {
                group: &g,
                built: &built,
                report: &report,
                verified: &verified,
                body: bytes,
                body_sha256: &body_sha256,
                idempotency_key: key,
                received_at: &received_at,
                today: &today,
                actor: &actor,
            },
            &mut |what| timing.mark(what),
        )
        .map(Ok)
    })?;
    let row = match recorded {
        Ok(row) => row,
        // Recorded by a request that came first: its receipt, as a replay.
        Err(replayed) => return Ok(replayed),
    };
    timing.mark("w.commit");
    st.forget_package(group);
    let s = st.clone();
    std::thread::spawn(move || s.db().checkpoint());
    // The month's ledger, bill and report (hundreds of MB for a large group) are freed on a
    // thread of their own: the clerk's answer does not wait for that.
    std::thread::spawn(move || drop((built, verified, report)));
    timing.done(group);
    Ok(json_response(StatusCode::CREATED, &ledger::receipt_json(&row)))
}

fn stale(st: &AppState, group: &str, reported: &str, built: &Built) -> Result<ApiError, ApiError> {
    let before = st
        .db()
        .read(|tx| Ok(tx.srv_version(group, reported)?))?
        .and_then(|(_, s)| serde_json::from_str::<Summary>(&s).ok());
    let changes = ledger::differences(before.as_ref(), &built.summary);
    Ok(ApiError::conflict(
        "stale_package",
        format!(
            "この報告は古い請求パッケージ（{reported}）から作られています。最新の請求パッケージ（{}）を取り込んで月次処理をやり直してください",
            built.version
        ),
    )
    .with("current_version", json!(built.version))
    .with("reported_version", json!(reported))
    .with("known_version", json!(before.is_some()))
    .with("current_month", json!(built.package.month))
    .with("changes", Value::Array(changes)))
}

pub async fn get_payments(
    State(st): State<AppState>,
    caller: Caller,
    Params((group, month)): Params<(String, String)>,
) -> Result<Response, ApiError> {
    let month = parse_month(&month)?;
    check_group(&caller, &group)?;
    let s = st.clone();
    st.blocking(move || {
        let m = month.to_string();
        s.db().read(|tx| {
            if tx.srv_group(&group)?.is_none() {
                return Err(ApiError::unknown_group(&group));
            }
            let Some(report) = tx.srv_report_for_month(&group, &m)? else {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_reported",
                    format!("{group} {m}の結果報告はまだありません。入金予定額は結果報告の受付後にわかります"),
                ));
            };
            let received: std::collections::HashMap<String, i64> = tx.srv_received(&group, &m)?.into_iter().collect();
            let offices: Vec<Value> = tx
                .srv_office_results(&group, &m)?
                .into_iter()
                .map(|o| {
                    let got = received.get(&o.office).copied().unwrap_or(0);
                    let status = if got > o.payable {
                        "overpaid"
                    } else if got == o.payable {
                        "paid"
                    } else if got <= 0 {
                        "unpaid"
                    } else {
                        "partial"
                    };
                    json!({"code": o.office, "expected": o.payable, "received": got, "status": status})
                })
                .collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({"group": group, "month": m, "receipt_no": report.receipt_no, "offices": offices}),
            ))
        })
    })
    .await
}

pub async fn admin_load_package(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = caller?;
    require_staff(&caller)?;
    let bytes = read_body(&st, body, &headers).await?;
    let s = st.clone();
    let pkg = st
        .blocking(move || {
            p::parse_package("package.json", &bytes)
                .map(|pkg| (pkg, p::package_version(&bytes)))
                .map_err(|e| {
                    ApiError::unprocessable(
                        "invalid_package",
                        format!(
                            "請求パッケージを読めません: {}",
                            e.lines().first().cloned().unwrap_or_default()
                        ),
                    )
                    .with("problems", problems_json(&e))
                })
        })
        .await?;
    st.blocking(move || {
        let (pkg, file_version) = pkg;
        let at = stamp();
        let actor = caller.actor();
        let mut out = s
            .db()
            .write(|tx| ledger::load_package(tx, &pkg, &file_version, &at, &actor))?;
        s.forget_package(&pkg.group.code);
        s.db().checkpoint();
        let built = s
            .current_package(&pkg.group.code)?
            .ok_or_else(|| ApiError::internal("group vanished after loading"))?;
        if let Some(o) = out.as_object_mut() {
            o.insert("version".into(), json!(built.version));
        }
        Ok(json_response(StatusCode::OK, &out))
    })
    .await
}

/// The roster's file name in messages.
const ROSTER_FILE: &str = "roster.xlsx";

pub async fn admin_load_roster(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Params<String>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = caller?;
    let Params(group) = params?;
    require_staff(&caller)?;
    let bytes = read_body(&st, body, &headers).await?;
    let s = st.clone();
    let g = group.clone();
    let roster = st
        .blocking(move || {
            if s.db().read(|tx| Ok(tx.srv_group(&g)?))?.is_none() {
                return Err(ApiError::unknown_group(&g));
            }
            // The reader refuses what it cannot read; a panic on a malformed workbook would be
            // its bug, but is still the file's refusal here, never a 500.
            let read = std::panic::catch_unwind(|| read_roster_bytes(ROSTER_FILE, &bytes));
            match read {
                Ok(Ok(r)) => Ok(r),
                Ok(Err(e)) => Err(crate::roster::refused(&e)),
                Err(_) => Err(crate::roster::refused(&infoone_formats::error::FileError::single(
                    ROSTER_FILE,
                    infoone_formats::error::Problem::new(
                        infoone_formats::error::code::WORKBOOK_UNREADABLE,
                        "Excelファイルとして読めません",
                    ),
                ))),
            }
        })
        .await?;
    let s = st.clone();
    st.blocking(move || {
        let at = stamp();
        let today = at[..10].to_string();
        let actor = caller.actor();
        let load = s.db().write(|tx| {
            // Locked until the load commits: a report or another load of the group waits.
            let row = tx
                .srv_lock_group(&group)?
                .ok_or_else(|| ApiError::unknown_group(&group))?;
            crate::roster::load_roster(tx, &row, &roster, &at, &today, &actor)
        })?;
        if load.changed {
            s.forget_package(&group);
            s.db().checkpoint();
        }
        let built = s
            .current_package(&group)?
            .ok_or_else(|| ApiError::internal("group vanished after loading a roster"))?;
        let mut out = serde_json::to_value(&load).map_err(ApiError::internal)?;
        if let Some(o) = out.as_object_mut() {
            o.insert("version".into(), json!(built.version));
        }
        Ok(json_response(StatusCode::OK, &out))
    })
    .await
}

#[derive(Deserialize)]
struct NewPayment {
    office: String,
    month: String,
    date: String,
    /// A JSON integer; `5000.0` is the same number (JSON Schema's `integer`).
    amount: serde_json::Number,
    payer_name: String,
    #[serde(default)]
    reference: String,
}

pub async fn admin_record_payment(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Params<String>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = caller?;
    let Params(group) = params?;
    require_staff(&caller)?;
    let bytes = read_body(&st, body, &headers).await?;
    let payment: NewPayment = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::unprocessable("invalid_payment", format!("入金データが読めません: {e}")))?;
    let month = parse_month(&payment.month).map_err(|e| ApiError::unprocessable("invalid_payment", e.message))?;
    if chrono::NaiveDate::parse_from_str(&payment.date, "%Y-%m-%d").is_err() {
        return Err(ApiError::unprocessable(
            "invalid_payment",
            format!("入金日「{}」は YYYY-MM-DD で指定してください", payment.date),
        ));
    }
    let amount = payment
        .amount
        .as_i64()
        .or_else(|| {
            payment
                .amount
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        })
        .filter(|a| *a > 0)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_payment",
                format!("入金額「{}」は 1 円以上の整数です", payment.amount),
            )
        })?;
    if payment.payer_name.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_payment",
            "振込人名 payer_name が空です",
        ));
    }
    let s = st.clone();
    st.blocking(move || {
        let at = stamp();
        let actor = caller.actor();
        let row = s.db().write(|tx| {
            if tx.srv_group(&group)?.is_none() {
                return Err(ApiError::unknown_group(&group));
            }
            if !tx.srv_offices(&group)?.iter().any(|(c, _)| *c == payment.office) {
                return Err(ApiError::unprocessable(
                    "unknown_office",
                    format!("団体「{group}」に事業所「{}」はありません", payment.office),
                ));
            }
            let mut row = infoone_store::ledger_db::PaymentRow {
                id: 0,
                group_code: group.clone(),
                office: payment.office.clone(),
                month: month.to_string(),
                date: payment.date.clone(),
                amount,
                payer_name: payment.payer_name.trim().to_string(),
                reference: payment.reference.clone(),
                recorded_at: at.clone(),
            };
            row.id = tx.srv_insert_payment(&row)?;
            tx.audit(&Audit {
                at: &at,
                group_code: Some(&group),
                month: Some(month),
                action: "server.payment.record",
                entity: Some("payment"),
                key: Some(&row.id.to_string()),
                after: Some(
                    &json!({"office": row.office, "date": row.date, "amount": row.amount,
                            "payer_name": row.payer_name, "reference": row.reference})
                    .to_string(),
                ),
                source: Some(&actor),
                ..Audit::default()
            })?;
            Ok(row)
        })?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({
                "id": row.id, "group": row.group_code, "office": row.office, "month": row.month,
                "date": row.date, "amount": row.amount, "payer_name": row.payer_name,
                "reference": row.reference, "recorded_at": row.recorded_at,
            }),
        ))
    })
    .await
}
