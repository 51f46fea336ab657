//! The desktop's session: one value that the window holds for its whole life (Tauri's managed
//! state), with the open database, the month being worked, the output folder and the insurer
//! connection. Every step of the clerk's month is one method here, over the use cases of
//! `infoone-app` (offline) and `infoone-client` (the insurer's API); the Tauri commands only
//! call these. Files come in as paths the shell got from a native dialog or a drop; nothing here
//! takes a path from the webview.
//!
//! The parsed package, the replayed ledger and the frozen bill stay in memory between steps
//! (`infoone-app`'s caches, keyed by the database file and month), so moving between screens
//! never re-reads the package; the members table is kept here, folded for search.

mod bill;
mod changes;
pub mod demo;
mod kept;
mod members;
mod month;
mod protection;
mod recon;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{Local, NaiveDateTime};
use infoone_app::browse::{self, AuditView, MemberDetail, Preview, Reconciliation};
use infoone_app::export::{ExportSummary, MediaOptions};
use infoone_app::infoone_store::Store;
use infoone_app::submit::{Outgoing, ServerConfig};
use infoone_app::unpaid::UnpaidItem;
use infoone_app::{
    AppError, DecisionSummary, DeductionSummary, ErrorCode, HrImport, LoadSummary, ManualChange, MonthRef, Result,
    Selection,
};
use infoone_client::{EnvOr, Keyring, Online, Options, Token, TokenStore};
use infoone_domain::deduction::Mode;
use serde::Serialize;

pub use bill::{BillView, LinePage, OfficeRow};
pub use changes::{ChangeGroup, ChangeItem, ChangeList, ChangeQuery};
use infoone_app::member_index;
pub use members::{MemberPage, MemberQuery};
pub use month::{Dashboard, Step};
pub use protection::Protection;
pub use recon::{ReconPage, ReconQuery};
pub use settings::Settings;

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, format!("{what}: {e}"))
}

/// How far a long step is (the window's progress bar).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub label: String,
}

/// The last time the window talked to the insurer.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Connection {
    pub ok: bool,
    pub at: String,
    pub message: String,
}

/// Everything the window's header and dashboard show.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Overview {
    pub months: Vec<infoone_app::MonthStatus>,
    pub current: Option<Dashboard>,
    pub server: Option<ServerConfig>,
    /// A token for the server is in the OS keyring (or in memory for the demo).
    pub token_saved: bool,
    pub outbox: Vec<Outgoing>,
    pub connection: Option<Connection>,
    pub out_dir: String,
    pub demo: bool,
}

/// What one click on 送信 did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SubmitView {
    /// `sent`, `queued` (not delivered yet: offline) or `refused`.
    pub outcome: String,
    pub receipt_no: Option<String>,
    pub received_at: Option<String>,
    pub message: String,
    pub outbox: Vec<Outgoing>,
}

struct Inner {
    current: Option<MonthRef>,
    settings: Settings,
    connection: Option<Connection>,
    members: members::Cache,
    bill: kept::Kept<infoone_formats::bill_doc::BillDoc>,
    recon: kept::Kept<Reconciliation>,
}

impl Inner {
    /// After a change of data: the kept members table and bill are out of date.
    fn forget(&mut self) {
        self.members.clear();
        self.bill.clear();
        self.recon.clear();
    }
}

/// The window's session. Methods lock the database one step at a time; each step is one
/// transaction of the use-case layer.
pub struct Session {
    db: PathBuf,
    store: Mutex<Store>,
    inner: Mutex<Inner>,
    /// Held while a members table is made (see `member_table`).
    making: Mutex<()>,
    /// Held while warm makes the month's ledger (see `warm`).
    warming: Mutex<()>,
    tokens: Box<dyn TokenStore + Send + Sync>,
    demo: Mutex<Option<demo::DemoInsurer>>,
    /// Where the database's key is kept, in the clerk's words (settings screen).
    key_place: String,
    key_in_file: bool,
}

impl Session {
    /// Open (or create) the clerk's database at `db`; tokens from the OS keyring
    /// (`INFOONE_TOKEN` first when set).
    pub fn open(db: &Path) -> Result<Session> {
        Session::with_tokens(db, Box::new(EnvOr(Keyring)))
    }

    pub fn with_tokens(db: &Path, tokens: Box<dyn TokenStore + Send + Sync>) -> Result<Session> {
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| internal(&dir.display().to_string(), e))?;
        }
        let (mut store, source, _) = infoone_client::dbkey::open_local(db)?;
        if let Some(w) = infoone_client::dbkey::warning(&source) {
            eprintln!("{w}");
        }
        let settings = Settings::load(db);
        let months = browse::months(&mut store)?;
        let current = settings
            .last_month
            .as_ref()
            .and_then(|(g, m)| months.iter().find(|s| &s.group == g && &s.month == m))
            .or(months.first())
            .and_then(|s| month_ref(Some(&s.group), &s.month).ok());
        Ok(Session {
            db: db.to_path_buf(),
            store: Mutex::new(store),
            making: Mutex::new(()),
            warming: Mutex::new(()),
            inner: Mutex::new(Inner {
                current,
                settings,
                connection: None,
                members: members::Cache::default(),
                bill: kept::Kept::default(),
                recon: kept::Kept::default(),
            }),
            tokens,
            demo: Mutex::new(None),
            key_place: infoone_client::dbkey::describe(&source),
            key_in_file: matches!(source, infoone_client::dbkey::KeySource::File { .. }),
        })
    }

    /// Start the local demo insurer (real HTTPS on loopback, `dir` holds its database and dev CA)
    /// with `package`, and register it as this database's server, the token in memory.
    pub fn start_demo(&self, dir: &Path, package: &Path) -> Result<ServerConfig> {
        let insurer = demo::DemoInsurer::start(dir, package)?;
        insurer.login(&mut *self.store()?)?;
        let cfg = infoone_app::submit::server(&mut *self.store()?, Some(&insurer.group))?;
        *self.demo.lock().map_err(|_| poisoned())? = Some(insurer);
        Ok(cfg)
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>> {
        self.store.lock().map_err(|_| poisoned())
    }

    fn inner(&self) -> Result<MutexGuard<'_, Inner>> {
        self.inner.lock().map_err(|_| poisoned())
    }

    /// The month being worked; an error a clerk can act on when none is loaded yet.
    fn at(&self) -> Result<MonthRef> {
        self.inner()?.current.clone().ok_or_else(|| {
            AppError::not_found("請求データがまだありません。「読込」で保険会社から取得するか、請求パッケージのファイルを開いてください")
        })
    }

    /// Run a use case on the current month; the members table is rebuilt after a change.
    fn step<T>(&self, writes: bool, f: impl FnOnce(&mut Store, &MonthRef) -> Result<T>) -> Result<T> {
        let at = self.at()?;
        let out = f(&mut *self.store()?, &at);
        if writes {
            self.inner()?.forget();
        }
        out
    }

    fn select_ref(&self, at: MonthRef) -> Result<()> {
        let mut inner = self.inner()?;
        inner.settings.last_month = at.group.clone().map(|g| (g, at.month.to_string()));
        inner.settings.save(&self.db);
        inner.current = Some(at);
        inner.forget();
        Ok(())
    }

    // ---- the month ----

    pub fn overview(&self) -> Result<Overview> {
        let at = self.inner()?.current.clone();
        let mut store = self.store()?;
        let months = browse::months(&mut store)?;
        let outbox = infoone_app::submit::outbox(&mut store)?;
        let current = match &at {
            Some(at) => Some(month::dashboard(&mut store, at, &outbox)?),
            None => None,
        };
        let group = at.as_ref().and_then(|a| a.group.clone());
        let server = infoone_app::submit::server(&mut store, group.as_deref()).ok();
        drop(store);
        let demo = self.demo.lock().map_err(|_| poisoned())?.is_some();
        let token_saved = match &server {
            Some(s) => self.with_online(|o| Ok(o.tokens.get(&s.url, &s.group).ok().flatten().is_some()))?,
            None => false,
        };
        let inner = self.inner()?;
        Ok(Overview {
            months,
            current,
            server,
            token_saved,
            outbox,
            connection: inner.connection.clone(),
            out_dir: self.out_dir_in(&inner).display().to_string(),
            demo,
        })
    }

    /// Work on another month of the database (`month` is `YYYY-MM`).
    pub fn select(&self, group: &str, month: &str) -> Result<()> {
        let at = month_ref(Some(group), month)?;
        infoone_app::status(&mut *self.store()?, &at)?;
        self.select_ref(at)
    }

    /// Load a bill package file the clerk picked; that month becomes the current one.
    pub fn load_file(&self, file: &Path) -> Result<LoadSummary> {
        let s = infoone_app::load_package(&mut *self.store()?, file, now())?;
        self.select_ref(month_ref(Some(&s.group), &s.month)?)?;
        Ok(s)
    }

    /// Fetch `month`'s package from the insurer (sending what waits in the outbox first).
    pub fn load_from_server(&self, month: &str) -> Result<LoadSummary> {
        let m = month_ref(None, month)?.month;
        let group = self.inner()?.current.as_ref().and_then(|a| a.group.clone());
        let fetched =
            self.online_step(|store, online| infoone_client::load_from_server(store, group.as_deref(), m, online))?;
        self.select_ref(month_ref(Some(&fetched.load.group), &fetched.load.month)?)?;
        Ok(fetched.load)
    }

    pub fn import_hr(&self, file: &Path, progress: &dyn Fn(Progress)) -> Result<HrImport> {
        let tick = ticks(progress);
        self.step(true, |s, at| {
            infoone_app::import_hr_with(s, at, file, now(), infoone_app::Progress::new(&tick))
        })
    }

    pub fn import_roster(&self, file: &Path) -> Result<ExportSummary> {
        self.step(true, |s, at| infoone_app::export::import_roster(s, at, file, now()))
    }

    /// The review list: every group's first page, or the next page of one group.
    pub fn changes(&self, q: &ChangeQuery) -> Result<ChangeList> {
        let list = self.step(false, infoone_app::change_rows)?;
        Ok(changes::list(list.into_iter().map(ChangeItem::from).collect(), q))
    }

    /// Each office's amount now and after accepting `ids`, nothing stored.
    pub fn preview(&self, ids: &[i64]) -> Result<Preview> {
        self.step(false, |s, at| browse::preview_accept(s, at, ids))
    }

    /// Accept `ids`, or every proposed change when `None` (atomic: all or nothing).
    pub fn accept(&self, ids: Option<Vec<i64>>, progress: &dyn Fn(Progress)) -> Result<DecisionSummary> {
        let sel = ids.map_or(Selection::All, Selection::Ids);
        let tick = ticks(progress);
        self.step(true, |s, at| {
            infoone_app::accept_with(s, at, &sel, now(), infoone_app::Progress::new(&tick))
        })
    }

    pub fn reject(&self, ids: Vec<i64>) -> Result<DecisionSummary> {
        self.step(true, |s, at| infoone_app::reject(s, at, &Selection::Ids(ids), now()))
    }

    /// A manual change (paper form), accepted at once unless `propose_only`.
    pub fn add_change(&self, change: &ManualChange, propose_only: bool) -> Result<ChangeItem> {
        let c = change.to_change()?;
        let view = self.step(true, |s, at| infoone_app::add_change(s, at, c, propose_only, now()))?;
        Ok(view.into())
    }

    /// The bill screen: the month's and each office's amounts, without the lines.
    pub fn bill(&self) -> Result<BillView> {
        Ok(bill::view(&*self.bill_doc()?))
    }

    /// A page of one office's lines (the clerk opened the office on the bill screen).
    pub fn bill_lines(&self, office: &str, offset: u32, limit: u32) -> Result<LinePage> {
        Ok(bill::lines(&*self.bill_doc()?, office, offset, limit))
    }

    /// More of the bill's findings (errors first) after the first ones of [`BillView`].
    pub fn bill_findings(&self, offset: u32, limit: u32) -> Result<Vec<infoone_formats::bill_doc::FindingDoc>> {
        Ok(bill::findings(&self.bill_doc()?.findings, offset, limit))
    }

    /// More of the bill's individual bills after the first ones of [`BillView`].
    pub fn bill_individual(&self, offset: u32, limit: u32) -> Result<Vec<infoone_formats::bill_doc::IndividualDoc>> {
        Ok(bill::individual(&*self.bill_doc()?, offset, limit))
    }

    /// The month's bill, kept until the next change of data so that opening an office's lines
    /// does not make the document again.
    fn bill_doc(&self) -> Result<Arc<infoone_formats::bill_doc::BillDoc>> {
        self.kept(|i| &mut i.bill, infoone_app::bill)
    }

    /// A document of the month kept in `slot` until the next change of data, else made (and
    /// kept unless the data changed meanwhile).
    fn kept<T>(
        &self,
        slot: impl Fn(&mut Inner) -> &mut kept::Kept<T>,
        make: impl FnOnce(&mut Store, &MonthRef) -> Result<T>,
    ) -> Result<Arc<T>> {
        let at = self.at()?;
        let generation = {
            let mut inner = self.inner()?;
            if let Some(doc) = slot(&mut inner).get(&at) {
                return Ok(doc);
            }
            inner.members.generation()
        };
        let doc = Arc::new(make(&mut *self.store()?, &at)?);
        let mut inner = self.inner()?;
        if inner.members.generation() == generation {
            slot(&mut inner).set(&at, Arc::clone(&doc));
        }
        Ok(doc)
    }

    /// Confirm the month; the window gets the frozen bill's view (its lines stay here).
    pub fn confirm(&self, progress: &dyn Fn(Progress)) -> Result<BillView> {
        let tick = ticks(progress);
        let doc = self.step(true, |s, at| {
            infoone_app::confirm_with(s, at, now(), infoone_app::Progress::new(&tick))
        })?;
        Ok(bill::view(&doc))
    }

    pub fn reopen(&self, reason: &str) -> Result<()> {
        self.step(true, |s, at| infoone_app::reopen(s, at, reason, now()))
    }

    pub fn members(&self, q: &MemberQuery) -> Result<MemberPage> {
        let at = self.at()?;
        Ok(members::page(&self.member_table(&at, true)?.unwrap_or_default(), q))
    }

    /// The members table of `at`: the one made before, else the rows kept in the database, else
    /// (`make`) made from the ledger. Made outside the session's locks but the store's.
    fn member_table(&self, at: &MonthRef, make: bool) -> Result<Option<Arc<members::Table>>> {
        if let Some(table) = self.inner()?.members.get(at) {
            return Ok(Some(table));
        }
        // One maker at a time: a click while warm makes the table waits for that table instead
        // of reading the same rows a second time.
        let _making = self.making.lock().map_err(|_| poisoned())?;
        let generation = {
            let inner = self.inner()?;
            if let Some(table) = inner.members.get(at) {
                return Ok(Some(table));
            }
            inner.members.generation()
        };
        let kept = member_index::kept_member_index(&mut *self.store()?, at)?;
        let index = match kept {
            Some(index) => index,
            None if make => {
                // Made from the ledger: if warm is making the ledger, wait for it rather than
                // make a second one beside it.
                drop(self.warming.lock().map_err(|_| poisoned())?);
                member_index::member_index(&mut *self.store()?, at)?
            }
            None => return Ok(None),
        };
        let table = Arc::new(members::Table::new(index));
        self.inner()?.members.set(generation, at, &table);
        Ok(Some(table))
    }

    /// Make the month ready for the screens that need the whole ledger (members, changes, bill).
    /// The window calls it once the dashboard is up (its figures come from the kept summary).
    /// First the members table from the rows kept in the database (a fraction of a second), so
    /// the members screen is ready at once; then the ledger: read in one short transaction,
    /// parsed and replayed with the store free (the clerk can work meanwhile; a step that needs
    /// the ledger before it is ready makes it itself), kept for the next steps.
    pub fn warm(&self) -> Result<()> {
        let Some(at) = self.inner()?.current.clone() else {
            return Ok(());
        };
        self.member_table(&at, false)?;
        {
            // Released before the members table below (which a waiting click may be making).
            let _warming = self.warming.lock().map_err(|_| poisoned())?;
            let work = infoone_app::warm::ledger_work(&mut *self.store()?, &at)?;
            if let Some(work) = work {
                let built = work.build()?;
                infoone_app::warm::keep_built(&mut *self.store()?, built)?;
            }
        }
        self.member_table(&at, true).map(|_| ())
    }

    pub fn member(&self, employee_no: &str) -> Result<MemberDetail> {
        self.step(false, |s, at| browse::member(s, at, employee_no))
    }

    // ---- after confirmation ----

    /// Every output of the confirmed month into the output folder, one step at a time.
    pub fn export_all(&self, progress: &dyn Fn(Progress)) -> Result<Vec<ExportSummary>> {
        let out = self.month_dir()?;
        let media = MediaOptions {
            utf8: false,
            xlsx: true,
        };
        type Export<'a> = Box<dyn Fn(&mut Store, &MonthRef) -> Result<ExportSummary> + 'a>;
        let steps: Vec<(&str, Export<'_>)> = vec![
            (
                "請求書（PDF）",
                Box::new(|s, at| infoone_app::export::invoices(s, at, &out, now())),
            ),
            (
                "給与控除データ（電子媒体）",
                Box::new(|s, at| infoone_app::export::media(s, at, &out, &media, now())),
            ),
            (
                "口座振替依頼（全銀）",
                Box::new(|s, at| infoone_app::export::zengin(s, at, &out, now())),
            ),
            (
                "加入者データ",
                Box::new(|s, at| infoone_app::export::extract(s, at, &out, true, now())),
            ),
            (
                "名簿（Excel）",
                Box::new(|s, at| infoone_app::export::export_roster(s, at, &out, now())),
            ),
        ];
        let total = steps.len() as u32;
        let mut done = Vec::new();
        for (i, (label, run)) in steps.iter().enumerate() {
            progress(Progress {
                done: i as u32,
                total,
                label: label.to_string(),
            });
            done.push(self.step(false, |s, at| run(s, at))?);
        }
        progress(Progress {
            done: total,
            total,
            label: "完了".into(),
        });
        Ok(done)
    }

    /// An output of this month to open in the system's viewer (a PDF previewed, a workbook in
    /// Excel): only a file inside this month's output folder, whatever the window asks for.
    pub fn output_file(&self, file: &str) -> Result<PathBuf> {
        let refused = || AppError::bad_input(format!("「{file}」はこの月の出力フォルダにあるファイルではありません"));
        let dir = self
            .month_dir()?
            .canonicalize()
            .map_err(|e| internal("出力フォルダ", e))?;
        let path = Path::new(file).canonicalize().map_err(|_| refused())?;
        if path.starts_with(&dir) && path.is_file() {
            Ok(path)
        } else {
            Err(refused())
        }
    }

    /// The folder this month's outputs go to (created).
    pub fn month_dir(&self) -> Result<PathBuf> {
        let at = self.at()?;
        let base = self.out_dir_in(&*self.inner()?);
        let dir = base.join(format!("{}_{}", at.group.unwrap_or_default(), at.month));
        std::fs::create_dir_all(&dir).map_err(|e| internal(&dir.display().to_string(), e))?;
        Ok(dir)
    }

    pub fn import_deductions(&self, file: &Path, full: bool, progress: &dyn Fn(Progress)) -> Result<DeductionSummary> {
        let mode = if full { Mode::Full } else { Mode::Exceptions };
        let tick = ticks(progress);
        self.step(true, |s, at| {
            infoone_app::import_deductions_with(s, at, file, mode, now(), infoone_app::Progress::new(&tick))
        })
    }

    /// A page of the reconciliation (billed against deducted per member), one bucket or all.
    pub fn reconciliation(&self, q: &ReconQuery) -> Result<ReconPage> {
        let recon = self.kept(|i| &mut i.recon, browse::reconciliation)?;
        Ok(recon::page(&recon, q))
    }

    /// The reconciliation as an Excel workbook in this month's output folder.
    pub fn export_reconciliation(&self) -> Result<ExportSummary> {
        let out = self.month_dir()?;
        self.step(false, |s, at| {
            infoone_app::export::reconciliation_xlsx(s, at, &out, now())
        })
    }

    pub fn import_bank_result(&self, file: &Path) -> Result<ExportSummary> {
        self.step(true, |s, at| {
            infoone_app::export::import_zengin_result(s, at, file, now())
        })
    }

    pub fn unpaid(&self, all: bool) -> Result<Vec<UnpaidItem>> {
        infoone_app::unpaid::unpaid_list(&mut *self.store()?, None, all, now().date())
    }

    pub fn reminders(&self) -> Result<ExportSummary> {
        let out = self.month_dir()?;
        self.step(true, |s, at| infoone_app::unpaid::reminders(s, at, &out, now()))
    }

    /// One click: the result report into the outbox, then sent with its receipt recorded. When
    /// the insurer cannot be reached the report waits in the outbox (sent with the next online
    /// step, or another click).
    pub fn submit(&self, progress: &dyn Fn(Progress)) -> Result<SubmitView> {
        let at = self.at()?;
        let status = infoone_app::status(&mut *self.store()?, &at)?;
        let dir = self
            .db
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("reports");
        let file = dir.join(format!(
            "{}_{}_r{}_result-report.json",
            status.group, status.month, status.revision
        ));
        progress(Progress {
            done: 0,
            total: 1,
            label: "結果報告を作って保険会社へ送信しています".into(),
        });
        let s = self.online_step(|store, online| infoone_client::submit_month(store, &at, &file, online))?;
        progress(Progress {
            done: 1,
            total: 1,
            label: "送信しました".into(),
        });
        let outbox = infoone_app::submit::outbox(&mut *self.store()?)?;
        Ok(month::submit_view(&s, outbox))
    }

    /// What the insurer has received from each office for the month (online).
    pub fn payments(&self) -> Result<serde_json::Value> {
        let at = self.at()?;
        self.online_step(|store, online| {
            let (cfg, client) = infoone_client::client_for(store, at.group.as_deref(), online)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| internal("非同期ランタイム", e))?;
            Ok(rt.block_on(client.payments(&cfg.group, &at.month.to_string()))?)
        })
    }

    // ---- settings ----

    /// The insurer's URL, the group and its token (into the OS keyring; never shown again), and
    /// the CA file the clerk picked (for a private CA).
    pub fn save_server(&self, url: &str, group: &str, token: &str, ca: Option<&Path>) -> Result<ServerConfig> {
        let token = Token::new(token.trim()).map_err(|e| AppError::bad_input(e.message))?;
        self.with_online(|o| infoone_client::login(&mut *self.store()?, o.tokens, url, group, ca, &token))
    }

    pub fn set_out_dir(&self, dir: &Path) -> Result<String> {
        let mut inner = self.inner()?;
        inner.settings.out_dir = Some(dir.to_path_buf());
        inner.settings.save(&self.db);
        Ok(dir.display().to_string())
    }

    pub fn out_dir(&self) -> Result<PathBuf> {
        Ok(self.out_dir_in(&*self.inner()?))
    }

    fn out_dir_in(&self, inner: &Inner) -> PathBuf {
        inner.settings.out_dir.clone().unwrap_or_else(|| {
            self.db
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
                .join("outputs")
        })
    }

    pub fn audit(&self, limit: i64) -> Result<Vec<AuditView>> {
        browse::audit(&mut *self.store()?, limit.clamp(1, 10_000))
    }

    // ---- online ----

    fn with_online<T>(&self, f: impl FnOnce(&Online<'_>) -> Result<T>) -> Result<T> {
        let demo = self.demo.lock().map_err(|_| poisoned())?;
        match demo.as_ref() {
            Some(d) => f(&d.online()),
            None => f(&Online {
                tokens: &*self.tokens,
                options: Options::default(),
            }),
        }
    }

    /// A step that talks to the insurer: its success or failure is what the window shows as
    /// online / offline.
    fn online_step<T>(&self, f: impl FnOnce(&mut Store, &Online<'_>) -> Result<T>) -> Result<T> {
        let out = self.with_online(|o| f(&mut *self.store()?, o));
        let at = now().format("%Y-%m-%d %H:%M:%S").to_string();
        let connection = match &out {
            Ok(_) => Connection {
                ok: true,
                at,
                message: "保険会社に接続しました".into(),
            },
            Err(e) => Connection {
                ok: e.code != ErrorCode::Internal,
                at,
                message: e.message.clone(),
            },
        };
        let mut inner = self.inner()?;
        inner.connection = Some(connection);
        inner.forget();
        out
    }
}

fn poisoned() -> AppError {
    AppError::new(
        ErrorCode::Internal,
        "内部エラー（前の処理が異常終了しました）。アプリを再起動してください",
    )
}

/// `YYYY-MM` (also `YYYY/MM`, 和暦 as the HR reader takes them) for `group`.
/// The use-case layer's `(done, total, stage)` as the window's [`Progress`].
fn ticks(progress: &dyn Fn(Progress)) -> impl Fn(u64, u64, &str) + '_ {
    move |done, total, label| {
        progress(Progress {
            done: u32::try_from(done).unwrap_or(u32::MAX),
            total: u32::try_from(total).unwrap_or(u32::MAX),
            label: label.to_string(),
        })
    }
}

pub fn month_ref(group: Option<&str>, month: &str) -> Result<MonthRef> {
    let month = month
        .trim()
        .parse()
        .map_err(|e: infoone_domain::month::BadMonth| AppError::bad_input(format!("対象月「{month}」: {e}")))?;
    Ok(MonthRef {
        group: group.map(str::to_string),
        month,
    })
}
