//! The Excel roster (加入者名簿): export members with enrollments; import a roster back as
//! proposed changes.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_store::Store;

use super::ExportSummary;
use crate::{AppError, MonthRef, Result};

pub fn export_roster(_store: &mut Store, _at: &MonthRef, _out: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("名簿の出力はまだ実装されていません（issue 3）"))
}

pub fn import_roster(_store: &mut Store, _at: &MonthRef, _file: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("名簿の取込はまだ実装されていません（issue 3）"))
}
