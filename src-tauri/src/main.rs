//! InfoOne desktop: the clerk's window over the month's session (`infoone_desk::Session`, held
//! in Tauri's managed state). The commands are in `commands.rs`; the screens in `ui/`
//! (Svelte + TypeScript, calling the generated `ui/src/bindings.ts`).
//!
//! `infoone-desktop --demo PACKAGE` starts a local insurer over real HTTPS with that package
//! (the README's main command), the group's token kept in memory.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use commands::Desk;
use infoone_desk::Session;
use tauri::{DragDropEvent, Emitter, Manager, WindowEvent};

/// Every command, for the invoke handler and for the TypeScript bindings.
fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    use commands::*;
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            overview,
            select_month,
            load_package,
            load_from_server,
            import_hr,
            import_roster,
            changes,
            preview,
            accept,
            reject,
            add_change,
            bill,
            bill_lines,
            bill_findings,
            bill_individual,
            confirm,
            reopen,
            members,
            member,
            warm,
            export_all,
            open_out_dir,
            open_output,
            import_deductions,
            reconciliation,
            export_reconciliation,
            import_bank_result,
            unpaid,
            reminders,
            submit,
            payments,
            save_server,
            choose_out_dir,
            audit,
            protection,
            restore_backup,
        ])
        // Yen amounts and ids are i64 in Rust; every one of them is far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (what the commands send), not a _Serialize and a
        // _Deserialize twin of each.
        .disable_serde_phases()
}

/// The TypeScript the window calls (checked in; a test fails when it drifts).
pub fn bindings() -> Result<String, String> {
    let dir = tempfile_dir();
    let file = dir.join("bindings.ts");
    specta_builder()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from the Rust types by src-tauri (bindings test). Do not edit.\n/* eslint-disable */",
            ),
            &file,
        )
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&file);
    Ok(text)
}

fn tempfile_dir() -> PathBuf {
    std::env::temp_dir().join(format!("infoone-bindings-{}", std::process::id()))
}

fn session(args: &[String]) -> Result<Session, infoone_app::AppError> {
    let db = infoone_app::default_db_path();
    let session = Session::open(&db)?;
    if let Some(i) = args.iter().position(|a| a == "--demo") {
        let package = args
            .get(i + 1)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("sample-data/bill-package.json"));
        let dir = db
            .parent()
            .map(|d| d.join("demo-insurer"))
            .unwrap_or_else(|| PathBuf::from("demo-insurer"));
        let cfg = session.start_demo(&dir, &package)?;
        eprintln!("デモ用の保険会社サーバー: {}（団体 {}）", cfg.url, cfg.group);
    }
    Ok(session)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let session = match session(&args) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("InfoOne を起動できませんでした: {}", e.message);
            std::process::exit(1);
        }
    };
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(Desk {
            session,
            dropped: Mutex::new(None),
        })
        .invoke_handler(builder.invoke_handler())
        .on_window_event(|window, event| {
            // A file dropped onto the window: kept for the screen that asked for one; the
            // webview learns only its name.
            if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
                if let (Some(path), Some(desk)) = (paths.first(), window.try_state::<Desk>()) {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if let Ok(mut d) = desk.dropped.lock() {
                        *d = Some(path.clone());
                    }
                    let _ = window.emit("file-dropped", name);
                }
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("InfoOne を起動できませんでした: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests;
