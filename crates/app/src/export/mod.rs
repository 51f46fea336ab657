//! Month-end outputs (issue 3): everything a clerk hands to others, generated from a confirmed
//! month — invoices (PDF), payroll media (電子媒体), the Zengin account-transfer request, the Excel
//! roster and the member extract. Each output has its own module; all read the month through
//! [`MonthData`], so they see exactly what was confirmed.

mod extract;
mod invoices;
mod media;
mod recon;
mod roster;
mod zengin;

use std::path::{Path, PathBuf};

use infoone_domain::ledger::Ledger;
use infoone_formats::bill_doc::BillDoc;
use infoone_formats::package::BillPackage;
use infoone_store::{MonthRow, MonthState, Store, Tx};
use serde::Serialize;

pub use extract::extract;
pub use invoices::invoices;
pub(crate) use invoices::{context as invoice_context, safe as file_safe};
pub use media::{media, MediaOptions};
pub use recon::reconciliation_xlsx;
pub use roster::{export_roster, import_roster};
pub use zengin::{import_zengin_result, zengin, ResultItem, ZenginOutcome, NOBODY_TO_DEBIT};

use crate::{current_ledger, find_month, frozen, outcome_doc, AppError, ErrorCode, MonthRef, OutcomeDoc, Result};

/// A confirmed month as the outputs read it.
pub struct MonthData {
    pub row: MonthRow,
    pub package: std::sync::Arc<BillPackage>,
    /// The ledger with the accepted changes applied (names, offices, enrollments).
    pub ledger: Ledger,
    /// The bill as confirmed (frozen).
    pub bill: std::sync::Arc<BillDoc>,
    /// The deduction outcome, from `deducted` on.
    pub outcome: Option<OutcomeDoc>,
}

pub(crate) fn month_data_in(tx: &Tx<'_>, at: &MonthRef) -> Result<MonthData> {
    let row = find_month(tx, at)?;
    if row.state < MonthState::Confirmed {
        return Err(AppError::wrong_state(format!(
            "{}は{}です。請求書・電子媒体などは請求確定後に作成します。先に請求を確定してください",
            row.month,
            row.state.label()
        )));
    }
    let bill = frozen(tx, &row)?.ok_or_else(|| AppError::wrong_state("確定済みの請求がありません"))?;
    let outcome = outcome_doc(tx, &row)?;
    let (package, ledger) = current_ledger(tx, &row)?;
    Ok(MonthData {
        row,
        package,
        ledger,
        bill,
        outcome,
    })
}

/// Read a confirmed month for the outputs.
pub fn month_data(store: &mut Store, at: &MonthRef) -> Result<MonthData> {
    store.read(|tx| month_data_in(tx, at))
}

/// What an export wrote.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportSummary {
    pub kind: String,
    pub files: Vec<String>,
    /// Records written (invoices, rows, transfer records …).
    pub records: usize,
    /// Notes for the clerk (e.g. members set aside, normalised characters).
    pub notes: Vec<String>,
}

/// Create `dir` and return `dir/name`.
pub(crate) fn out_file(dir: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", dir.display())))?;
    Ok(dir.join(name))
}

/// Write bytes to a file whole or not at all (a temporary name, synced, renamed:
/// `formats::atomic`), with a clerk-readable error.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    infoone_formats::atomic::write(path, bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("{}: 書き込めません（{e}）", path.display()),
        )
    })
}

/// `f` over `items` on every core, the results in the items' order; a thread that panicked is an
/// internal error naming `what` was being done.
pub(crate) fn on_every_core<T: Sync, R: Send>(items: &[T], what: &str, f: impl Fn(&T) -> R + Sync) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            let part = h
                .join()
                .map_err(|_| AppError::new(ErrorCode::Internal, format!("{what}の途中でスレッドが異常終了しました")))?;
            out.extend(part);
        }
        Ok(out)
    })
}
