//! The month's bill summary: what the dashboard shows (totals, findings, due date, offices).
//!
//! On a 300,000-member group the bill behind it takes seconds: the 750 MB package parsed, the
//! ledger replayed, the bill computed. So the summary is kept in the database beside the month
//! (encrypted with it; migration 0006) under a key that hashes everything it was computed from:
//! the ledger's key (database, package and load time, accepted changes, earlier confirmed months),
//! the state and revision, and the deduction outcome. A window opened the next morning shows the
//! month at once; any change to what the bill depends on changes the key, and the summary is
//! computed again. It is a cache, never the record: nothing reads it but the dashboard, and a
//! summary that cannot be kept costs the next start its speed, nothing else.

use infoone_formats::bill_doc::{BillDoc, FindingDoc, TotalsDoc};
use infoone_store::{MonthRow, Store, Tx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{bill_in, find_month, ledger_key, AppError, ErrorCode, MonthRef, Result};

/// Bumped when the summary's shape or meaning changes, so older cached summaries are not used.
const VERSION: &str = "summary-1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BillSummary {
    pub state: String,
    pub revision: i64,
    pub due_date: String,
    pub offices: u32,
    pub totals: TotalsDoc,
    pub findings: Vec<FindingDoc>,
}

impl BillSummary {
    pub fn of(doc: &BillDoc) -> BillSummary {
        BillSummary {
            state: doc.state.clone(),
            revision: doc.revision,
            due_date: doc.due_date.to_string(),
            offices: u32::try_from(doc.offices.len()).unwrap_or(u32::MAX),
            totals: doc.totals.clone(),
            findings: doc.findings.clone(),
        }
    }
}

fn summary_key(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<Vec<u8>>> {
    let Some(ledger) = ledger_key(tx, row)? else {
        return Ok(None);
    };
    let mut h = Sha256::new();
    h.update(VERSION);
    h.update(ledger);
    h.update(format!("\0{}\0{}\0", row.state.code(), row.revision));
    if let Some(outcome) = tx.deductions(row.id)? {
        h.update(outcome.as_bytes());
    }
    Ok(Some(h.finalize().to_vec()))
}

/// The month's bill summary: kept from the last computation when nothing it depends on changed,
/// else computed (and kept).
pub fn bill_summary(store: &mut Store, at: &MonthRef) -> Result<BillSummary> {
    let (row, key, summary, fresh) = store.read(|tx| -> Result<_> {
        let row = find_month(tx, at)?;
        let key = summary_key(tx, &row)?;
        if let Some(key) = &key {
            let kept = tx.month_summary(row.id)?.filter(|(k, _)| k == key);
            if let Some(s) = kept.and_then(|(_, body)| serde_json::from_str::<BillSummary>(&body).ok()) {
                return Ok((row, None, s, false));
            }
        }
        let summary = BillSummary::of(&bill_in(tx, &row)?);
        Ok((row, key, summary, true))
    })?;
    if let (true, Some(key), Ok(body)) = (fresh, key, serde_json::to_string(&summary)) {
        if let Err(e) = store.transaction(|tx| -> Result<()> { Ok(tx.put_month_summary(row.id, &key, &body)?) }) {
            eprintln!("請求の要約を保存できませんでした（次回の起動が遅くなるだけです）: {e}");
        }
    }
    Ok(summary)
}

/// Make the month's summary and keep it, inside `tx` (the load does it while the package it has
/// just parsed is in memory).
pub(crate) fn keep_in(tx: &Tx<'_>, row: &MonthRow) -> Result<()> {
    if let Some(key) = summary_key(tx, row)? {
        let summary = BillSummary::of(&bill_in(tx, row)?);
        let body = serde_json::to_string(&summary).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        tx.put_month_summary(row.id, &key, &body)?;
    }
    Ok(())
}
