//! Payroll deduction data (電子媒体): csv (cp932 + CRLF, or UTF-8 with BOM) and xlsx.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_store::Store;

use super::ExportSummary;
use crate::{AppError, MonthRef, Result};

/// How to write the media.
#[derive(Clone, Debug, Default)]
pub struct MediaOptions {
    /// UTF-8 with BOM instead of cp932.
    pub utf8: bool,
    /// Also write xlsx.
    pub xlsx: bool,
}

pub fn media(_store: &mut Store, _at: &MonthRef, _out: &Path, _opts: &MediaOptions, _now: NaiveDateTime) -> Result<ExportSummary> {
    Err(AppError::refused("電子媒体の出力はまだ実装されていません（issue 3）"))
}
