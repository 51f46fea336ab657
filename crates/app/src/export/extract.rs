//! Member extract (加入者データ抽出) with participation rates (加入率), csv or xlsx
//! (docs/OUTPUTS.md "Member extract").
//!
//! Reads the month's current ledger in any state (the premiums are those of the billing month
//! computed from it; once the month is confirmed nothing can change it any more).
//! - csv: `extract-GROUP-YYYY-MM.csv` and `participation-GROUP-YYYY-MM.csv`, UTF-8 with BOM, CRLF.
//! - xlsx: `extract-GROUP-YYYY-MM.xlsx` with the sheets 加入者データ and 加入率.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use infoone_formats::atomic::AtomicFile;
use infoone_formats::extract as x;
use infoone_store::Store;

use super::{out_file, ExportSummary};
use crate::{current_ledger, find_month, AppError, ErrorCode, MonthRef, Result};

fn cannot_write(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("{}: 書き込めません（{e}）", path.display()),
    )
}

/// Written under a temporary name and renamed once complete (`formats::atomic`).
fn write_csv(path: &Path, write: impl FnOnce(&mut BufWriter<AtomicFile>) -> std::io::Result<usize>) -> Result<usize> {
    let file = AtomicFile::create(path).map_err(|e| cannot_write(path, e))?;
    let mut w = BufWriter::new(file);
    let n = write(&mut w).map_err(|e| cannot_write(path, e))?;
    w.into_inner()
        .map_err(|e| cannot_write(path, e.into_error()))?
        .commit()
        .map_err(|e| cannot_write(path, e))?;
    Ok(n)
}

pub fn extract(store: &mut Store, at: &MonthRef, out: &Path, xlsx: bool, _now: NaiveDateTime) -> Result<ExportSummary> {
    let (row, ledger) = store.read(|tx| {
        let row = find_month(tx, at)?;
        let (_, ledger) = current_ledger(tx, &row)?;
        Ok::<_, AppError>((row, ledger))
    })?;
    let stem = format!("{}-{}", row.group_code, row.month);
    let (files, records): (Vec<PathBuf>, usize) = if xlsx {
        let path = out_file(out, &format!("extract-{stem}.xlsx"))?;
        let n = x::write_extract_xlsx(&ledger, &path).map_err(|e| cannot_write(&path, e))?;
        (vec![path], n)
    } else {
        let path = out_file(out, &format!("extract-{stem}.csv"))?;
        let n = write_csv(&path, |w| x::write_extract_csv(&ledger, w))?;
        let rates = out_file(out, &format!("participation-{stem}.csv"))?;
        write_csv(&rates, |w| x::write_participation_csv(&ledger, w))?;
        (vec![path, rates], n)
    };
    Ok(ExportSummary {
        kind: "extract".into(),
        files: files.iter().map(|p| p.display().to_string()).collect(),
        records,
        notes: Vec::new(),
    })
}
