//! Sending the result report to the insurer's API (DOMAIN.md §5 `reported`, issue 4), the part
//! that does not depend on HTTP: the outbox, the receipts, and each group's server. The HTTP side
//! (`infoone-client`) calls these; so the CLI and the desktop record the same things.
//!
//! Never two reports for one month: a report is queued once per (month, revision) and always
//! sent with the same body and idempotency key, so a retry after a dropped connection gets the
//! receipt of the first attempt. A month already reported is not queued again; the store's
//! outbox index and triggers hold this below every caller. The API token is never here: it lives
//! in the OS keyring.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_domain::month::YearMonth;
use infoone_formats::package;
use infoone_store::outbox::{NewOutgoing, OutboxRow, OutboxStatus, ServerRow};
use infoone_store::{Audit, MonthRow, MonthState, Store, Tx};
use serde::{Deserialize, Serialize};

use crate::{find_month, stamp, AppError, ErrorCode, LoadSummary, MonthRef, Result};

/// The insurer's answer to an accepted report (受付).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Receipt {
    pub receipt_no: String,
    pub group: String,
    pub month: String,
    pub received_at: String,
    pub idempotency_key: String,
}

/// One report in the outbox, as the clerk sees it (`body` is what is sent).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Outgoing {
    pub id: i64,
    pub group: String,
    pub month: String,
    pub revision: i64,
    pub idempotency_key: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub receipt_no: Option<String>,
    pub updated_at: String,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl From<OutboxRow> for Outgoing {
    fn from(r: OutboxRow) -> Outgoing {
        Outgoing {
            id: r.id,
            group: r.group_code,
            month: r.month,
            revision: r.revision,
            idempotency_key: r.idempotency_key,
            status: r.status.code(),
            status_label: r.status.label(),
            attempts: r.attempts,
            last_error: r.last_error,
            error_code: r.error_code,
            receipt_no: r.receipt_no,
            updated_at: r.updated_at,
            body: r.body,
        }
    }
}

/// What [`queue_report`] did.
#[derive(Clone, Debug, Serialize)]
pub struct Queued {
    pub entry: Outgoing,
    /// `false` when this month's report was already in the outbox (it is sent as it was).
    pub newly_queued: bool,
    /// The report file written (only when newly queued).
    pub report_file: Option<String>,
}

/// Where a group's insurer API is (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServerConfig {
    pub group: String,
    pub url: String,
    pub ca_file: Option<String>,
}

impl From<ServerRow> for ServerConfig {
    fn from(r: ServerRow) -> ServerConfig {
        ServerConfig {
            group: r.group_code,
            url: r.url,
            ca_file: r.ca_file,
        }
    }
}

/// Put the month's result report in the outbox (`report submit`, first half).
///
/// The report is built from the month's results as they are now and written (as `report write`
/// does, to `report_file`). Its idempotency key covers its content (`report::build`), so:
/// the same results already queued (or refused) keep that exact body and key — a retry is a
/// replay; results that changed since (deductions imported again) replace a report still
/// waiting, under a new key. A month already reported is refused with its receipt number.
pub fn queue_report(store: &mut Store, at: &MonthRef, report_file: &Path, now: NaiveDateTime) -> Result<Queued> {
    let at_stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        if row.state >= MonthState::Reported {
            return Err(AppError::wrong_state(format!(
                "{} {}は結果報告済みです（受付番号 {}）。同じ月をもう一度報告することはできません",
                row.group_code,
                row.month,
                row.receipt.as_deref().unwrap_or("不明")
            )));
        }
        let built = crate::report::build(tx, &row, now)?;
        let month = row.month.to_string();
        if let Some(e) = tx.outgoing_by_key(&built.idempotency_key)? {
            if matches!(e.status, OutboxStatus::Queued | OutboxStatus::Failed) && row.state == MonthState::Deducted {
                // The same results: sent as they were queued (same body, same key); no file.
                if e.status == OutboxStatus::Failed {
                    for other in tx.outbox_of_month(&row.group_code, &month)? {
                        if other.status == OutboxStatus::Queued && other.id != e.id {
                            tx.outgoing_superseded(other.id, &at_stamp)?;
                        }
                    }
                    tx.outgoing_requeued(e.id, &at_stamp)?;
                    tx.audit(&Audit {
                        at: &at_stamp,
                        group_code: Some(&row.group_code),
                        month: Some(row.month),
                        action: "report.requeue",
                        key: Some(&e.idempotency_key),
                        detail: e.last_error.as_deref(),
                        ..Audit::default()
                    })?;
                }
                return Ok(Queued {
                    entry: tx
                        .outgoing(e.id)?
                        .map(Outgoing::from)
                        .ok_or_else(|| AppError::new(ErrorCode::Internal, "outbox"))?,
                    newly_queued: false,
                    report_file: None,
                });
            }
        }
        let body = built.bytes.clone();
        let summary = crate::report::write_built(tx, &row, built, report_file, now)?;
        let id = enqueue(tx, &row, &body, &summary.idempotency_key, &at_stamp)?;
        tx.audit(&Audit {
            at: &at_stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "report.queue",
            key: Some(&summary.idempotency_key),
            source: Some(&summary.file),
            detail: Some(&format!("revision={}", row.revision)),
            ..Audit::default()
        })?;
        let entry = tx
            .outgoing(id)?
            .map(Outgoing::from)
            .ok_or_else(|| AppError::new(ErrorCode::Internal, "outbox"))?;
        Ok(Queued {
            entry,
            newly_queued: true,
            report_file: Some(summary.file.clone()),
        })
    })
}

/// Queue `body` under `key` for the month, setting aside a report of it still waiting under
/// another key (an earlier revision, or results since replaced).
fn enqueue(tx: &Tx<'_>, row: &MonthRow, body: &[u8], key: &str, at: &str) -> Result<i64> {
    let month = row.month.to_string();
    for e in tx.outbox_of_month(&row.group_code, &month)? {
        if e.status == OutboxStatus::Queued && e.idempotency_key != key {
            tx.outgoing_superseded(e.id, at)?;
        }
    }
    Ok(match tx.outgoing_by_key(key)? {
        Some(e) => {
            if e.status != OutboxStatus::Queued {
                tx.outgoing_requeued(e.id, at)?;
            }
            e.id
        }
        None => tx.insert_outgoing(
            &NewOutgoing {
                group_code: &row.group_code,
                month: &month,
                revision: row.revision,
                package_version: &row.package_version,
                idempotency_key: key,
                body,
            },
            at,
        )?,
    })
}

/// The month's results changed (deductions imported again) while its report waits in the
/// outbox: the waiting report is rebuilt from the new results and replaces the old one, under a
/// new key, in the same transaction as the change. Nothing happens when no report waits.
pub(crate) fn refresh_queued(tx: &Tx<'_>, row: &MonthRow, now: NaiveDateTime) -> Result<()> {
    let month = row.month.to_string();
    let waiting: Vec<OutboxRow> = tx
        .outbox_of_month(&row.group_code, &month)?
        .into_iter()
        .filter(|e| e.status == OutboxStatus::Queued)
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let built = crate::report::build(tx, row, now)?;
    if waiting.iter().all(|e| e.idempotency_key == built.idempotency_key) {
        return Ok(());
    }
    let at = stamp(now);
    tx.set_report(row.id, &String::from_utf8_lossy(&built.bytes))?;
    enqueue(tx, row, &built.bytes, &built.idempotency_key, &at)?;
    tx.audit(&Audit {
        at: &at,
        group_code: Some(&row.group_code),
        month: Some(row.month),
        action: "report.replace",
        before: Some(
            &waiting
                .iter()
                .map(|e| e.idempotency_key.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        after: Some(&built.idempotency_key),
        detail: Some("控除結果が変わったため、送信待ちの結果報告を作り直しました"),
        ..Audit::default()
    })?;
    Ok(())
}

/// How long a process holds the reports it is sending before another may take them over (a
/// process that died while sending). Longer than a whole delivery with its retries.
pub const CLAIM_SECONDS: i64 = 15 * 60;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A name for this sender: process id and a counter (two senders in one process differ too).
pub fn new_holder() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "pid{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Reports ready to go, oldest first (of `group` only when given). A queued report whose month
/// was reopened since is set aside as superseded here, so it can never go out.
pub fn sendable_reports(store: &mut Store, group: Option<&str>, now: NaiveDateTime) -> Result<Vec<Outgoing>> {
    claim_reports(store, group, None, now)
}

/// [`sendable_reports`], each one claimed for `holder` (when given) in the same IMMEDIATE
/// transaction: a report another process is sending right now is left out, so two `report
/// submit`s on one database never send the same report twice. Release with [`release`].
pub fn claim_reports(
    store: &mut Store,
    group: Option<&str>,
    holder: Option<&str>,
    now: NaiveDateTime,
) -> Result<Vec<Outgoing>> {
    let at = stamp(now);
    let unix = unix_now();
    store.write(|tx| {
        let mut out = Vec::new();
        for e in tx.outbox(Some(OutboxStatus::Queued))? {
            if group.is_some_and(|g| g != e.group_code) {
                continue;
            }
            let month: YearMonth = e
                .month
                .parse()
                .map_err(|err: infoone_domain::month::BadMonth| AppError::new(ErrorCode::Internal, err.to_string()))?;
            let row = tx.month(&e.group_code, month)?;
            let current = row.as_ref().is_some_and(|r| {
                r.state == MonthState::Deducted && r.revision == e.revision && r.package_version == e.package_version
            });
            if current {
                if let Some(h) = holder {
                    if !tx.outgoing_claim(e.id, h, unix, unix + CLAIM_SECONDS)? {
                        continue;
                    }
                }
                out.push(Outgoing::from(e));
            } else {
                tx.outgoing_superseded(e.id, &at)?;
                tx.audit(&Audit {
                    at: &at,
                    group_code: Some(&e.group_code),
                    month: Some(month),
                    action: "report.superseded",
                    key: Some(&e.idempotency_key),
                    detail: Some("月の確定が解除されたため、送信待ちの結果報告を取り下げました"),
                    ..Audit::default()
                })?;
            }
        }
        Ok(out)
    })
}

/// Let go of a report claimed by [`claim_reports`].
pub fn release(store: &mut Store, id: i64, holder: &str) -> Result<()> {
    Ok(store.transaction(|tx| tx.outgoing_release(id, holder))?)
}

/// Every outbox entry, oldest first (for the clerk's status view).
pub fn outbox(store: &mut Store) -> Result<Vec<Outgoing>> {
    Ok(store
        .read(|tx| tx.outbox(None))?
        .into_iter()
        .map(Outgoing::from)
        .collect())
}

/// The insurer accepted the report: the entry is sent, the month goes to `reported` with the
/// receipt number, and the audit log records it. Recording the same receipt again is a no-op.
pub fn record_receipt(store: &mut Store, id: i64, receipt: &Receipt, source: &str, now: NaiveDateTime) -> Result<()> {
    let at = stamp(now);
    store.transaction(|tx| {
        let e = tx
            .outgoing(id)?
            .ok_or_else(|| AppError::not_found(format!("送信待ちの結果報告 {id} がありません")))?;
        if e.status == OutboxStatus::Sent {
            return Ok(());
        }
        if receipt.idempotency_key != e.idempotency_key {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!(
                    "保険会社の受付の冪等キー {} が送った結果報告（{}）と違います",
                    receipt.idempotency_key, e.idempotency_key
                ),
            ));
        }
        let text = serde_json::to_string(receipt).map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
        tx.outgoing_sent(id, &receipt.receipt_no, &text, &at)?;
        let month: YearMonth = e
            .month
            .parse()
            .map_err(|err: infoone_domain::month::BadMonth| AppError::new(ErrorCode::Internal, err.to_string()))?;
        if let Some(row) = tx.month(&e.group_code, month)? {
            if row.state == MonthState::Deducted {
                tx.set_reported(row.id, &receipt.receipt_no)?;
            }
        }
        tx.audit(&Audit {
            at: &at,
            group_code: Some(&e.group_code),
            month: Some(month),
            action: "report.submit",
            entity: Some("receipt"),
            key: Some(&receipt.receipt_no),
            after: Some(&receipt.receipt_no),
            source: Some(source),
            detail: Some(&format!(
                "idempotency_key={} received_at={}",
                e.idempotency_key, receipt.received_at
            )),
            ..Audit::default()
        })?;
        Ok(())
    })
}

/// The insurer answered `already_reported` with the receipt it gave this month earlier — a
/// report of the month reached it before (its answer lost), maybe of an earlier revision or
/// results. That receipt is recorded, never lost: the month goes to `reported` with it, the
/// outbox entry the receipt belongs to (found by its key; else the one just sent) is `sent`
/// with it, any other waiting one is set aside, and the audit log says which report the insurer
/// holds, so the clerk can see a difference from the local results (docs/DECISIONS.md).
pub fn record_earlier_receipt(
    store: &mut Store,
    id: i64,
    receipt: &Receipt,
    source: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let at = stamp(now);
    store.transaction(|tx| {
        let e = tx
            .outgoing(id)?
            .ok_or_else(|| AppError::not_found(format!("送信待ちの結果報告 {id} がありません")))?;
        if receipt.group != e.group_code || receipt.month != e.month {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!(
                    "保険会社の受付（{} {}）が送った結果報告（{} {}）のものではありません",
                    receipt.group, receipt.month, e.group_code, e.month
                ),
            ));
        }
        let month: YearMonth = e
            .month
            .parse()
            .map_err(|err: infoone_domain::month::BadMonth| AppError::new(ErrorCode::Internal, err.to_string()))?;
        let entries = tx.outbox_of_month(&e.group_code, &e.month)?;
        if entries.iter().any(|x| x.status == OutboxStatus::Sent) {
            return Ok(());
        }
        let owner = entries
            .iter()
            .find(|x| x.idempotency_key == receipt.idempotency_key)
            .map_or(e.id, |x| x.id);
        for x in &entries {
            if x.id != owner && x.status == OutboxStatus::Queued {
                tx.outgoing_superseded(x.id, &at)?;
            }
        }
        let text = serde_json::to_string(receipt).map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
        tx.outgoing_sent(owner, &receipt.receipt_no, &text, &at)?;
        let mut revision = None;
        if let Some(row) = tx.month(&e.group_code, month)? {
            revision = Some(row.revision);
            if row.state == MonthState::Deducted {
                tx.set_reported(row.id, &receipt.receipt_no)?;
            }
        }
        let same = receipt.idempotency_key == e.idempotency_key;
        tx.audit(&Audit {
            at: &at,
            group_code: Some(&e.group_code),
            month: Some(month),
            action: "report.already_reported",
            entity: Some("receipt"),
            key: Some(&receipt.receipt_no),
            after: Some(&receipt.receipt_no),
            source: Some(source),
            detail: Some(&format!(
                "保険会社はこの月の結果報告を {} に受付済み（冪等キー {}）。{}",
                receipt.received_at,
                receipt.idempotency_key,
                if same {
                    "送った結果報告と同じものです".to_string()
                } else {
                    format!(
                        "今回送った結果報告（冪等キー {}、第{}版）とは別の、先に届いた報告です。内容の違いは保険会社と確認してください",
                        e.idempotency_key,
                        revision.unwrap_or(e.revision)
                    )
                }
            )),
            ..Audit::default()
        })?;
        Ok(())
    })
}

/// The insurer refused the report (409 / 422): the entry is marked failed with the server's
/// message, which the clerk sees; the month stays `deducted`.
pub fn record_refusal(store: &mut Store, id: i64, code: &str, message: &str, now: NaiveDateTime) -> Result<()> {
    let at = stamp(now);
    store.transaction(|tx| {
        let e = tx
            .outgoing(id)?
            .ok_or_else(|| AppError::not_found(format!("送信待ちの結果報告 {id} がありません")))?;
        tx.outgoing_failed(id, code, message, &at)?;
        tx.audit(&Audit {
            at: &at,
            group_code: Some(&e.group_code),
            month: e.month.parse().ok(),
            action: "report.refused",
            key: Some(&e.idempotency_key),
            after: Some(code),
            detail: Some(message),
            ..Audit::default()
        })?;
        Ok(())
    })
}

/// An attempt that got no answer (offline, timeout, server error): the report stays queued.
pub fn record_attempt(store: &mut Store, id: i64, error: &str, now: NaiveDateTime) -> Result<()> {
    let at = stamp(now);
    Ok(store.transaction(|tx| tx.outgoing_attempted(id, error, &at))?)
}

/// Remember where a group's insurer API is (`login`). Only `https://` URLs are accepted.
pub fn set_server(
    store: &mut Store,
    group: &str,
    url: &str,
    ca_file: Option<&Path>,
    now: NaiveDateTime,
) -> Result<ServerConfig> {
    let url = url.trim().trim_end_matches('/');
    if !url.starts_with("https://") {
        return Err(AppError::bad_input(format!(
            "サーバーのURL「{url}」は https:// で始まる必要があります（暗号化されない接続は使えません）"
        )));
    }
    if group.trim().is_empty() {
        return Err(AppError::bad_input("団体コード（--group）を指定してください"));
    }
    let ca = match ca_file {
        Some(p) => {
            let abs = std::path::absolute(p).map_err(|e| AppError::bad_input(format!("{}: {e}", p.display())))?;
            if !abs.is_file() {
                return Err(AppError::not_found(format!(
                    "CA証明書ファイル {} がありません",
                    abs.display()
                )));
            }
            Some(abs.display().to_string())
        }
        None => None,
    };
    let at = stamp(now);
    store.transaction(|tx| {
        tx.set_server(group, url, ca.as_deref(), &at)?;
        tx.audit(&Audit {
            at: &at,
            group_code: Some(group),
            action: "server.set",
            after: Some(url),
            source: ca.as_deref(),
            ..Audit::default()
        })?;
        Ok(ServerConfig {
            group: group.to_string(),
            url: url.to_string(),
            ca_file: ca.clone(),
        })
    })
}

/// The server of `group`, or of the only group configured when `group` is `None`.
pub fn server(store: &mut Store, group: Option<&str>) -> Result<ServerConfig> {
    store.read(|tx| {
        let rows = tx.servers()?;
        let hint = "「infoone login --server URL --group 団体コード」でログインしてください";
        match group {
            Some(g) => rows
                .into_iter()
                .find(|r| r.group_code == g)
                .map(ServerConfig::from)
                .ok_or_else(|| AppError::not_found(format!("団体 {g} の保険会社サーバーが設定されていません。{hint}"))),
            None => match rows.len() {
                0 => Err(AppError::not_found(format!(
                    "保険会社サーバーが設定されていません。{hint}"
                ))),
                1 => Ok(rows
                    .into_iter()
                    .map(ServerConfig::from)
                    .next()
                    .unwrap_or_else(|| ServerConfig {
                        group: String::new(),
                        url: String::new(),
                        ca_file: None,
                    })),
                _ => Err(AppError::bad_input(format!(
                    "複数の団体のサーバーが設定されています（{}）。--group で団体コードを指定してください",
                    rows.iter()
                        .map(|r| r.group_code.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ))),
            },
        }
    })
}

/// Every configured server.
pub fn servers(store: &mut Store) -> Result<Vec<ServerConfig>> {
    Ok(store
        .read(|tx| tx.servers())?
        .into_iter()
        .map(ServerConfig::from)
        .collect())
}

/// Load a bill package fetched from the insurer (`month load --from-server`): it must be the
/// package of the group and month asked for; then it loads exactly like a file.
pub fn load_fetched_package(
    store: &mut Store,
    group: &str,
    month: YearMonth,
    source: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<LoadSummary> {
    let pkg = package::parse_package(source, bytes).map_err(|e| AppError::bad_input(e.to_string()))?;
    if pkg.group.code != group || pkg.month != month.to_string() {
        return Err(AppError::bad_input(format!(
            "サーバーから届いた請求パッケージは {} {} のものです（求めたのは {group} {month}）",
            pkg.group.code, pkg.month
        )));
    }
    crate::load_package_bytes(store, source, bytes, now)
}
