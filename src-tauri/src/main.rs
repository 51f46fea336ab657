//! InfoOne desktop: the clerk's window over the month-end use cases. Every command is a thin
//! wrapper over `infoone_app` (the one API surface the CLI, desktop and server share); the
//! screens live in `ui/` (Svelte + TypeScript).

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;

use infoone_app::infoone_store::Store;
use infoone_app::{AppError, MonthRef, MonthStatus};
use infoone_domain::month::YearMonth;

/// The month's state, revision and change counts (`infoone month status`). `db` overrides the
/// per-user database. Async so the store work runs off the UI thread.
#[tauri::command]
async fn month_status(month: String, db: Option<String>) -> Result<MonthStatus, AppError> {
    let month: YearMonth = month
        .parse()
        .map_err(|e: infoone_domain::month::BadMonth| AppError::bad_input(e.to_string()))?;
    let path = db
        .filter(|d| !d.trim().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(infoone_app::default_db_path);
    let mut store = Store::open(&path)?;
    infoone_app::status(&mut store, &MonthRef::new(month))
}

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![month_status])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("InfoOne を起動できませんでした: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoone_app::ErrorCode;

    fn run(month: &str, db: Option<String>) -> Result<MonthStatus, AppError> {
        tauri::async_runtime::block_on(month_status(month.to_string(), db))
    }

    #[test]
    fn a_bad_month_is_bad_input() {
        let e = run("2026/12", None).err().map(|e| e.code);
        assert_eq!(e, Some(ErrorCode::BadInput));
    }

    #[test]
    fn a_month_not_loaded_is_not_found() {
        let dir = tempfile::tempdir().ok();
        let db = dir.as_ref().map(|d| d.path().join("t.db").display().to_string());
        let e = run("2026-12", db).err().map(|e| e.code);
        assert_eq!(e, Some(ErrorCode::NotFound));
    }
}
