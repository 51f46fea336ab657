//! The window's commands: each one calls one method of the session (`infoone_desk::Session`) off
//! the UI thread and holds no rule. Files come from a native dialog opened here or from a drop
//! onto the window ([`Source`]); the webview never names a path.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use infoone_app::backup::RestoreSummary;
use infoone_app::browse::{AuditView, MemberDetail, Preview};
use infoone_app::export::ExportSummary;
use infoone_app::submit::ServerConfig;
use infoone_app::unpaid::UnpaidItem;
use infoone_app::{AppError, DecisionSummary, DeductionSummary, ErrorCode, HrImport, LoadSummary, ManualChange};
use infoone_desk::{
    BillView, ChangeItem, ChangeList, ChangeQuery, LinePage, MemberPage, MemberQuery, Overview, Progress, Protection,
    ReconPage, ReconQuery, Session, SubmitView,
};
use infoone_formats::bill_doc::{FindingDoc, IndividualDoc};
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;

type Res<T> = Result<T, AppError>;

/// A long step's progress to the window (a closed window drops them).
fn sender(channel: &Channel<Progress>) -> impl Fn(Progress) + '_ {
    move |p| {
        let _ = channel.send(p);
    }
}

/// The session and the last file dropped onto the window.
pub struct Desk {
    pub session: Arc<Session>,
    pub dropped: Mutex<Option<PathBuf>>,
}

/// Where a file comes from: the native open dialog, or the last file dropped onto the window.
#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Dialog,
    Dropped,
}

/// What a file is for: the dialog's title and filter.
#[derive(Clone, Copy)]
enum Kind {
    Package,
    Hr,
    Roster,
    Deductions,
    BankResult,
    Ca,
}

fn dialog_of(kind: Kind) -> (&'static str, &'static str, &'static [&'static str]) {
    match kind {
        Kind::Package => ("請求パッケージを開く", "請求パッケージ (JSON)", &["json"]),
        Kind::Hr => ("人事データを開く", "人事データ (Excel / CSV)", &["xlsx", "csv", "txt"]),
        Kind::Roster => ("名簿を開く", "名簿 (Excel)", &["xlsx"]),
        Kind::Deductions => ("控除結果を開く", "控除結果 (CSV / Excel)", &["csv", "xlsx", "txt"]),
        Kind::BankResult => ("振替結果を開く", "全銀 振替結果", &["txt", "dat", "csv"]),
        Kind::Ca => ("CA証明書を開く", "PEM", &["pem", "crt"]),
    }
}

/// The file the clerk chose; `None` when the dialog was cancelled (nothing happens then).
fn file(app: &AppHandle, desk: &Desk, source: Source, kind: Kind) -> Res<Option<PathBuf>> {
    if let Source::Dropped = source {
        return Ok(desk.dropped.lock().map_err(|_| internal("drop"))?.take());
    }
    let (title, filter, exts) = dialog_of(kind);
    let picked = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter(filter, exts)
        .blocking_pick_file();
    picked
        .map(|p| p.into_path().map_err(|e| AppError::bad_input(e.to_string())))
        .transpose()
}

fn internal(what: &str) -> AppError {
    AppError::new(ErrorCode::Internal, format!("内部エラー: {what}"))
}

/// Run `f` on a blocking thread: the UI thread never waits for the database or the network.
async fn run<T: Send + 'static>(
    desk: &State<'_, Desk>,
    app: &AppHandle,
    f: impl FnOnce(&Session, &AppHandle, &Desk) -> Res<T> + Send + 'static,
) -> Res<T> {
    let (session, app) = (Arc::clone(&desk.session), app.clone());
    tauri::async_runtime::spawn_blocking(move || {
        let desk = app.state::<Desk>();
        f(&session, &app, &desk)
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
}

#[tauri::command]
#[specta::specta]
pub async fn overview(desk: State<'_, Desk>, app: AppHandle) -> Res<Overview> {
    run(&desk, &app, |s, _, _| s.overview()).await
}

#[tauri::command]
#[specta::specta]
pub async fn select_month(desk: State<'_, Desk>, app: AppHandle, group: String, month: String) -> Res<()> {
    run(&desk, &app, move |s, _, _| s.select(&group, &month)).await
}

#[tauri::command]
#[specta::specta]
pub async fn load_package(desk: State<'_, Desk>, app: AppHandle, source: Source) -> Res<Option<LoadSummary>> {
    run(&desk, &app, move |s, app, d| {
        file(app, d, source, Kind::Package)?
            .map(|f| s.load_file(&f))
            .transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn load_from_server(desk: State<'_, Desk>, app: AppHandle, month: String) -> Res<LoadSummary> {
    run(&desk, &app, move |s, _, _| s.load_from_server(&month)).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_hr(
    desk: State<'_, Desk>,
    app: AppHandle,
    source: Source,
    on_progress: Channel<Progress>,
) -> Res<Option<HrImport>> {
    run(&desk, &app, move |s, app, d| {
        file(app, d, source, Kind::Hr)?
            .map(|f| s.import_hr(&f, &sender(&on_progress)))
            .transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn import_roster(desk: State<'_, Desk>, app: AppHandle, source: Source) -> Res<Option<ExportSummary>> {
    run(&desk, &app, move |s, app, d| {
        file(app, d, source, Kind::Roster)?
            .map(|f| s.import_roster(&f))
            .transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn changes(desk: State<'_, Desk>, app: AppHandle, query: ChangeQuery) -> Res<ChangeList> {
    run(&desk, &app, move |s, _, _| s.changes(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn preview(desk: State<'_, Desk>, app: AppHandle, ids: Vec<i64>) -> Res<Preview> {
    run(&desk, &app, move |s, _, _| s.preview(&ids)).await
}

#[tauri::command]
#[specta::specta]
pub async fn accept(
    desk: State<'_, Desk>,
    app: AppHandle,
    ids: Option<Vec<i64>>,
    on_progress: Channel<Progress>,
) -> Res<DecisionSummary> {
    run(&desk, &app, move |s, _, _| s.accept(ids, &sender(&on_progress))).await
}

#[tauri::command]
#[specta::specta]
pub async fn reject(desk: State<'_, Desk>, app: AppHandle, ids: Vec<i64>) -> Res<DecisionSummary> {
    run(&desk, &app, move |s, _, _| s.reject(ids)).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_change(
    desk: State<'_, Desk>,
    app: AppHandle,
    change: ManualChange,
    propose_only: bool,
) -> Res<ChangeItem> {
    run(&desk, &app, move |s, _, _| s.add_change(&change, propose_only)).await
}

#[tauri::command]
#[specta::specta]
pub async fn bill(desk: State<'_, Desk>, app: AppHandle) -> Res<BillView> {
    run(&desk, &app, |s, _, _| s.bill()).await
}

/// More of the bill's findings, errors first.
#[tauri::command]
#[specta::specta]
pub async fn bill_findings(desk: State<'_, Desk>, app: AppHandle, offset: u32, limit: u32) -> Res<Vec<FindingDoc>> {
    run(&desk, &app, move |s, _, _| s.bill_findings(offset, limit)).await
}

/// More of the bill's individual bills.
#[tauri::command]
#[specta::specta]
pub async fn bill_individual(
    desk: State<'_, Desk>,
    app: AppHandle,
    offset: u32,
    limit: u32,
) -> Res<Vec<IndividualDoc>> {
    run(&desk, &app, move |s, _, _| s.bill_individual(offset, limit)).await
}

/// A page of one office's bill lines.
#[tauri::command]
#[specta::specta]
pub async fn bill_lines(
    desk: State<'_, Desk>,
    app: AppHandle,
    office: String,
    offset: u32,
    limit: u32,
) -> Res<LinePage> {
    run(&desk, &app, move |s, _, _| s.bill_lines(&office, offset, limit)).await
}

#[tauri::command]
#[specta::specta]
pub async fn confirm(desk: State<'_, Desk>, app: AppHandle, on_progress: Channel<Progress>) -> Res<BillView> {
    run(&desk, &app, move |s, _, _| s.confirm(&sender(&on_progress))).await
}

#[tauri::command]
#[specta::specta]
pub async fn reopen(desk: State<'_, Desk>, app: AppHandle, reason: String) -> Res<()> {
    run(&desk, &app, move |s, _, _| s.reopen(&reason)).await
}

#[tauri::command]
#[specta::specta]
pub async fn members(desk: State<'_, Desk>, app: AppHandle, query: MemberQuery) -> Res<MemberPage> {
    run(&desk, &app, move |s, _, _| s.members(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn warm(desk: State<'_, Desk>, app: AppHandle) -> Res<()> {
    run(&desk, &app, |s, _, _| s.warm()).await
}

#[tauri::command]
#[specta::specta]
pub async fn member(desk: State<'_, Desk>, app: AppHandle, employee_no: String) -> Res<MemberDetail> {
    run(&desk, &app, move |s, _, _| s.member(&employee_no)).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_all(
    desk: State<'_, Desk>,
    app: AppHandle,
    on_progress: Channel<Progress>,
) -> Res<Vec<ExportSummary>> {
    run(&desk, &app, move |s, _, _| s.export_all(&sender(&on_progress))).await
}

/// Open this month's output folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_out_dir(desk: State<'_, Desk>, app: AppHandle) -> Res<String> {
    run(&desk, &app, |s, app, _| {
        let dir = s.month_dir()?;
        use tauri_plugin_opener::OpenerExt;
        app.opener()
            .open_path(dir.display().to_string(), None::<&str>)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", dir.display())))?;
        Ok(dir.display().to_string())
    })
    .await
}

/// Open one of this month's outputs (a PDF to preview, a workbook) in the system's viewer; the
/// session refuses any file outside the month's output folder.
#[tauri::command]
#[specta::specta]
pub async fn open_output(desk: State<'_, Desk>, app: AppHandle, file: String) -> Res<String> {
    run(&desk, &app, move |s, app, _| {
        let path = s.output_file(&file)?;
        use tauri_plugin_opener::OpenerExt;
        app.opener()
            .open_path(path.display().to_string(), None::<&str>)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display())))?;
        Ok(path.display().to_string())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn import_deductions(
    desk: State<'_, Desk>,
    app: AppHandle,
    source: Source,
    full: bool,
    on_progress: Channel<Progress>,
) -> Res<Option<DeductionSummary>> {
    run(&desk, &app, move |s, app, d| {
        file(app, d, source, Kind::Deductions)?
            .map(|f| s.import_deductions(&f, full, &sender(&on_progress)))
            .transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn reconciliation(desk: State<'_, Desk>, app: AppHandle, query: ReconQuery) -> Res<ReconPage> {
    run(&desk, &app, move |s, _, _| s.reconciliation(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_reconciliation(desk: State<'_, Desk>, app: AppHandle) -> Res<ExportSummary> {
    run(&desk, &app, |s, _, _| s.export_reconciliation()).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_bank_result(desk: State<'_, Desk>, app: AppHandle, source: Source) -> Res<Option<ExportSummary>> {
    run(&desk, &app, move |s, app, d| {
        file(app, d, source, Kind::BankResult)?
            .map(|f| s.import_bank_result(&f))
            .transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn unpaid(desk: State<'_, Desk>, app: AppHandle, all: bool) -> Res<Vec<UnpaidItem>> {
    run(&desk, &app, move |s, _, _| s.unpaid(all)).await
}

#[tauri::command]
#[specta::specta]
pub async fn reminders(desk: State<'_, Desk>, app: AppHandle) -> Res<ExportSummary> {
    run(&desk, &app, |s, _, _| s.reminders()).await
}

#[tauri::command]
#[specta::specta]
pub async fn submit(desk: State<'_, Desk>, app: AppHandle, on_progress: Channel<Progress>) -> Res<SubmitView> {
    run(&desk, &app, move |s, _, _| s.submit(&sender(&on_progress))).await
}

#[tauri::command]
#[specta::specta]
pub async fn payments(desk: State<'_, Desk>, app: AppHandle) -> Res<serde_json::Value> {
    run(&desk, &app, |s, _, _| s.payments()).await
}

/// Save the insurer's URL and group, the token into the OS keyring; `pick_ca` opens a dialog
/// for a private CA's certificate.
#[tauri::command]
#[specta::specta]
pub async fn save_server(
    desk: State<'_, Desk>,
    app: AppHandle,
    url: String,
    group: String,
    token: String,
    pick_ca: bool,
) -> Res<ServerConfig> {
    run(&desk, &app, move |s, app, d| {
        let ca = if pick_ca {
            file(app, d, Source::Dialog, Kind::Ca)?
        } else {
            None
        };
        s.save_server(&url, &group, &token, ca.as_deref())
    })
    .await
}

/// Choose the output folder in the native folder dialog; `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_out_dir(desk: State<'_, Desk>, app: AppHandle) -> Res<Option<String>> {
    run(&desk, &app, |s, app, _| {
        let picked = app.dialog().file().set_title("出力先のフォルダ").blocking_pick_folder();
        let dir = picked
            .map(|p| p.into_path().map_err(|e| AppError::bad_input(e.to_string())))
            .transpose()?;
        dir.map(|d| s.set_out_dir(&d)).transpose()
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn audit(desk: State<'_, Desk>, app: AppHandle, limit: i64) -> Res<Vec<AuditView>> {
    run(&desk, &app, move |s, _, _| s.audit(limit)).await
}

#[tauri::command]
#[specta::specta]
pub async fn protection(desk: State<'_, Desk>, app: AppHandle) -> Res<Protection> {
    run(&desk, &app, |s, _, _| s.protection()).await
}

/// Put a backup listed by `protection` back in place of the database.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(desk: State<'_, Desk>, app: AppHandle, name: String) -> Res<RestoreSummary> {
    run(&desk, &app, move |s, _, _| s.restore(&name)).await
}
