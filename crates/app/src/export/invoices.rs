//! Office invoices (請求書), individual invoices (個別請求書), deduction results reports
//! (控除結果報告書) and reminders (督促状) as PDF.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_store::Store;

use super::ExportSummary;
use crate::{AppError, MonthRef, Result};

pub fn invoices(_store: &mut Store, _at: &MonthRef, _out: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("請求書PDFの出力はまだ実装されていません（issue 3）"))
}
