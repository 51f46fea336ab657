//! Member extract (加入者データ抽出) with participation rates, csv or xlsx.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_store::Store;

use super::ExportSummary;
use crate::{AppError, MonthRef, Result};

pub fn extract(_store: &mut Store, _at: &MonthRef, _out: &Path, _xlsx: bool, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("加入者データ抽出はまだ実装されていません（issue 3）"))
}
