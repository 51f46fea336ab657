//! The insurer's ledger: loading a group from a bill package, computing the package of the
//! group's current month, and checking and applying a result report — with the same domain
//! engine the clerk's desktop uses, so the two cannot disagree.
//!
//! The ledger of a group stands at its **current month** N: the month after the last reported
//! one (or the month of the package it was loaded from). The package for N carries every office,
//! group product, member (with the office of the 1st of N) and enrollment, the pending Web
//! applications, the `billed` entries of the confirmed months N − retro_limit_months … N − 1 and
//! the carry-overs into N. Its `issued_on` is the day of the last write to the ledger, so its
//! version changes only when the ledger does.

use std::collections::{BTreeMap, HashMap, HashSet};

use infoone_domain::bill::{self, Bill};
use infoone_domain::change::{self, Change, Touched};
use infoone_domain::deduction::{self, Mode, Outcome, Reported};
use infoone_domain::ledger as d;
use infoone_domain::money::Yen;
use infoone_domain::month::YearMonth;
use infoone_formats::change::{from_doc, ChangeDoc};
use infoone_formats::package::{self as p, BillPackage};
use infoone_formats::report::ResultReport;
use infoone_store::ledger_db::{CarryOverRow, GroupRow, MemberRow, OfficeResultRow};
use infoone_store::{Audit, LedgerTx};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::hex;
use crate::error::ApiError;

mod apply;
pub use apply::{receipt_json, record, Accept};

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| internal(format!("stored {what}: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(internal)
}

fn month(s: &str) -> Result<YearMonth, ApiError> {
    s.parse()
        .map_err(|_| internal(format!("stored month {s:?} is not a month")))
}

/// One part of a package, for telling what changed between two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub count: usize,
    pub digest: String,
}

/// The parts of a package version: counts and digests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub month: String,
    pub parts: BTreeMap<String, Part>,
}

/// A package the server computed, ready to serve.
pub struct Built {
    pub group: String,
    pub rev: i64,
    /// The package, except its `billed` entries (kept apart: they are most of a large package
    /// and a report's check needs only those of the enrollments its changes touch).
    pub package: BillPackage,
    pub billed: Vec<p::Billed>,
    /// The month's ledger before any change (`formats::ledger::to_ledger` without the billed
    /// amounts, every confirmed month known), made ahead so a report's check need not wait for
    /// it; taken by the first check (see [`Built::base_ledger`]).
    pub prepared: std::sync::Mutex<Option<d::Ledger>>,
    /// The JSON served (compact, `version` filled in); every GET shares it, none copies it.
    pub bytes: axum::body::Bytes,
    pub version: String,
    pub summary: Summary,
}

impl Built {
    /// The ledger before any change: the prepared one if it is there, else made now.
    pub fn base_ledger(&self) -> d::Ledger {
        let prepared = self.prepared.lock().unwrap_or_else(|e| e.into_inner()).take();
        prepared.unwrap_or_else(|| self.make_ledger())
    }

    /// Make the base ledger ahead (in the background) unless it is there already.
    pub fn prepare(self: &std::sync::Arc<Built>) {
        let me = std::sync::Arc::clone(self);
        std::thread::spawn(move || {
            if me.prepared.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                return;
            }
            let ledger = me.make_ledger();
            *me.prepared.lock().unwrap_or_else(|e| e.into_inner()) = Some(ledger);
        });
    }

    fn make_ledger(&self) -> d::Ledger {
        let mut ledger = infoone_formats::ledger::to_ledger(&self.package, &[]);
        for b in &self.billed {
            if let Ok(m) = b.month.parse::<YearMonth>() {
                ledger.confirmed_months.insert(m);
            }
        }
        ledger
    }
}

/// SHA-256 of what is written to it.
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The first 16 hex digits of the SHA-256 of `v`'s JSON, hashed as it is written (a part of a
/// large package is not first made into one more copy of its JSON).
fn digest<T: Serialize>(v: &T) -> Result<String, ApiError> {
    let mut h = Hashing(Sha256::new());
    serde_json::to_writer(std::io::BufWriter::with_capacity(64 * 1024, &mut h), v).map_err(internal)?;
    Ok(hex(&h.0.finalize())[..16].to_string())
}

fn summarize(pkg: &BillPackage) -> Result<Summary, ApiError> {
    let mut parts = BTreeMap::new();
    let mut put = |name: &str, count: usize, digest: String| {
        parts.insert(name.to_string(), Part { count, digest });
    };
    put(
        "group",
        1,
        digest(&(
            &pkg.group.code,
            &pkg.group.name,
            &pkg.group.name_kana,
            &pkg.group.payee_account,
            &pkg.group.collection_account,
        ))?,
    );
    put("settings", 1, digest(&pkg.group.settings)?);
    put("offices", pkg.offices.len(), digest(&pkg.offices)?);
    put("group_products", pkg.group_products.len(), digest(&pkg.group_products)?);
    put("members", pkg.members.len(), digest(&pkg.members)?);
    put("enrollments", pkg.enrollments.len(), digest(&pkg.enrollments)?);
    put(
        "pending_applications",
        pkg.pending_applications.len(),
        digest(&pkg.pending_applications)?,
    );
    put("billed", pkg.billed.len(), digest(&pkg.billed)?);
    put("carry_over", pkg.carry_over.len(), digest(&pkg.carry_over)?);
    Ok(Summary {
        month: pkg.month.clone(),
        parts,
    })
}

/// The package of the group's current month, from the ledger.
pub fn build_package(tx: &dyn LedgerTx, group: &GroupRow) -> Result<Built, ApiError> {
    let n = month(&group.current_month)?;
    let g: p::Group = from_json(&group.doc, "group")?;
    let offices = tx
        .srv_offices(&group.code)?
        .iter()
        .map(|(_, doc)| from_json::<p::Office>(doc, "office"))
        .collect::<Result<Vec<_>, _>>()?;
    let group_products = tx
        .srv_products(&group.code)?
        .iter()
        .map(|(_, doc)| from_json::<p::GroupProduct>(doc, "group product"))
        .collect::<Result<Vec<_>, _>>()?;
    let member_rows = tx.srv_members(&group.code)?;
    let mut members = Vec::with_capacity(member_rows.len());
    for row in &member_rows {
        let mut m: p::Member = from_json(&row.doc, "member")?;
        if row.transfers != "[]" {
            let transfers: Vec<(String, String)> = from_json(&row.transfers, "transfers")?;
            if let Some((_, office)) = transfers
                .iter()
                .rev()
                .find(|(from, _)| from.as_str() <= group.current_month.as_str())
            {
                m.office = office.clone();
            }
        }
        members.push(m);
    }
    drop(member_rows);
    let enrollments = tx
        .srv_enrollments(&group.code)?
        .iter()
        .map(|(_, doc)| from_json::<p::Enrollment>(doc, "enrollment"))
        .collect::<Result<Vec<_>, _>>()?;
    let pending_applications = tx
        .srv_pending_applications(&group.code)?
        .iter()
        .map(|(_, doc)| from_json::<p::PendingApplication>(doc, "application"))
        .collect::<Result<Vec<_>, _>>()?;
    let carry_over = tx
        .srv_carry_over(&group.code, &group.current_month)?
        .into_iter()
        .map(|c| {
            Ok(p::CarryOver {
                enrollment: c.enrollment,
                office: c.office,
                month: c.origin_month,
                amount: c.amount,
                reason: serde_json::from_value(Value::String(c.reason)).map_err(internal)?,
                times_carried: u32::try_from(c.times_carried).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let floor = n.plus(-(g.settings.retro_limit_months as i32));
    let (from, to) = (floor.to_string(), n.prev().to_string());
    let mut adjustments: BTreeMap<String, Vec<(String, String, i64)>> = BTreeMap::new();
    for (m, enrollment, office, amount) in tx.srv_billed_adjustments(&group.code, &from, &to)? {
        adjustments.entry(m).or_default().push((enrollment, office, amount));
    }
    let mut months: BTreeMap<String, Vec<(String, String, i64)>> = BTreeMap::new();
    for (m, doc) in tx.srv_billed_months(&group.code, &from, &to)? {
        months.insert(m, from_json(&doc, "billed month")?);
    }
    for (m, adjust) in adjustments {
        let entries = months.entry(m).or_default();
        let mut at: HashMap<String, usize> = entries.iter().enumerate().map(|(i, e)| (e.0.clone(), i)).collect();
        for (enrollment, office, amount) in adjust {
            match at.get(&enrollment) {
                Some(&i) => entries[i].2 += amount,
                None => {
                    at.insert(enrollment.clone(), entries.len());
                    entries.push((enrollment, office, amount));
                }
            }
        }
    }
    let mut billed = Vec::new();
    for (m, entries) in months {
        billed.extend(entries.into_iter().map(|(enrollment, office, amount)| p::Billed {
            month: m.clone(),
            enrollment,
            office,
            amount,
        }));
    }
    let mut package = BillPackage {
        format: p::PACKAGE_FORMAT.to_string(),
        month: group.current_month.clone(),
        version: String::new(),
        issued_on: group.issued_on.clone(),
        group: g,
        offices,
        group_products,
        members,
        enrollments,
        pending_applications,
        carry_over,
        billed,
    };
    // The version is the hash of the canonical bytes with `version` empty (formats::package);
    // the served bytes are the same with the version filled in.
    let canonical = p::write_package_compact(&package);
    let version = format!("sha256:{}", hex(&Sha256::digest(&canonical)));
    let empty = br#""version":"""#;
    let at = canonical
        .windows(empty.len())
        .position(|w| w == empty)
        .ok_or_else(|| internal("canonical package without a version field"))?;
    let mut bytes = Vec::with_capacity(canonical.len() + version.len());
    bytes.extend_from_slice(&canonical[..at]);
    bytes.extend_from_slice(format!(r#""version":"{version}""#).as_bytes());
    bytes.extend_from_slice(&canonical[at + empty.len()..]);
    package.version = version.clone();
    let summary = summarize(&package)?;
    let billed = std::mem::take(&mut package.billed);
    Ok(Built {
        group: group.code.clone(),
        rev: group.rev,
        package,
        billed,
        prepared: std::sync::Mutex::new(None),
        bytes: bytes.into(),
        version,
        summary,
    })
}

/// What differs between the summary of the version a report was made from (if the server knows
/// it) and the current one.
pub fn differences(before: Option<&Summary>, now: &Summary) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(b) = before {
        if b.month != now.month {
            out.push(json!({"part": "month", "before": b.month, "after": now.month}));
        }
    }
    for (name, part) in &now.parts {
        match before.and_then(|b| b.parts.get(name)) {
            Some(old) if old == part => {}
            Some(old) => out.push(json!({
                "part": name, "before": old.count, "after": part.count, "changed": true
            })),
            None => out.push(json!({
                "part": name, "before": Value::Null, "after": part.count, "changed": true
            })),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loading a package (admin)
// ---------------------------------------------------------------------------------------------

/// Load (or replace) a group's ledger from a package that `parse_package` accepted.
pub fn load_package(
    tx: &dyn LedgerTx,
    pkg: &BillPackage,
    version: &str,
    at: &str,
    actor: &str,
) -> Result<Value, ApiError> {
    let code = &pkg.group.code;
    // The group's row is locked until the load commits (a report or another load of the group,
    // on any server process, waits); a new group's row is locked by the reset's insert.
    let replaced = tx.srv_lock_group(code)?.is_some();
    if let Some(last) = tx.srv_last_reported_month(code)? {
        if last.as_str() >= pkg.month.as_str() {
            return Err(ApiError::conflict(
                "already_reported",
                format!(
                    "団体「{code}」は{last}まで結果報告を受け付け済みです。{}の請求パッケージでは台帳を置き換えられません",
                    pkg.month
                ),
            )
            .with("last_reported_month", Value::String(last)));
        }
    }
    tx.srv_reset_group(code, &to_json(&pkg.group)?, &pkg.month, &pkg.issued_on, at)?;
    tx.srv_insert_offices(
        code,
        &pkg.offices
            .iter()
            .map(|o| Ok((o.code.clone(), to_json(o)?)))
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    tx.srv_insert_products(
        code,
        &pkg.group_products
            .iter()
            .map(|g| Ok((g.code.clone(), to_json(g)?)))
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    tx.srv_insert_members(
        code,
        &pkg.members
            .iter()
            .map(|m| {
                Ok(MemberRow {
                    employee_no: m.employee_no.clone(),
                    base_month: pkg.month.clone(),
                    doc: to_json(m)?,
                    transfers: "[]".into(),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    tx.srv_insert_enrollments(
        code,
        &pkg.enrollments
            .iter()
            .map(|e| Ok((e.id.clone(), to_json(e)?)))
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    tx.srv_insert_applications(
        code,
        &pkg.pending_applications
            .iter()
            .map(|a| Ok((a.id.clone(), to_json(a)?)))
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    let mut months: BTreeMap<&str, Vec<(&str, &str, i64)>> = BTreeMap::new();
    for b in &pkg.billed {
        months
            .entry(b.month.as_str())
            .or_default()
            .push((b.enrollment.as_str(), b.office.as_str(), b.amount));
    }
    for (m, entries) in months {
        tx.srv_put_billed_month(code, m, &to_json(&entries)?)?;
    }
    tx.srv_set_carry_over(
        code,
        &pkg.month,
        &pkg.carry_over
            .iter()
            .map(|c| {
                Ok(CarryOverRow {
                    enrollment: c.enrollment.clone(),
                    office: c.office.clone(),
                    origin_month: c.month.clone(),
                    amount: c.amount,
                    reason: reason_label(c.reason)?,
                    times_carried: i64::from(c.times_carried),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
    )?;
    let counts = json!({
        "offices": pkg.offices.len(),
        "group_products": pkg.group_products.len(),
        "members": pkg.members.len(),
        "enrollments": pkg.enrollments.len(),
        "pending_applications": pkg.pending_applications.len(),
        "billed": pkg.billed.len(),
        "carry_over": pkg.carry_over.len(),
    });
    let month = pkg.month.parse::<YearMonth>().ok();
    tx.audit(&Audit {
        at,
        group_code: Some(code),
        month,
        action: if replaced {
            "server.ledger.replace"
        } else {
            "server.ledger.load"
        },
        entity: Some("group"),
        key: Some(code),
        after: Some(version),
        source: Some(actor),
        detail: Some(&counts.to_string()),
        ..Audit::default()
    })?;
    let mut out = json!({
        "group": code,
        "month": pkg.month,
        "replaced": replaced,
        "file_version": version,
    });
    if let (Some(o), Some(c)) = (out.as_object_mut(), counts.as_object()) {
        o.extend(c.clone());
    }
    Ok(out)
}

fn reason_label(r: p::UndeductedReason) -> Result<String, ApiError> {
    match serde_json::to_value(r).map_err(internal)? {
        Value::String(s) => Ok(s),
        other => Err(internal(format!("reason as {other}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking a report
// ---------------------------------------------------------------------------------------------

/// A report recomputed by the server and found to agree.
pub struct Verified {
    pub ledger: d::Ledger,
    pub bill: Bill,
    pub outcome: Outcome,
    pub offices: Vec<OfficeResultRow>,
    /// Members and enrollments the changes touched, in the order first touched.
    pub members: Vec<String>,
    pub enrollments: Vec<String>,
    /// Those of them that the changes added (not in the package's ledger before).
    pub new_members: HashSet<String>,
    pub new_enrollments: HashSet<String>,
    /// Web applications the changes joined.
    pub joined: Vec<String>,
}

const MAX_LINES: usize = 1000;

/// Rebuild the month from the package, apply the report's changes in order, compute the bill and
/// apply the report's deductions; refuse (422) unless every office total agrees.
pub fn verify(built: &Built, report: &ResultReport, mark: &mut dyn FnMut(&str)) -> Result<Verified, ApiError> {
    // The ledger of formats::ledger::to_ledger, with `billed` filled in only for the enrollments
    // the changes touch: the engine reads billed amounts only for retroactive lines of those
    // (domain::bill), and every confirmed month is known from the start.
    let mut ledger = built.base_ledger();
    mark("ledger");
    let mut members = Vec::new();
    let mut enrollments = Vec::new();
    let mut seen_m = HashSet::new();
    let mut seen_e = HashSet::new();
    let mut new_members = HashSet::new();
    let mut new_enrollments = HashSet::new();
    let mut joined = Vec::new();
    for (i, rc) in report.changes.iter().enumerate() {
        let doc: ChangeDoc = serde_json::from_value(rc.details.clone()).map_err(|e| {
            ApiError::unprocessable(
                "invalid_change",
                format!("変更「{}」（changes[{i}]）の内容 details が読めません: {e}", rc.id),
            )
            .with("change", json!({"index": i, "id": rc.id}))
        })?;
        let c = from_doc(&doc).map_err(|e| {
            ApiError::unprocessable("invalid_change", format!("変更「{}」（changes[{i}]）: {}", rc.id, e.0))
                .with("change", json!({"index": i, "id": rc.id}))
        })?;
        let touched = change::apply(&mut ledger, &c).map_err(|r| {
            ApiError::unprocessable(
                "change_refused",
                format!("変更「{}」（changes[{i}]）を台帳に適用できません: {}", rc.id, r.message),
            )
            .with("change", json!({"index": i, "id": rc.id, "finding": r.code.code}))
        })?;
        if let Change::Join {
            application: Some(a), ..
        } = &c
        {
            joined.push(a.clone());
        }
        for t in touched {
            match t {
                // First touched without a `before`: added by this report.
                Touched::Member { before, after } => {
                    if seen_m.insert(after.employee_no.clone()) {
                        if before.is_none() {
                            new_members.insert(after.employee_no.clone());
                        }
                        members.push(after.employee_no.clone());
                    }
                }
                Touched::Enrollment { before, after } => {
                    if seen_e.insert(after.id.clone()) {
                        if before.is_none() {
                            new_enrollments.insert(after.id.clone());
                        }
                        enrollments.push(after.id.clone());
                    }
                }
            }
        }
    }
    if !ledger.adjusted_from.is_empty() {
        for b in &built.billed {
            if ledger.adjusted_from.contains_key(&b.enrollment) {
                let m = month(&b.month)?;
                std::sync::Arc::make_mut(&mut ledger.billed).insert(
                    (b.enrollment.clone(), m),
                    d::Billed {
                        month: m,
                        enrollment: b.enrollment.clone(),
                        office: b.office.clone(),
                        amount: Yen::new(b.amount),
                    },
                );
            }
        }
    }
    mark("changes");
    let bill = bill::compute(&ledger);
    mark("bill");
    if bill.has_errors() {
        let findings: Vec<Value> = bill
            .findings
            .iter()
            .filter(|f| f.severity() == infoone_domain::finding::Severity::Error)
            .take(MAX_LINES)
            .map(|f| json!({"code": f.code.code, "message": f.message}))
            .collect();
        return Err(ApiError::unprocessable(
            "bill_has_errors",
            "この報告の変更を反映した請求には確定できない誤りがあります（料率がない等）。保険会社にお問い合わせください",
        )
        .with("findings", Value::Array(findings)));
    }
    let reported: Vec<Reported> = report
        .deductions
        .iter()
        .enumerate()
        .map(|(i, r)| Reported {
            row: i + 1,
            employee_no: r.employee_no.clone(),
            office: Some(r.office.clone()),
            amount: Yen::new(r.deducted),
            reason: r.reason.map(infoone_formats::ledger::reason),
        })
        .collect();
    mark("reported");
    let outcome = deduction::apply(&ledger, &bill, &reported, Mode::Full).map_err(|problems| {
        let total = problems.len();
        let list: Vec<Value> = problems
            .iter()
            .take(MAX_LINES)
            .map(|p| {
                json!({
                    "index": p.row.map(|r| r - 1),
                    "employee_no": p.employee_no,
                    "code": p.code.code,
                    "message": p.message,
                })
            })
            .collect();
        ApiError::unprocessable(
            "invalid_deductions",
            format!("控除結果 deductions が請求と合いません（{total}件）"),
        )
        .with("problems", Value::Array(list))
        .with("total", json!(total))
    })?;
    mark("deductions");
    let offices: Vec<OfficeResultRow> = bill
        .offices
        .iter()
        .map(|o| {
            let c = outcome.offices.get(&o.office);
            let t = &o.totals;
            OfficeResultRow {
                office: o.office.clone(),
                premium_total: t.premium_total.to_i64(),
                fee: t.fee.to_i64(),
                fee_tax: t.fee_tax.to_i64(),
                invoice_amount: t.invoice_amount.to_i64(),
                undeducted: c.map_or(0, |c| c.undeducted.to_i64()),
                collected_fee: c.map_or(t.fee.to_i64(), |c| c.collected_fee.to_i64()),
                collected_fee_tax: c.map_or(t.fee_tax.to_i64(), |c| c.collected_fee_tax.to_i64()),
                payable: c.map_or(t.invoice_amount.to_i64(), |c| c.payable.to_i64()),
            }
        })
        .collect();
    let lines = mismatches(report, &offices, &outcome);
    if !lines.is_empty() {
        let total = lines.len();
        return Err(ApiError::unprocessable(
            "totals_mismatch",
            format!(
                "報告の金額が保険会社の再計算と合いません（{total}か所）。請求パッケージを取り直して月次処理をやり直してください"
            ),
        )
        .with("lines", Value::Array(lines.into_iter().take(MAX_LINES).collect()))
        .with("total", json!(total)));
    }
    Ok(Verified {
        ledger,
        bill,
        outcome,
        offices,
        members,
        enrollments,
        new_members,
        new_enrollments,
        joined,
    })
}

fn office_fields(o: &OfficeResultRow) -> [(&'static str, i64); 8] {
    [
        ("premium_total", o.premium_total),
        ("fee", o.fee),
        ("fee_tax", o.fee_tax),
        ("invoice_amount", o.invoice_amount),
        ("undeducted", o.undeducted),
        ("collected_fee", o.collected_fee),
        ("collected_fee_tax", o.collected_fee_tax),
        ("payable", o.payable),
    ]
}

/// The lines where the report differs from the recomputation: `{office, field, reported,
/// computed}` (with `employee_no` for a member's billed amount).
fn mismatches(report: &ResultReport, computed: &[OfficeResultRow], outcome: &Outcome) -> Vec<Value> {
    let mut lines = Vec::new();
    let reported: BTreeMap<&str, OfficeResultRow> = report
        .offices
        .iter()
        .map(|o| {
            (
                o.code.as_str(),
                OfficeResultRow {
                    office: o.code.clone(),
                    premium_total: o.premium_total,
                    fee: o.fee,
                    fee_tax: o.fee_tax,
                    invoice_amount: o.invoice_amount,
                    undeducted: o.undeducted,
                    collected_fee: o.collected_fee,
                    collected_fee_tax: o.collected_fee_tax,
                    payable: o.payable,
                },
            )
        })
        .collect();
    let computed_codes: HashSet<&str> = computed.iter().map(|o| o.office.as_str()).collect();
    for c in computed {
        match reported.get(c.office.as_str()) {
            Some(r) => {
                for ((field, rv), (_, cv)) in office_fields(r).into_iter().zip(office_fields(c)) {
                    if rv != cv {
                        lines.push(json!({"office": c.office, "field": field, "reported": rv, "computed": cv}));
                    }
                }
            }
            None => {
                for (field, cv) in office_fields(c) {
                    lines.push(json!({"office": c.office, "field": field, "reported": Value::Null, "computed": cv}));
                }
            }
        }
    }
    for (code, r) in &reported {
        if !computed_codes.contains(code) {
            for (field, rv) in office_fields(r) {
                lines.push(json!({"office": code, "field": field, "reported": rv, "computed": Value::Null}));
            }
        }
    }
    let billed: HashMap<(&str, &str), i64> = outcome
        .members
        .iter()
        .map(|m| ((m.employee_no.as_str(), m.office.as_str()), m.billed.to_i64()))
        .collect();
    for d in &report.deductions {
        if let Some(&cv) = billed.get(&(d.employee_no.as_str(), d.office.as_str())) {
            if cv != d.billed {
                lines.push(json!({
                    "office": d.office, "employee_no": d.employee_no, "field": "billed",
                    "reported": d.billed, "computed": cv
                }));
            }
        }
    }
    lines
}
