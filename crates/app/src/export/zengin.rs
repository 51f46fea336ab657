//! Zengin account-transfer request (口座振替依頼データ) and reading the bank's result file.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_store::Store;

use super::ExportSummary;
use crate::{AppError, MonthRef, Result};

pub fn zengin(_store: &mut Store, _at: &MonthRef, _out: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("全銀口座振替データの出力はまだ実装されていません（issue 3）"))
}

pub fn import_zengin_result(_store: &mut Store, _at: &MonthRef, _file: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("振替結果の取込はまだ実装されていません（issue 3）"))
}
