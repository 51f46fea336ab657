//! The result report (結果報告, `infoone.result-report/1`): every applied change, every deduction
//! result, office totals, individual bills and account-transfer switches.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_formats::package::{UndeductedHandling, UndeductedReason};
use infoone_formats::report as r;
use infoone_store::{Audit, MonthRow, MonthState, Store, Tx};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{find_month, frozen, outcome_doc, stamp, AppError, ErrorCode, MonthRef, Result};

#[derive(Clone, Debug, Serialize)]
pub struct ReportSummary {
    pub file: String,
    pub idempotency_key: String,
    pub changes: usize,
    pub deductions: usize,
    pub totals: r::ReportTotals,
}

fn reason(label: &str) -> UndeductedReason {
    match label {
        "休職" => UndeductedReason::Leave,
        "退職" => UndeductedReason::Retired,
        "給与不足" => UndeductedReason::InsufficientPay,
        _ => UndeductedReason::Other,
    }
}

fn kind(k: &str) -> Option<r::ChangeKind> {
    Some(match k {
        "join" => r::ChangeKind::Join,
        "withdrawal" => r::ChangeKind::Withdrawal,
        "retirement" => r::ChangeKind::Retirement,
        "transfer" => r::ChangeKind::Transfer,
        "plan_change" => r::ChangeKind::PlanChange,
        "update" | "status" => r::ChangeKind::Update,
        "hire" => r::ChangeKind::Hire,
        "bank_transfer_switch" => r::ChangeKind::BankTransferSwitch,
        _ => return None,
    })
}

/// A month's result report as bytes, with its idempotency key.
pub(crate) struct Built {
    pub bytes: Vec<u8>,
    pub idempotency_key: String,
    pub changes: usize,
    pub deductions: usize,
    pub totals: r::ReportTotals,
}

/// The idempotency key of a report: the month, its revision and package version, and a digest
/// of the report's content (everything but the key itself and `generated_on`). So the same
/// results give the same key (a retry is a replay), and changed results — deductions imported
/// again in the same revision — give another key, never mistaken for a replay of the first.
fn idempotency_key(row: &MonthRow, report: &r::ResultReport) -> String {
    let mut content = report.clone();
    content.idempotency_key = String::new();
    content.generated_on = String::new();
    let digest = Sha256::digest(r::write_report(&content));
    let key_source = format!(
        "{}|{}|{}|{}|{:x}",
        row.group_code, row.month, row.revision, row.package_version, digest
    );
    format!("{:x}", Sha256::digest(key_source.as_bytes()))
}

/// Build the report of a deducted month from what the store holds now (in `tx`).
pub(crate) fn build(tx: &Tx<'_>, row: &MonthRow, now: NaiveDateTime) -> Result<Built> {
    if row.state < MonthState::Deducted {
        return Err(AppError::wrong_state(format!(
            "{}は{}です。結果報告は控除結果を取り込んだ後に作成します",
            row.month,
            row.state.label()
        )));
    }
    let bill = frozen(tx, row)?.ok_or_else(|| AppError::wrong_state("確定済みの請求がありません"))?;
    let outcome = outcome_doc(tx, row)?.ok_or_else(|| AppError::wrong_state("控除結果がありません"))?;
    let changes: Vec<r::ReportChange> = tx
        .accepted_changes(row.id)?
        .iter()
        .filter_map(|c| {
            let details: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
            let effective_date = ["date", "applied_on"]
                .iter()
                .find_map(|k| details.get(*k).and_then(|v| v.as_str()))
                .unwrap_or(&row.month.first_day().to_string())
                .to_string();
            Some(r::ReportChange {
                id: c.id.to_string(),
                kind: kind(&c.kind)?,
                employee_no: c.employee_no.clone().unwrap_or_default(),
                enrollment: details
                    .get("enrollment")
                    .or_else(|| details.get("enrollment_id"))
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                effective_date,
                details,
            })
        })
        .collect();
    let offices: Vec<r::OfficeResult> = bill
        .offices
        .iter()
        .map(|o| {
            let c = outcome.offices.get(&o.code);
            r::OfficeResult {
                code: o.code.clone(),
                premium_total: o.totals.premium_total,
                fee: o.totals.fee,
                fee_tax: o.totals.fee_tax,
                invoice_amount: o.totals.invoice_amount,
                undeducted: c.map_or(0, |c| c.undeducted),
                collected_fee: c.map_or(o.totals.fee, |c| c.collected_fee),
                collected_fee_tax: c.map_or(o.totals.fee_tax, |c| c.collected_fee_tax),
                payable: c.map_or(o.totals.invoice_amount, |c| c.payable),
            }
        })
        .collect();
    let mut individual_bills = Vec::new();
    for i in &bill.individual_bills {
        for (k, kind) in [
            ("lump_sum", r::IndividualBillKind::LumpSum),
            ("undeducted", r::IndividualBillKind::Undeducted),
        ] {
            let lines: Vec<r::IndividualBillLine> = i
                .items
                .iter()
                .filter(|it| it.kind == k)
                .map(|it| r::IndividualBillLine {
                    enrollment: it.enrollment.clone(),
                    month: it.from_month.clone(),
                    amount: it.amount,
                })
                .collect();
            if !lines.is_empty() {
                individual_bills.push(r::IndividualBill {
                    employee_no: i.employee_no.clone(),
                    kind,
                    amount: lines.iter().map(|l| l.amount).sum(),
                    due_date: i.due_date.to_string(),
                    lines,
                });
            }
        }
    }
    let mut report = r::ResultReport {
        format: r::REPORT_FORMAT.to_string(),
        group: row.group_code.clone(),
        month: row.month.to_string(),
        package_version: row.package_version.clone(),
        idempotency_key: String::new(),
        generated_on: now.date().to_string(),
        deductions: outcome
            .members
            .iter()
            .map(|m| r::DeductionResult {
                employee_no: m.employee_no.clone(),
                office: m.office.clone(),
                billed: m.billed,
                deducted: m.deducted,
                undeducted: m.undeducted,
                reason: m.reason.as_deref().map(reason),
            })
            .collect(),
        totals: r::ReportTotals::sum(&offices),
        offices,
        individual_bills,
        account_transfers: bill
            .account_transfers
            .iter()
            .map(|a| r::AccountTransfer {
                employee_no: a.employee_no.clone(),
                enrollment: a.enrollment.clone(),
                month: a.month.clone(),
                amount: a.amount,
            })
            .collect(),
        undeducted: outcome
            .undeducted
            .iter()
            .map(|u| r::UndeductedLine {
                enrollment: u.enrollment.clone(),
                office: u.office.clone(),
                month: u.month.clone(),
                amount: u.amount,
                reason: reason(&u.reason),
                handling: if u.handling == "carry_over" {
                    UndeductedHandling::CarryOver
                } else {
                    UndeductedHandling::Individual
                },
            })
            .collect(),
        changes,
    };
    let idempotency_key = idempotency_key(row, &report);
    report.idempotency_key = idempotency_key.clone();
    let bytes = r::write_report(&report);
    Ok(Built {
        bytes,
        idempotency_key,
        changes: report.changes.len(),
        deductions: report.deductions.len(),
        totals: report.totals.clone(),
    })
}

/// Build the report of a deducted month and write it to `out` (`report write`).
pub fn write_report(store: &mut Store, at: &MonthRef, out: &Path, now: NaiveDateTime) -> Result<ReportSummary> {
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        let built = build(tx, &row, now)?;
        write_built(tx, &row, built, out, now)
    })
}

/// Write a built report to `out` and keep it as the month's report (audit `report.write`).
pub(crate) fn write_built(
    tx: &Tx<'_>,
    row: &MonthRow,
    built: Built,
    out: &Path,
    now: NaiveDateTime,
) -> Result<ReportSummary> {
    let Built {
        bytes,
        idempotency_key,
        changes,
        deductions,
        totals,
    } = built;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", dir.display())))?;
    }
    // Whole or not at all (formats::atomic); the report is stored in the same transaction,
    // committed after the file is in place.
    infoone_formats::atomic::write(out, &bytes)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: 書き込めません（{e}）", out.display())))?;
    let text = String::from_utf8_lossy(&bytes);
    tx.set_report(row.id, &text)?;
    tx.audit(&Audit {
        at: &stamp(now),
        group_code: Some(&row.group_code),
        month: Some(row.month),
        action: "report.write",
        after: Some(&idempotency_key),
        source: Some(&out.display().to_string()),
        ..Audit::default()
    })?;
    Ok(ReportSummary {
        file: out.display().to_string(),
        idempotency_key,
        changes,
        deductions,
        totals,
    })
}
