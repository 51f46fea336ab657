//! The month-end use cases (DOMAIN.md §5): the one API surface that the CLI, the desktop shell
//! and the server call, so they cannot disagree. Each use case is one store transaction; time
//! comes in as `now` so the use cases are testable for any day.

pub mod backup;
pub mod browse;
mod cache;
mod confirm;
mod deductions;
pub mod error;
pub mod export;
mod hr;
pub mod manual;
pub mod member_index;
pub mod progress;
pub mod summary;

pub use progress::Progress;
mod report;
pub mod submit;
pub mod unpaid;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use infoone_domain::bill::{self, Bill};
use infoone_domain::change::{self, Change, Touched};
use infoone_domain::deduction::{self, Mode, Outcome};
use infoone_domain::ledger::Ledger;
use infoone_domain::money::Yen;
use infoone_domain::month::YearMonth;
use infoone_formats::bill_doc::{self, BillDoc};
use infoone_formats::change as change_json;
use infoone_formats::ledger::{enrollment_json, member_json};
use infoone_formats::package::{self, BillPackage};
use infoone_formats::package_diff::{self, Fingerprint, PackageDiff};
use infoone_store::{Audit, ChangeRow, ChangeStatus, MonthRow, MonthState, NewChange, Store, Tx};
use serde::Serialize;

pub(crate) use cache::{current_ledger, frozen, keep_ledger, ledger_key};
/// The desktop's warm-up: a month's ledger made with the store free meanwhile.
pub mod warm {
    pub use crate::cache::{keep_built, ledger_work, BuiltLedger, LedgerWork};
}
pub use error::{AppError, ErrorCode, Result};
pub use hr::HrImport;
pub use infoone_store;
pub use manual::ManualChange;
pub use report::ReportSummary;

/// The per-user database that the CLI and the desktop use by default:
/// `$INFOONE_HOME/infoone.db`, else `$XDG_DATA_HOME/infoone/`, else `%APPDATA%\InfoOne\` (Windows),
/// else `~/Library/Application Support/InfoOne/` (macOS) or `~/.local/share/infoone/`.
pub fn default_db_path() -> std::path::PathBuf {
    use std::path::PathBuf;
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = var("INFOONE_HOME")
        .or_else(|| var("XDG_DATA_HOME").map(|d| d.join("infoone")))
        .or_else(|| var("APPDATA").map(|d| d.join("InfoOne")))
        .or_else(|| {
            var("HOME").map(|h| {
                if cfg!(target_os = "macos") {
                    h.join("Library/Application Support/InfoOne")
                } else {
                    h.join(".local/share/infoone")
                }
            })
        })
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("infoone.db")
}

/// Which month of which group. `group` may be left out when the database has one group with
/// that month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthRef {
    pub group: Option<String>,
    pub month: YearMonth,
}

impl MonthRef {
    pub fn new(month: YearMonth) -> MonthRef {
        MonthRef { group: None, month }
    }
}

fn stamp(now: NaiveDateTime) -> String {
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub(crate) fn find_month(tx: &Tx<'_>, at: &MonthRef) -> Result<MonthRow> {
    let rows = tx.months_for(at.month)?;
    let rows: Vec<MonthRow> = match &at.group {
        Some(g) => rows.into_iter().filter(|r| &r.group_code == g).collect(),
        None => rows,
    };
    if rows.len() > 1 {
        return Err(AppError::bad_input(format!(
            "{}の請求データが複数の団体にあります（{}）。--group で団体コードを指定してください",
            at.month,
            rows.iter()
                .map(|r| r.group_code.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )));
    }
    rows.into_iter().next().ok_or_else(|| {
        AppError::not_found(format!(
            "{}の請求データがありません。先に請求パッケージを読み込んでください（保険会社から取得するか、請求パッケージのファイルを開きます）",
            at.month
        ))
    })
}

fn office_names(pkg: &BillPackage) -> impl Fn(&str) -> (String, String) + '_ {
    move |code: &str| {
        pkg.offices
            .iter()
            .find(|o| o.code == code)
            .map(|o| (o.name.clone(), o.deduction_destination.clone()))
            .unwrap_or_default()
    }
}

/// What `month load` did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LoadSummary {
    pub group: String,
    pub month: String,
    pub version: String,
    pub offices: usize,
    pub members: usize,
    pub enrollments: usize,
    pub applications: usize,
    pub replaced: bool,
    /// What changed since the group's last package (the one replaced, else the latest earlier
    /// month's); none when no earlier package of the group was loaded here.
    pub diff: Option<PackageDiff>,
}

/// `month_caches` kind of a package's fingerprint (`formats::package_diff`).
const FINGERPRINT: &str = "fingerprint";

/// The fingerprint of the group's last package up to `month` (the month itself when it is
/// being replaced); none when there is none or it was loaded before fingerprints were kept.
fn previous_fingerprint(tx: &Tx<'_>, group: &str, month: YearMonth) -> Result<Option<Fingerprint>> {
    let rows = tx.months_of_group(group)?;
    let Some(row) = rows.iter().filter(|r| r.month <= month).max_by_key(|r| r.month) else {
        return Ok(None);
    };
    Ok(tx
        .month_cache(row.id, FINGERPRINT)?
        .and_then(|(_, body)| serde_json::from_slice(&body).ok()))
}

/// Refuses an input file larger than `max` bytes before it is read (docs/RELIABILITY.md); a file
/// that cannot be looked at is left to the read that follows, which says why.
pub(crate) fn check_input_size(file: &Path, max: usize) -> Result<()> {
    match std::fs::metadata(file) {
        Ok(m) if m.len() > u64::try_from(max).unwrap_or(u64::MAX) => Err(AppError::bad_input(format!(
            "{}: ファイルが大きすぎます（{}バイト。{}バイトまで読み込めます）",
            file.display(),
            m.len(),
            max
        ))),
        _ => Ok(()),
    }
}

/// Load a monthly bill package (`month load`). A month already being worked on is refused unless
/// nothing has been decided in it yet (then the newer package replaces the older one).
pub fn load_package(store: &mut Store, file: &Path, now: NaiveDateTime) -> Result<LoadSummary> {
    check_input_size(file, infoone_formats::limits::MAX_PACKAGE_BYTES)?;
    let bytes = std::fs::read(file)
        .map_err(|e| AppError::not_found(format!("{}: ファイルを読めません（{e}）", file.display())))?;
    let name = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    load_package_bytes(store, &name, &bytes, now)
}

pub fn load_package_bytes(store: &mut Store, name: &str, bytes: &[u8], now: NaiveDateTime) -> Result<LoadSummary> {
    let pkg = package::parse_package(name, bytes).map_err(|e| AppError::bad_input(e.to_string()))?;
    let month: YearMonth = pkg
        .month
        .parse()
        .map_err(|e: infoone_domain::month::BadMonth| AppError::bad_input(e.to_string()))?;
    // The version the insurer gave the package (its content hash, the API's ETag); the report
    // names it. A package without one gets the hash of its bytes.
    let version = if pkg.version.trim().is_empty() {
        package::package_version(bytes)
    } else {
        pkg.version.clone()
    };
    let at = stamp(now);
    let pkg = Arc::new(pkg);
    let mut fingerprint = package_diff::fingerprint(&pkg);
    fingerprint.version = version.clone();
    let summary = store.transaction(|tx| {
        let before = previous_fingerprint(tx, &pkg.group.code, month)?;
        let existing = tx.month(&pkg.group.code, month)?;
        let replaced = existing.is_some();
        match existing {
            None => {
                tx.insert_month(&pkg.group.code, month, &version, name, bytes, &at)?;
            }
            Some(row) => {
                let decided = tx.changes(row.id)?.iter().any(|c| matches!(c.status, ChangeStatus::Accepted | ChangeStatus::Rejected));
                if row.state != MonthState::Loaded || decided {
                    if row.package_version == version {
                        return Err(AppError::wrong_state(format!(
                            "{} {}は読み込み済みです（同じ版）",
                            pkg.group.code, month
                        )));
                    }
                    return Err(AppError::wrong_state(format!(
                        "{} {}はすでに作業中です（状態: {}）。新しい請求パッケージで置き換えるには、保険会社に確認してください",
                        pkg.group.code,
                        month,
                        row.state.label()
                    )));
                }
                tx.replace_package(row.id, &version, name, bytes, &at)?;
            }
        }
        tx.audit(&Audit {
            at: &at,
            group_code: Some(&pkg.group.code),
            month: Some(month),
            action: if replaced { "month.reload" } else { "month.load" },
            after: Some(&version),
            source: Some(name),
            detail: Some(&format!(
                "offices={} members={} enrollments={}",
                pkg.offices.len(),
                pkg.members.len(),
                pkg.enrollments.len()
            )),
            ..Audit::default()
        })?;
        // Web applications come in as proposed joins.
        let row = tx.month(&pkg.group.code, month)?.ok_or_else(|| AppError::not_found("month"))?;
        if let Some(key) = cache::package_key(tx, &row) {
            cache::remember_package(tx.memo(), key, &pkg);
        }
        let body = serde_json::to_vec(&fingerprint).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        tx.put_month_cache(row.id, FINGERPRINT, version.as_bytes(), &body)?;
        let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
        let mut existing = existing_payloads(tx, &row)?;
        for app in ledger.applications.values() {
            let c = Change::Join {
                enrollment_id: format!("N{}-{}", month.to_string().replace('-', ""), app.id),
                employee_no: app.employee_no.clone(),
                insured: app.insured.clone(),
                product: app.product.clone(),
                plan: app.plan.clone(),
                units: app.units,
                applied_on: app.applied_on,
                application: Some(app.id.clone()),
            };
            propose(tx, &row, &ledger, &c, "web", &at, &mut existing)?;
        }
        // The dashboard's figures, made while the package is in memory and kept with the load
        // (one transaction): a window opened after a load by the CLI shows the month at once,
        // and the ledger stays kept for the next step.
        let row = tx.month(&pkg.group.code, month)?.ok_or_else(|| AppError::not_found("month"))?;
        summary::keep_in(tx, &row)?;
        Ok(LoadSummary {
            group: pkg.group.code.clone(),
            month: month.to_string(),
            version: version.clone(),
            offices: pkg.offices.len(),
            members: pkg.members.len(),
            enrollments: pkg.enrollments.len(),
            applications: pkg.pending_applications.len(),
            replaced,
            diff: before.map(|b| package_diff::diff(&b, &fingerprint)),
        })
    })?;
    Ok(summary)
}

pub(crate) fn existing_payloads(tx: &Tx<'_>, row: &MonthRow) -> Result<HashSet<String>> {
    Ok(tx.changes(row.id)?.into_iter().map(|c| c.payload).collect())
}

/// A one-line description of a change, in Japanese, for lists.
pub fn describe(ledger: &Ledger, c: &Change) -> String {
    let name = |no: &str| {
        ledger
            .members
            .get(no)
            .map_or(String::new(), |m| format!("（{}）", m.name))
    };
    match c {
        Change::Join {
            employee_no,
            insured,
            product,
            plan,
            units,
            applied_on,
            application,
            ..
        } => format!(
            "加入: {employee_no}{} {product} プラン{plan} {units}口 被保険者{insured} 申込日{applied_on}{}",
            name(employee_no),
            application
                .as_ref()
                .map_or(String::new(), |a| format!("（Web申込{a}）"))
        ),
        Change::Withdrawal {
            enrollment,
            date,
            option,
        } => {
            format!("脱退: 加入{enrollment} {date} 選択{}", option.code())
        }
        Change::Retirement {
            employee_no,
            date,
            option,
        } => {
            format!(
                "退職: {employee_no}{} 退職日{date} 選択{}",
                name(employee_no),
                option.code()
            )
        }
        Change::Transfer {
            employee_no,
            office,
            date,
        } => {
            format!("事業所異動: {employee_no}{} → {office} 異動日{date}", name(employee_no))
        }
        Change::PlanChange {
            enrollment,
            plan,
            units,
            date,
            ..
        } => {
            format!("プラン変更: 加入{enrollment} → プラン{plan} {units}口 {date}")
        }
        Change::Update {
            employee_no,
            name: n,
            name_kana,
            email,
            postal_code,
            address,
        } => {
            let mut parts = Vec::new();
            for (label, v) in [
                ("氏名", n),
                ("カナ", name_kana),
                ("メール", email),
                ("郵便番号", postal_code),
                ("住所", address),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{label}→{v}"));
                }
            }
            format!("変更: {employee_no}{} {}", name(employee_no), parts.join(" "))
        }
        Change::Hire { member } => format!("入社: {} {} 事業所{}", member.employee_no, member.name, member.office),
        Change::Status { employee_no, status } => {
            format!("在籍区分: {employee_no}{} → {}", name(employee_no), status.label())
        }
        Change::BankTransferSwitch { employee_no, .. } => format!("口座振替切替: {employee_no}{}", name(employee_no)),
    }
}

/// Record a proposed change unless the same one is already there (any status): importing the
/// same file twice proposes nothing the second time.
pub(crate) fn propose(
    tx: &Tx<'_>,
    row: &MonthRow,
    ledger: &Ledger,
    c: &Change,
    source: &str,
    at: &str,
    existing: &mut HashSet<String>,
) -> Result<bool> {
    let payload = change_json::to_json(c);
    if !existing.insert(payload.clone()) {
        return Ok(false);
    }
    let employee = c.employee_no(ledger).map(str::to_string);
    tx.insert_change(
        row.id,
        &NewChange {
            kind: c.kind().to_string(),
            status: None,
            source: source.to_string(),
            employee_no: employee,
            summary: describe(ledger, c),
            payload,
            code: None,
        },
        at,
    )?;
    if row.state == MonthState::Loaded {
        tx.set_state(row.id, MonthState::Adjusting)?;
    }
    Ok(true)
}

/// A change or note as listed (`changes list`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub source: String,
    pub employee_no: Option<String>,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub change: serde_json::Value,
}

fn view(c: &ChangeRow) -> ChangeView {
    ChangeView {
        id: c.id,
        kind: c.kind.clone(),
        status: c.status.code().to_string(),
        source: c.source.clone(),
        employee_no: c.employee_no.clone(),
        summary: c.summary.clone(),
        code: c.code.clone(),
        change: serde_json::from_str(&c.payload).unwrap_or(serde_json::Value::Null),
    }
}

pub fn list_changes(store: &mut Store, at: &MonthRef) -> Result<Vec<ChangeView>> {
    Ok(change_rows(store, at)?.iter().map(view).collect())
}

/// The month's changes as stored, their JSON not parsed (the window's review list shows the
/// summaries only).
pub fn change_rows(store: &mut Store, at: &MonthRef) -> Result<Vec<ChangeRow>> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        Ok(tx.changes(row.id)?)
    })
}

/// Which changes to decide on.
#[derive(Clone, Debug)]
pub enum Selection {
    All,
    Ids(Vec<i64>),
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DecisionSummary {
    pub accepted: usize,
    pub rejected: usize,
}

fn require_open(row: &MonthRow) -> Result<()> {
    if row.state.is_open() {
        Ok(())
    } else {
        Err(AppError::wrong_state(format!(
            "{}は{}です。変更するには先に理由を記録して確定を解除してください（次の確定は第{}版になります）",
            row.month,
            row.state.label(),
            row.revision + 1
        )))
    }
}

fn select<'a>(changes: &'a [ChangeRow], sel: &Selection, wanted: ChangeStatus) -> Result<Vec<&'a ChangeRow>> {
    match sel {
        Selection::All => Ok(changes.iter().filter(|c| c.status == ChangeStatus::Proposed).collect()),
        Selection::Ids(ids) => ids
            .iter()
            .map(|id| {
                let c = changes
                    .iter()
                    .find(|c| c.id == *id)
                    .ok_or_else(|| AppError::not_found(format!("変更ID {id} はこの月にありません")))?;
                let ok = match wanted {
                    ChangeStatus::Accepted => matches!(c.status, ChangeStatus::Proposed | ChangeStatus::Rejected),
                    _ => matches!(c.status, ChangeStatus::Proposed | ChangeStatus::Accepted),
                };
                if ok {
                    Ok(c)
                } else if c.status == ChangeStatus::Note {
                    Err(AppError::bad_input(format!(
                        "ID {id} は確認事項（{}）で、変更ではありません",
                        c.summary
                    )))
                } else {
                    Err(AppError::bad_input(format!(
                        "変更ID {id} はすでに{}です",
                        status_label(c.status)
                    )))
                }
            })
            .collect(),
    }
}

fn status_label(s: ChangeStatus) -> &'static str {
    match s {
        ChangeStatus::Proposed => "未決定",
        ChangeStatus::Accepted => "承認済み",
        ChangeStatus::Rejected => "却下済み",
        ChangeStatus::Note => "確認事項",
    }
}

fn audit_touched(
    tx: &Tx<'_>,
    row: &MonthRow,
    at: &str,
    change_id: i64,
    source: &str,
    touched: &[Touched],
) -> Result<()> {
    let key = change_id.to_string();
    for t in touched {
        let (entity, before, after) = match t {
            Touched::Member { before, after } => (
                "member",
                before.as_ref().map(|m| member_json(m).to_string()),
                member_json(after).to_string(),
            ),
            Touched::Enrollment { before, after } => (
                "enrollment",
                before.as_ref().map(|e| enrollment_json(e).to_string()),
                enrollment_json(after).to_string(),
            ),
        };
        tx.audit(&Audit {
            at,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "change.apply",
            entity: Some(entity),
            key: Some(&key),
            before: before.as_deref(),
            after: Some(&after),
            source: Some(source),
            ..Audit::default()
        })?;
    }
    Ok(())
}

/// Accept changes (`changes accept`). Atomic: when any change is refused, nothing is accepted and
/// the error names the change and why.
pub fn accept(store: &mut Store, at: &MonthRef, sel: &Selection, now: NaiveDateTime) -> Result<DecisionSummary> {
    accept_with(store, at, sel, now, Progress::NONE)
}

/// [`accept`], reporting each change applied.
pub fn accept_with(
    store: &mut Store,
    at: &MonthRef,
    sel: &Selection,
    now: NaiveDateTime,
    progress: Progress<'_>,
) -> Result<DecisionSummary> {
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        let (_, mut ledger) = current_ledger(tx, &row)?;
        let changes = tx.changes(row.id)?;
        let chosen = select(&changes, sel, ChangeStatus::Accepted)?;
        for (i, c) in chosen.iter().enumerate() {
            progress.item(i, chosen.len(), "変更を加入者に反映しています");
            let change =
                change_json::from_json(&c.payload).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            let touched = change::apply(&mut ledger, &change).map_err(|r| {
                AppError::refused(format!(
                    "変更ID {}（{}）は承認できません: {} {}。何も承認していません",
                    c.id, c.summary, r.code.code, r.message
                ))
            })?;
            tx.decide_change(c.id, ChangeStatus::Accepted, &stamp)?;
            audit_touched(tx, &row, &stamp, c.id, &c.source, &touched)?;
            tx.audit(&Audit {
                at: &stamp,
                group_code: Some(&row.group_code),
                month: Some(row.month),
                action: "change.accept",
                key: Some(&c.id.to_string()),
                after: Some(&c.payload),
                source: Some(&c.source),
                detail: Some(&c.summary),
                ..Audit::default()
            })?;
        }
        keep_ledger(tx, &row, ledger)?;
        if row.state == MonthState::Loaded && !chosen.is_empty() {
            tx.set_state(row.id, MonthState::Adjusting)?;
        }
        Ok(DecisionSummary {
            accepted: chosen.len(),
            rejected: 0,
        })
    })
}

/// Reject changes (`changes reject`); an accepted one is taken back, provided the accepted
/// changes after it still apply.
pub fn reject(store: &mut Store, at: &MonthRef, sel: &Selection, now: NaiveDateTime) -> Result<DecisionSummary> {
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        let changes = tx.changes(row.id)?;
        let chosen = select(&changes, sel, ChangeStatus::Rejected)?;
        for c in &chosen {
            tx.decide_change(c.id, ChangeStatus::Rejected, &stamp)?;
            tx.audit(&Audit {
                at: &stamp,
                group_code: Some(&row.group_code),
                month: Some(row.month),
                action: "change.reject",
                key: Some(&c.id.to_string()),
                before: Some(c.status.code()),
                after: Some("rejected"),
                source: Some(&c.source),
                detail: Some(&c.summary),
                ..Audit::default()
            })?;
        }
        current_ledger(tx, &row)?;
        Ok(DecisionSummary {
            accepted: 0,
            rejected: chosen.len(),
        })
    })
}

/// Add a manual change (`changes add`, paper forms): it is proposed, then accepted at once
/// unless `propose_only`. Joins and plan changes get their new enrollment id here.
pub fn add_change(
    store: &mut Store,
    at: &MonthRef,
    mut c: Change,
    propose_only: bool,
    now: NaiveDateTime,
) -> Result<ChangeView> {
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        let (_, mut ledger) = current_ledger(tx, &row)?;
        let n = tx.changes(row.id)?.len() + 1;
        let new_id = format!("N{}-M{n:04}", row.month.to_string().replace('-', ""));
        match &mut c {
            Change::Join { enrollment_id, .. } if enrollment_id.is_empty() => *enrollment_id = new_id,
            Change::PlanChange { new_enrollment_id, .. } if new_enrollment_id.is_empty() => *new_enrollment_id = new_id,
            _ => {}
        }
        // The account for the Zengin request: codes in the zengin-code data set, 7 digits, kana.
        if let Change::BankTransferSwitch { account, .. } = &mut c {
            infoone_formats::zengin::normalize_account(account).map_err(AppError::bad_input)?;
        }
        // Check it applies now, so a clerk hears about a refusal when entering it.
        let touched =
            change::apply(&mut ledger, &c).map_err(|r| AppError::refused(format!("{} {}", r.code.code, r.message)))?;
        let payload = change_json::to_json(&c);
        let employee = c.employee_no(&ledger).map(str::to_string);
        let id = tx.insert_change(
            row.id,
            &NewChange {
                kind: c.kind().to_string(),
                status: None,
                source: "manual".into(),
                employee_no: employee,
                summary: describe(&ledger, &c),
                payload: payload.clone(),
                code: None,
            },
            &stamp,
        )?;
        if !propose_only {
            tx.decide_change(id, ChangeStatus::Accepted, &stamp)?;
            audit_touched(tx, &row, &stamp, id, "manual", &touched)?;
        }
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: if propose_only {
                "change.propose"
            } else {
                "change.accept"
            },
            key: Some(&id.to_string()),
            after: Some(&payload),
            source: Some("manual"),
            ..Audit::default()
        })?;
        if row.state == MonthState::Loaded {
            tx.set_state(row.id, MonthState::Adjusting)?;
        }
        let rows = tx.changes(row.id)?;
        let added = rows
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::not_found("change"))?;
        Ok(view(added))
    })
}

/// A month's state and revision (`month status`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MonthStatus {
    pub group: String,
    pub month: String,
    pub state: String,
    pub state_label: String,
    pub revision: i64,
    pub package_version: String,
    pub proposed: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub notes: usize,
}

pub fn status(store: &mut Store, at: &MonthRef) -> Result<MonthStatus> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        let changes = tx.changes(row.id)?;
        let count = |s: ChangeStatus| changes.iter().filter(|c| c.status == s).count();
        Ok(MonthStatus {
            group: row.group_code.clone(),
            month: row.month.to_string(),
            state: row.state.code().to_string(),
            state_label: row.state.label().to_string(),
            revision: row.revision,
            package_version: row.package_version.clone(),
            proposed: count(ChangeStatus::Proposed),
            accepted: count(ChangeStatus::Accepted),
            rejected: count(ChangeStatus::Rejected),
            notes: count(ChangeStatus::Note),
        })
    })
}

pub use confirm::{bill, confirm, confirm_with, reopen};
pub(crate) use confirm::{bill_in, outcome_doc};
pub use deductions::{
    import_deductions, import_deductions_rows, import_deductions_with, CollectionDoc, DeductionSummary, MemberDoc,
    OutcomeDoc, UndeductedDoc,
};
pub use hr::{import_hr, import_hr_with};
pub use report::write_report;
