//! The local SQLite cache: versioned migrations, the month state machine (enforced by triggers,
//! below every caller), changes and the append-only audit log.
//!
//! Every use case runs in one transaction ([`Store::transaction`]): a failed step leaves the
//! database exactly as it was.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use infoone_domain::month::YearMonth;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

pub mod backup;
pub mod cipher;
pub mod ledger_db;
pub mod ledger_tokens;
pub mod ledger_tx;
pub mod memo;
pub mod outbox;
mod server_conn;
pub mod unpaid;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_insurer_ledger.sql")),
    (3, include_str!("migrations/0003_outbox.sql")),
    (4, include_str!("migrations/0004_unpaid.sql")),
    (5, include_str!("migrations/0005_durability.sql")),
    (6, include_str!("migrations/0006_month_summary.sql")),
    (7, include_str!("migrations/0007_month_caches.sql")),
];

/// The version numbers of the migrations, oldest first (the insurer's PostgreSQL ledger keeps
/// its migrations numbered in step with these: `infoone-ledger-pg`).
pub fn migration_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.0).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("データベースエラー: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("データベースの版{found}はこのプログラム（版{supported}まで）より新しいため開けません")]
    TooNew { found: i64, supported: i64 },
    #[error("{0}")]
    Invalid(String),
    /// An encrypted database opened with another key (or a file that is not a database).
    #[error("{0} を開けません: 暗号化の鍵が合わないか、データベースではありません")]
    WrongKey(String),
    /// Another back end of the insurer's ledger (`infoone-ledger-pg`) failed.
    #[error("データベースエラー: {0}")]
    Backend(String),
    /// Another back end refused a row that a unique constraint already holds.
    #[error("データベースエラー（一意制約）: {0}")]
    Unique(String),
}

impl StoreError {
    /// A unique (or primary key) constraint refused the row: a second report for the same
    /// (group, month) or idempotency key, a token hash already stored.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Unique(_) => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Month-end states of one (group, month) (DOMAIN.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MonthState {
    Loaded,
    Adjusting,
    Confirmed,
    Deducted,
    Reported,
    Closed,
}

impl MonthState {
    pub const ALL: [MonthState; 6] = [
        MonthState::Loaded,
        MonthState::Adjusting,
        MonthState::Confirmed,
        MonthState::Deducted,
        MonthState::Reported,
        MonthState::Closed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            MonthState::Loaded => "loaded",
            MonthState::Adjusting => "adjusting",
            MonthState::Confirmed => "confirmed",
            MonthState::Deducted => "deducted",
            MonthState::Reported => "reported",
            MonthState::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MonthState::Loaded => "取込済",
            MonthState::Adjusting => "調整中",
            MonthState::Confirmed => "請求確定",
            MonthState::Deducted => "控除結果反映済",
            MonthState::Reported => "結果報告済",
            MonthState::Closed => "完了",
        }
    }
    /// Changes may be proposed, accepted or rejected.
    pub fn is_open(self) -> bool {
        matches!(self, MonthState::Loaded | MonthState::Adjusting)
    }
}

impl FromStr for MonthState {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<MonthState> {
        MonthState::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| StoreError::Invalid(format!("unknown month state {s}")))
    }
}

impl fmt::Display for MonthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeStatus {
    Proposed,
    Accepted,
    Rejected,
    /// A flag or note for the clerk, not a change (never accepted).
    Note,
}

impl ChangeStatus {
    pub fn code(self) -> &'static str {
        match self {
            ChangeStatus::Proposed => "proposed",
            ChangeStatus::Accepted => "accepted",
            ChangeStatus::Rejected => "rejected",
            ChangeStatus::Note => "note",
        }
    }
}

impl FromStr for ChangeStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<ChangeStatus> {
        [
            ChangeStatus::Proposed,
            ChangeStatus::Accepted,
            ChangeStatus::Rejected,
            ChangeStatus::Note,
        ]
        .into_iter()
        .find(|c| c.code() == s)
        .ok_or_else(|| StoreError::Invalid(format!("unknown change status {s}")))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthRow {
    pub id: i64,
    pub group_code: String,
    pub month: YearMonth,
    pub state: MonthState,
    pub package_version: String,
    pub package_file: String,
    pub revision: i64,
    pub loaded_at: String,
    pub receipt: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRow {
    pub id: i64,
    pub kind: String,
    pub status: ChangeStatus,
    pub source: String,
    pub employee_no: Option<String>,
    pub summary: String,
    pub payload: String,
    pub code: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub applied_seq: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewChange {
    pub kind: String,
    pub status: Option<ChangeStatus>,
    pub source: String,
    pub employee_no: Option<String>,
    pub summary: String,
    pub payload: String,
    pub code: Option<String>,
}

/// One audit log entry: what, when, before → after, and from which file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit<'a> {
    pub at: &'a str,
    pub group_code: Option<&'a str>,
    pub month: Option<YearMonth>,
    pub action: &'a str,
    pub entity: Option<&'a str>,
    pub key: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub source: Option<&'a str>,
    pub detail: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub group_code: Option<String>,
    pub month: Option<String>,
    pub action: String,
    pub entity: Option<String>,
    pub key: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub detail: Option<String>,
}

pub use cipher::{DbFile, DbKey, Opened};
pub use ledger_tx::LedgerTx;

pub struct Store {
    conn: Connection,
    memo: memo::Memo,
}

impl Store {
    /// Open (creating if needed) the database at `path`, migrating it to the current version.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Invalid(format!("{}: {e}", dir.display())))?;
        }
        Store::init(Connection::open(path)?)
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut store = Store {
            conn,
            memo: memo::Memo::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > latest {
            return Err(StoreError::TooNew {
                found: current,
                supported: latest,
            });
        }
        let tx = self.conn.transaction()?;
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Run `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    pub fn transaction<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = Tx(self.conn.transaction().map_err(StoreError::from)?, &self.memo);
        let out = f(&tx)?;
        tx.0.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// What the layer above keeps between calls on this store (see [`memo`]).
    pub fn memo(&self) -> &memo::Memo {
        &self.memo
    }

    /// Read-only access outside a write transaction.
    pub fn read<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = Tx(self.conn.transaction().map_err(StoreError::from)?, &self.memo);
        f(&tx)
    }
}

/// A transaction: every read and write of a use case goes through one. It carries the store's
/// [`Memo`](memo::Memo), the caches of the layer above.
pub struct Tx<'c>(Transaction<'c>, &'c memo::Memo);

fn month_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MonthRow> {
    let month: String = r.get(2)?;
    let state: String = r.get(3)?;
    let bad = |e: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into());
    Ok(MonthRow {
        id: r.get(0)?,
        group_code: r.get(1)?,
        month: month
            .parse()
            .map_err(|e: infoone_domain::month::BadMonth| bad(e.to_string()))?,
        state: state.parse().map_err(|e: StoreError| bad(e.to_string()))?,
        package_version: r.get(4)?,
        package_file: r.get(5)?,
        revision: r.get(6)?,
        loaded_at: r.get(7)?,
        receipt: r.get(8)?,
    })
}

const MONTH_COLUMNS: &str = "id, group_code, month, state, package_version, package_file, revision, loaded_at, receipt";

fn change_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChangeRow> {
    let status: String = r.get(2)?;
    Ok(ChangeRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        status: status.parse().map_err(|e: StoreError| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.to_string().into())
        })?,
        source: r.get(3)?,
        employee_no: r.get(4)?,
        summary: r.get(5)?,
        payload: r.get(6)?,
        code: r.get(7)?,
        created_at: r.get(8)?,
        decided_at: r.get(9)?,
        applied_seq: r.get(10)?,
    })
}

const CHANGE_COLUMNS: &str =
    "id, kind, status, source, employee_no, summary, payload, code, created_at, decided_at, applied_seq";

impl Tx<'_> {
    /// What the layer above keeps between calls on this store.
    pub fn memo(&self) -> &memo::Memo {
        self.1
    }

    /// The database file (`None` or empty for an in-memory database).
    pub fn db_path(&self) -> Option<String> {
        self.0.path().map(str::to_string)
    }

    /// Months for `month`, of every group (a clerk usually has one group).
    pub fn months_for(&self, month: YearMonth) -> Result<Vec<MonthRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {MONTH_COLUMNS} FROM months WHERE month = ?1 ORDER BY group_code"
        ))?;
        let rows = st
            .query_map([month.to_string()], month_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn month(&self, group_code: &str, month: YearMonth) -> Result<Option<MonthRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {MONTH_COLUMNS} FROM months WHERE group_code = ?1 AND month = ?2"
        ))?;
        Ok(st
            .query_row(params![group_code, month.to_string()], month_row)
            .optional()?)
    }

    /// Every month of every group, oldest first (by month, then group).
    pub fn all_months(&self) -> Result<Vec<MonthRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {MONTH_COLUMNS} FROM months ORDER BY month, group_code"
        ))?;
        let rows = st.query_map([], month_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// All months of a group, oldest first.
    pub fn months_of_group(&self, group_code: &str) -> Result<Vec<MonthRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {MONTH_COLUMNS} FROM months WHERE group_code = ?1 ORDER BY month"
        ))?;
        let rows = st
            .query_map([group_code], month_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn insert_month(
        &self,
        group_code: &str,
        month: YearMonth,
        version: &str,
        file: &str,
        package: &[u8],
        at: &str,
    ) -> Result<i64> {
        self.0.execute(
            "INSERT INTO months (group_code, month, state, package_version, package_file, loaded_at)
             VALUES (?1, ?2, 'loaded', ?3, ?4, ?5)",
            params![group_code, month.to_string(), version, file, at],
        )?;
        let id = self.0.last_insert_rowid();
        self.put_document(id, "package", package)?;
        Ok(id)
    }

    fn put_document(&self, id: i64, kind: &str, body: &[u8]) -> Result<()> {
        self.0
            .prepare_cached("INSERT OR REPLACE INTO month_documents (month_id, kind, body) VALUES (?1, ?2, ?3)")?
            .execute(params![id, kind, body])?;
        Ok(())
    }

    fn document(&self, id: i64, kind: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .prepare_cached("SELECT body FROM month_documents WHERE month_id = ?1 AND kind = ?2")?
            .query_row(params![id, kind], |r| r.get(0))
            .optional()?)
    }

    fn text_document(&self, id: i64, kind: &str) -> Result<Option<String>> {
        self.document(id, kind)?
            .map(|b| String::from_utf8(b).map_err(|e| StoreError::Invalid(format!("{kind}: {e}"))))
            .transpose()
    }

    fn delete_document(&self, id: i64, kind: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM month_documents WHERE month_id = ?1 AND kind = ?2",
            params![id, kind],
        )?;
        Ok(())
    }

    /// Replace the package of a month that is still `loaded` (nothing decided yet).
    pub fn replace_package(&self, id: i64, version: &str, file: &str, package: &[u8], at: &str) -> Result<()> {
        self.0.execute("DELETE FROM changes WHERE month_id = ?1", [id])?;
        self.0.execute(
            "UPDATE months SET package_version = ?2, package_file = ?3, loaded_at = ?4 WHERE id = ?1",
            params![id, version, file, at],
        )?;
        self.put_document(id, "package", package)
    }

    pub fn package(&self, id: i64) -> Result<Vec<u8>> {
        self.document(id, "package")?
            .ok_or_else(|| StoreError::Invalid(format!("month {id} has no package")))
    }

    /// Move a month to `to`. The trigger refuses any transition DOMAIN.md §5 does not allow.
    pub fn set_state(&self, id: i64, to: MonthState) -> Result<()> {
        self.0.execute(
            "UPDATE months SET state = ?2 WHERE id = ?1 AND state <> ?2",
            params![id, to.code()],
        )?;
        Ok(())
    }

    /// Confirm: freeze the bill document and bump the revision (1 = 初版, 2 = 第2版, …).
    pub fn confirm(&self, id: i64, frozen_bill: &str) -> Result<i64> {
        self.put_document(id, "frozen_bill", frozen_bill.as_bytes())?;
        self.0.execute(
            "UPDATE months SET state = 'confirmed', revision = revision + 1 WHERE id = ?1",
            [id],
        )?;
        Ok(self
            .0
            .query_row("SELECT revision FROM months WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// Reopen a confirmed (or deducted) month: the frozen bill and deductions are set aside.
    pub fn reopen(&self, id: i64) -> Result<()> {
        self.delete_document(id, "deductions")?;
        self.0
            .execute("UPDATE months SET state = 'adjusting' WHERE id = ?1", [id])?;
        self.delete_document(id, "frozen_bill")
    }

    /// The month's cached bill summary and the key it was computed under.
    pub fn month_summary(&self, id: i64) -> Result<Option<(Vec<u8>, String)>> {
        Ok(self
            .0
            .prepare_cached("SELECT key, body FROM month_summaries WHERE month_id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Keep the month's bill summary (a cache: see migration 0006).
    pub fn put_month_summary(&self, id: i64, key: &[u8], body: &str) -> Result<()> {
        self.0
            .prepare_cached("INSERT OR REPLACE INTO month_summaries (month_id, key, body) VALUES (?1, ?2, ?3)")?
            .execute(params![id, key, body])?;
        Ok(())
    }

    /// `(key, body)` of what the window keeps of the month as `kind` (migration 0007).
    pub fn month_cache(&self, id: i64, kind: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .0
            .prepare_cached("SELECT key, body FROM month_caches WHERE month_id = ?1 AND kind = ?2")?
            .query_row(params![id, kind], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Keep `body` as the month's `kind` under `key` (a cache: see migration 0007).
    pub fn put_month_cache(&self, id: i64, kind: &str, key: &[u8], body: &[u8]) -> Result<()> {
        self.0
            .prepare_cached("INSERT OR REPLACE INTO month_caches (month_id, kind, key, body) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![id, kind, key, body])?;
        Ok(())
    }

    pub fn frozen_bill(&self, id: i64) -> Result<Option<String>> {
        self.text_document(id, "frozen_bill")
    }

    /// Record the deduction outcome; the month is `deducted`.
    pub fn set_deductions(&self, id: i64, outcome: &str) -> Result<()> {
        self.put_document(id, "deductions", outcome.as_bytes())?;
        self.set_state(id, MonthState::Deducted)
    }

    pub fn deductions(&self, id: i64) -> Result<Option<String>> {
        self.text_document(id, "deductions")
    }

    pub fn set_report(&self, id: i64, report: &str) -> Result<()> {
        self.put_document(id, "report", report.as_bytes())
    }

    pub fn report(&self, id: i64) -> Result<Option<String>> {
        self.text_document(id, "report")
    }

    pub fn set_reported(&self, id: i64, receipt: &str) -> Result<()> {
        self.0.execute(
            "UPDATE months SET state = 'reported', receipt = ?2 WHERE id = ?1",
            params![id, receipt],
        )?;
        Ok(())
    }

    pub fn insert_change(&self, month_id: i64, c: &NewChange, at: &str) -> Result<i64> {
        self.0
            .prepare_cached(
                "INSERT INTO changes (month_id, kind, status, source, employee_no, summary, payload, code, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                month_id,
                c.kind,
                c.status.unwrap_or(ChangeStatus::Proposed).code(),
                c.source,
                c.employee_no,
                c.summary,
                c.payload,
                c.code,
                at
            ])?;
        Ok(self.0.last_insert_rowid())
    }

    pub fn changes(&self, month_id: i64) -> Result<Vec<ChangeRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {CHANGE_COLUMNS} FROM changes WHERE month_id = ?1 ORDER BY id"
        ))?;
        let rows = st
            .query_map([month_id], change_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Accepted changes in the order they are replayed.
    pub fn accepted_changes(&self, month_id: i64) -> Result<Vec<ChangeRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {CHANGE_COLUMNS} FROM changes WHERE month_id = ?1 AND status = 'accepted' ORDER BY applied_seq, id"
        ))?;
        let rows = st
            .query_map([month_id], change_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn decide_change(&self, id: i64, status: ChangeStatus, at: &str) -> Result<()> {
        let seq = if status == ChangeStatus::Accepted {
            let next: i64 = self.0.query_row(
                "SELECT COALESCE(MAX(applied_seq), 0) + 1 FROM changes WHERE month_id = (SELECT month_id FROM changes WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            Some(next)
        } else {
            None
        };
        self.0
            .prepare_cached("UPDATE changes SET status = ?2, decided_at = ?3, applied_seq = ?4 WHERE id = ?1")?
            .execute(params![id, status.code(), at, seq])?;
        Ok(())
    }

    pub fn audit(&self, a: &Audit<'_>) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO audit_log (at, group_code, month, action, entity, key, before, after, source, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                a.at,
                a.group_code,
                a.month.map(|m| m.to_string()),
                a.action,
                a.entity,
                a.key,
                a.before,
                a.after,
                a.source,
                a.detail
            ])?;
        Ok(())
    }

    /// The audit log, newest last; `limit` newest entries when given.
    pub fn audit_log(&self, limit: Option<i64>) -> Result<Vec<AuditRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT * FROM (SELECT id, at, group_code, month, action, entity, key, before, after, source, detail
             FROM audit_log ORDER BY id DESC LIMIT ?1) ORDER BY id",
        )?;
        let rows = st
            .query_map([limit.unwrap_or(-1)], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    group_code: r.get(2)?,
                    month: r.get(3)?,
                    action: r.get(4)?,
                    entity: r.get(5)?,
                    key: r.get(6)?,
                    before: r.get(7)?,
                    after: r.get(8)?,
                    source: r.get(9)?,
                    detail: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// A fingerprint of everything a month holds, for tests that a refused step changed nothing.
    pub fn fingerprint(&self) -> Result<String> {
        let mut out = String::new();
        for table in ["months", "month_documents", "changes", "audit_log", "unpaid"] {
            let n: i64 = self
                .0
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            out.push_str(&format!("{table}:{n};"));
        }
        let mut st = self
            .0
            .prepare("SELECT id, state, revision, package_version, COALESCE(receipt, '') FROM months ORDER BY id")?;
        for row in st.query_map([], |r| {
            Ok(format!(
                "{}:{}:{}:{}:{};",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?
            ))
        })? {
            out.push_str(&row?);
        }
        let mut st = self.0.prepare("SELECT month_id, kind, length(body), hex(substr(body, 1, 64)) FROM month_documents ORDER BY month_id, kind")?;
        for row in st.query_map([], |r| {
            Ok(format!(
                "{}:{}:{}:{};",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?
            ))
        })? {
            out.push_str(&row?);
        }
        let mut st = self.0.prepare("SELECT id, status, payload FROM changes ORDER BY id")?;
        for row in st.query_map([], |r| {
            Ok(format!(
                "{}:{}:{};",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })? {
            out.push_str(&row?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn store_with_month() -> (Store, i64) {
        let mut s = Store::open_in_memory().unwrap();
        let id = s
            .transaction(|tx| tx.insert_month("G1", ym("2026-12"), "v1", "p.json", b"{}", "2026-11-25T09:00:00"))
            .unwrap();
        (s, id)
    }

    #[test]
    fn migrations_set_the_version() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.last().unwrap().0);
    }

    #[test]
    fn the_state_machine_refuses_skipping_steps() {
        let (mut s, id) = store_with_month();
        let err = s.transaction(|tx| tx.set_state(id, MonthState::Reported)).unwrap_err();
        assert!(err.to_string().contains("transition not allowed"), "{err}");
        s.transaction(|tx| tx.confirm(id, "{}")).unwrap();
        // Reported months cannot be reopened.
        s.transaction(|tx| tx.set_state(id, MonthState::Deducted)).unwrap();
        s.transaction(|tx| tx.set_state(id, MonthState::Reported)).unwrap();
        let err = s.transaction(|tx| tx.reopen(id)).unwrap_err();
        assert!(err.to_string().contains("transition not allowed"), "{err}");
        let row = s.read(|tx| tx.month("G1", ym("2026-12"))).unwrap().unwrap();
        assert_eq!(row.state, MonthState::Reported);
    }

    #[test]
    fn a_confirmed_month_takes_no_changes_until_reopened() {
        let (mut s, id) = store_with_month();
        let c = NewChange {
            kind: "join".into(),
            source: "manual".into(),
            summary: "x".into(),
            payload: "{}".into(),
            ..Default::default()
        };
        let cid = s.transaction(|tx| tx.insert_change(id, &c, "t")).unwrap();
        assert_eq!(s.transaction(|tx| tx.confirm(id, "{}")).unwrap(), 1);
        let err = s.transaction(|tx| tx.insert_change(id, &c, "t")).unwrap_err();
        assert!(err.to_string().contains("reopen it first"), "{err}");
        let err = s
            .transaction(|tx| tx.decide_change(cid, ChangeStatus::Accepted, "t"))
            .unwrap_err();
        assert!(err.to_string().contains("reopen it first"), "{err}");
        s.transaction(|tx| tx.reopen(id)).unwrap();
        s.transaction(|tx| tx.decide_change(cid, ChangeStatus::Accepted, "t"))
            .unwrap();
        assert_eq!(s.transaction(|tx| tx.confirm(id, "{}")).unwrap(), 2);
    }

    #[test]
    fn a_failed_transaction_leaves_nothing() {
        let (mut s, id) = store_with_month();
        let before = s.read(|tx| tx.fingerprint()).unwrap();
        let r: Result<()> = s.transaction(|tx| {
            tx.audit(&Audit {
                at: "t",
                action: "x",
                ..Default::default()
            })?;
            tx.set_state(id, MonthState::Closed)
        });
        assert!(r.is_err());
        assert_eq!(s.read(|tx| tx.fingerprint()).unwrap(), before);
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let (mut s, _) = store_with_month();
        s.transaction(|tx| {
            tx.audit(&Audit {
                at: "t",
                action: "load",
                ..Default::default()
            })
        })
        .unwrap();
        let err = s
            .transaction(|tx| Ok::<_, StoreError>(tx.0.execute("DELETE FROM audit_log", [])?))
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        assert_eq!(s.read(|tx| tx.audit_log(None)).unwrap().len(), 1);
    }

    #[test]
    fn a_file_database_uses_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("sub/infoone.db")).unwrap();
        let mode: String = s.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        let fk: i64 = s.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), fk), ("wal", 1));
    }
}
