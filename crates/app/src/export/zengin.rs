//! Zengin account-transfer request (口座振替依頼データ) and reading the bank's result file.
//!
//! The request (`zengin_<group>_<YYYY-MM>.txt`) holds one record per person and month of the
//! confirmed bill's account transfers (see `infoone_formats::zengin`). The bank's result file is
//! checked (trailer against records, our 委託者コード, each 顧客番号 against the request of that
//! month). Failed debits (振替不能) go to the unpaid list (未入金一覧, `store::unpaid`), due on the
//! debit date; the whole outcome is also written as `zengin-result_<group>_<YYYY-MM>.json` next to
//! the imported file, and the import is in the audit log.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use infoone_formats::zengin::{self, ResultCode};
use infoone_store::unpaid::NewUnpaid;
use infoone_store::{Audit, Store};
use serde::Serialize;

use super::{month_data, month_data_in, out_file, write_file, ExportSummary, MonthData};
use crate::{AppError, ErrorCode, MonthRef, Result};

fn plan(d: &MonthData) -> Result<zengin::Plan> {
    zengin::plan(&d.package, &d.ledger, d.row.month, &d.bill.account_transfers)
        .map_err(|e| AppError::refused(format!("口座振替依頼データを作れません: {}", e.0)))
}

/// The note of a month with nobody on account transfer: there is nothing to debit, so no file
/// (and no collection contract is needed).
pub const NOBODY_TO_DEBIT: &str = "口座振替の対象者がいないため全銀ファイルは作成しません";

pub fn zengin(store: &mut Store, at: &MonthRef, out: &Path, now: NaiveDateTime) -> Result<ExportSummary> {
    let d = month_data(store, at)?;
    if d.bill.account_transfers.is_empty() {
        let (row, ledger) = (d.row, d.ledger);
        store.read(|tx| crate::keep_ledger(tx, &row, ledger))?;
        return Ok(ExportSummary {
            kind: "zengin".into(),
            files: Vec::new(),
            records: 0,
            notes: vec![NOBODY_TO_DEBIT.to_string()],
        });
    }
    let plan = plan(&d);
    // The ledger back to the process's cache for the next step (month-end, the desktop).
    let collection = d.package.group.collection_account.clone();
    let (row, ledger) = (d.row, d.ledger);
    store.read(|tx| crate::keep_ledger(tx, &row, ledger))?;
    let plan = plan?;
    let mut notes = Vec::new();
    let debit = plan.header.debit_date;
    if let Some(ca) = &collection {
        let nominal = zengin::nominal_debit_date(row.month, ca.debit_day);
        if nominal != debit {
            notes.push(format!("引落日: {nominal}は銀行の休業日のため{debit}にしました"));
        } else {
            notes.push(format!("引落日: {debit}"));
        }
    }
    if debit < now.date() {
        notes.push(format!(
            "引落日{debit}はもう過ぎています。銀行と引落日を確かめてください"
        ));
    }
    for s in &plan.set_aside {
        notes.push(format!(
            "社員番号{} {}分 {}円を依頼に入れていません: {}",
            s.employee_no, s.month, s.amount, s.reason
        ));
    }
    notes.extend(plan.notes.iter().cloned());
    if plan.records.is_empty() {
        notes.push("口座振替を依頼する人はいません（ファイルは作っていません）".to_string());
        return Ok(ExportSummary {
            kind: "zengin".into(),
            files: Vec::new(),
            records: 0,
            notes,
        });
    }
    let bytes = zengin::write_request(&plan.header, &plan.records);
    let path = out_file(out, &format!("zengin_{}_{}.txt", row.group_code, row.month))?;
    write_file(&path, &bytes)?;
    let total: i64 = plan.records.iter().map(|r| r.amount).sum();
    notes.push(format!("{}件 {}円（引落日 {}）", plan.records.len(), total, debit));
    Ok(ExportSummary {
        kind: "zengin".into(),
        files: vec![path.display().to_string()],
        records: plan.records.len(),
        notes,
    })
}

/// One record of the result, as kept in the JSON file.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResultItem {
    /// 1-based record number in the bank's file.
    pub record: usize,
    pub customer_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    pub amount: i64,
    pub code: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrollments: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The outcome of one result file (`zengin-result_<group>_<YYYY-MM>.json`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ZenginOutcome {
    pub format: &'static str,
    pub group: String,
    pub month: String,
    pub file: String,
    pub imported_at: String,
    pub debit_mmdd: String,
    pub debited: Vec<ResultItem>,
    /// 振替不能: to the unpaid list (未入金一覧).
    pub unpaid: Vec<ResultItem>,
    /// Held for the clerk: unknown code, a 顧客番号 not in the request, an amount that differs.
    pub on_hold: Vec<ResultItem>,
    /// Requested but absent from the result file.
    pub missing: Vec<String>,
}

pub fn import_zengin_result(
    store: &mut Store,
    at: &MonthRef,
    file: &Path,
    now: NaiveDateTime,
) -> Result<ExportSummary> {
    let name = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    crate::check_input_size(file, infoone_formats::limits::MAX_TEXT_BYTES)?;
    let bytes =
        std::fs::read(file).map_err(|e| AppError::bad_input(format!("{}: 読み込めません（{e}）", file.display())))?;
    let result = zengin::read_result(&name, &bytes)?;
    let stamp = now.format("%Y-%m-%dT%H:%M:%S").to_string();
    store.transaction(|tx| {
        let d = month_data_in(tx, at)?;
        let plan = plan(&d)?;
        if result.consignor_code != plan.header.consignor_code {
            return Err(AppError::bad_input(format!(
                "{name} 1行目 「委託者コード」列: 値「{}」— この団体の委託者コードは{}です（別の団体・別の契約の結果ファイルです）",
                result.consignor_code, plan.header.consignor_code
            )));
        }
        let mut requested: BTreeMap<&str, &zengin::Planned> =
            plan.records.iter().map(|r| (r.customer_no.as_str(), r)).collect();
        let mut outcome = ZenginOutcome {
            format: "infoone.zengin-result/1",
            group: d.row.group_code.clone(),
            month: d.row.month.to_string(),
            file: name.clone(),
            imported_at: stamp.clone(),
            debit_mmdd: result.debit_mmdd.clone(),
            debited: Vec::new(),
            unpaid: Vec::new(),
            on_hold: Vec::new(),
            missing: Vec::new(),
        };
        let mut seen = BTreeMap::new();
        for r in &result.records {
            let mut item = ResultItem {
                record: r.record_no,
                customer_no: r.customer_no.clone(),
                employee_no: None,
                month: None,
                amount: r.amount,
                code: r.code.code(),
                label: r.code.label().to_string(),
                enrollments: None,
                message: None,
            };
            let hold = |mut item: ResultItem, message: String, out: &mut ZenginOutcome| {
                item.message = Some(message);
                out.on_hold.push(item);
            };
            if let Some(first) = seen.insert(r.customer_no.clone(), r.record_no) {
                hold(item, format!("顧客番号{}は{first}行目にもあります（二重の結果）", r.customer_no), &mut outcome);
                continue;
            }
            let Some(p) = requested.remove(r.customer_no.as_str()) else {
                let what = match zengin::parse_customer_no(&r.customer_no) {
                    Some((m, _)) => format!("{m}分の依頼"),
                    None => "依頼".to_string(),
                };
                hold(item, format!("顧客番号{}はこの月の{what}にありません（預金者名 {}）", r.customer_no, r.holder), &mut outcome);
                continue;
            };
            item.employee_no = Some(p.employee_no.clone());
            item.month = Some(p.month.to_string());
            item.enrollments = Some(p.enrollments.clone());
            if r.amount != p.amount {
                hold(item, format!("引落金額{}円が依頼した{}円と違います", r.amount, p.amount), &mut outcome);
                continue;
            }
            match r.code {
                ResultCode::Debited => outcome.debited.push(item),
                ResultCode::Unknown(_) => hold(
                    item,
                    format!(
                        "振替結果コード「{}」は全銀協の定める 0・1・2・3・4・8・9 のどれでもありません。銀行に確かめてください",
                        r.code.code()
                    ),
                    &mut outcome,
                ),
                _ => outcome.unpaid.push(item),
            }
        }
        outcome.missing = requested
            .values()
            .map(|p| format!("社員番号{} {}分 {}円（顧客番号{}）", p.employee_no, p.month, p.amount, p.customer_no))
            .collect();

        // 振替不能 to the unpaid list (未入金一覧), due on the debit date; importing the same file
        // again gives the same list.
        let debit = plan.header.debit_date.to_string();
        let rows: Vec<NewUnpaid> = outcome
            .unpaid
            .iter()
            .filter_map(|u| {
                let no = u.employee_no.clone()?;
                let m = d.ledger.members.get(&no);
                Some(NewUnpaid {
                    party: "person",
                    name: m.map(|m| m.name.clone()).unwrap_or_default(),
                    office: m.map(|m| m.office_in(d.row.month).to_string()).unwrap_or_default(),
                    code: no,
                    amount: u.amount,
                    due_date: debit.clone(),
                    reason: format!("{} {}", u.code, u.label),
                    reference: u.customer_no.clone(),
                })
            })
            .collect();
        let listed = tx.replace_unpaid(&d.row.group_code, d.row.month, "account_transfer", &rows, &name, &stamp)?;
        let json = serde_json::to_vec_pretty(&outcome).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = out_file(dir, &format!("zengin-result_{}_{}.json", d.row.group_code, d.row.month))?;
        let detail_row = d.row.clone();
        crate::keep_ledger(tx, &detail_row, d.ledger)?;
        let detail = format!(
            "振替済{}件・振替不能{}件・保留{}件・結果なし{}件（未入金一覧: 追加{}件・更新{}件・削除{}件）",
            outcome.debited.len(),
            outcome.unpaid.len(),
            outcome.on_hold.len(),
            outcome.missing.len(),
            listed.added,
            listed.updated,
            listed.removed
        );
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&d.row.group_code),
            month: Some(d.row.month),
            action: "zengin.result",
            source: Some(&name),
            detail: Some(&detail),
            ..Audit::default()
        })?;
        write_file(&path, &json)?;

        let mut notes = vec![detail];
        for u in &outcome.unpaid {
            notes.push(format!(
                "振替不能 社員番号{} {}分 {}円: {} {} → 未入金",
                u.employee_no.as_deref().unwrap_or(""),
                u.month.as_deref().unwrap_or(""),
                u.amount,
                u.code,
                u.label
            ));
        }
        for h in &outcome.on_hold {
            notes.push(format!("保留 {}行目 顧客番号{}: {}", h.record, h.customer_no, h.message.as_deref().unwrap_or("")));
        }
        for m in &outcome.missing {
            notes.push(format!("結果がありません: {m}"));
        }
        Ok(ExportSummary {
            kind: "zengin_result".into(),
            files: vec![path.display().to_string()],
            records: result.records.len(),
            notes,
        })
    })
}
