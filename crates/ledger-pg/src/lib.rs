//! The insurer's ledger on PostgreSQL (issue 8): `infoone server --database postgres://…`.
//!
//! The same [`LedgerTx`] operations as the SQLite ledger (`infoone_store::ledger_db`), so the
//! server's use cases run unchanged over either back end. The driver is tokio-postgres with a
//! deadpool pool; the use cases stay synchronous (they run on the server's blocking threads,
//! beside the domain's recomputation), and each operation waits for its query with
//! `Handle::block_on` on a small runtime of this crate's own that drives the connections. So a
//! [`PgLedger`] is used from a blocking thread (`spawn_blocking`, a plain thread), never from an
//! async task.
//!
//! What the database guarantees, whatever the number of server processes:
//! - a write runs in one transaction (READ COMMITTED) that first locks the group's row
//!   (`SELECT … FOR UPDATE` in [`LedgerTx::srv_lock_group`], or the upsert of
//!   [`LedgerTx::srv_reset_group`]), so a revision check and the apply that follows are one step;
//! - one report per (group, month) and per (group, idempotency key): unique constraints;
//! - receipt numbers from the `srv_receipt_numbers` sequence;
//! - reads run in one REPEATABLE READ, READ ONLY transaction: one snapshot, as SQLite's.
//!
//! The connection is plain (`NoTls`): loopback or a private network. TLS to the database is the
//! operator's choice for a later step (docs/DECISIONS.md).

mod bulk;
pub mod move_ledger;
mod tx;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use infoone_store::StoreError;
use tokio::runtime::Handle;
use tokio_postgres::NoTls;

pub use infoone_store::LedgerTx;
pub use move_ledger::{move_from_sqlite, Moved, MovedTable};
pub use tx::PgTx;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_insurer_ledger.sql")),
    (3, include_str!("migrations/0003_outbox.sql")),
    (4, include_str!("migrations/0004_unpaid.sql")),
    (5, include_str!("migrations/0005_durability.sql")),
    (6, include_str!("migrations/0006_month_summary.sql")),
    (7, include_str!("migrations/0007_month_caches.sql")),
];

/// Connections kept by default (`?pool_size=` in the URL is not PostgreSQL's: see [`Options`]).
pub const DEFAULT_POOL_SIZE: usize = 16;

/// How long a transaction waits for a free pooled connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// A driver error in words, with PostgreSQL's SQLSTATE; unique violations become
/// [`StoreError::Unique`].
pub(crate) fn pg_error(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => {
            let text = match db.detail() {
                Some(d) => format!("{} ({}; {d})", db.message(), db.code().code()),
                None => format!("{} ({})", db.message(), db.code().code()),
            };
            if *db.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION {
                StoreError::Unique(text)
            } else {
                StoreError::Backend(text)
            }
        }
        None => StoreError::Backend(format!("PostgreSQL: {e}")),
    }
}

/// A serialization failure (40001) or a deadlock (40P01): PostgreSQL rolled the transaction back
/// and running it again may succeed.
pub(crate) fn is_retryable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.code()
        .is_some_and(|c| *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// How many times a write is run again after a serialization failure or a deadlock.
pub const WRITE_RETRIES: u32 = 4;

/// The wait before retry `n` (1, 2, …): 10 ms doubled each time, jittered to 50-150 % so two
/// transactions that met do not meet again in step.
fn backoff(n: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = 10u64 << n.saturating_sub(1).min(6);
    // A random u64 from std's randomly keyed hasher (no dependency for a jitter).
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    Duration::from_millis(base / 2 + random % (base + 1))
}

/// An error with its causes (`a: b: c`), so a refused connection says why.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The runtime that drives the pool's connections: a current-thread runtime on a thread of its
/// own, so it works the same whether the caller has a runtime (the server) or not (the CLI) and
/// is dropped on its own thread (never inside a caller's runtime).
struct Driver {
    handle: Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Driver {
    fn start() -> Result<Driver, StoreError> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("infoone-pg".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = tx.send(Ok(rt.handle().clone()));
                rt.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| StoreError::Backend(format!("PostgreSQL driver thread: {e}")))?;
        let handle = rx
            .recv()
            .map_err(|e| StoreError::Backend(format!("PostgreSQL driver thread: {e}")))?
            .map_err(|e| StoreError::Backend(format!("PostgreSQL driver runtime: {e}")))?;
        Ok(Driver { handle, _stop: stop })
    }
}

/// Connection settings besides the URL.
#[derive(Clone, Debug)]
pub struct Options {
    /// Most connections open at once (each transaction holds one).
    pub pool_size: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            pool_size: DEFAULT_POOL_SIZE,
        }
    }
}

/// The insurer's ledger in one PostgreSQL database: a pool of connections and the runtime that
/// drives them.
pub struct PgLedger {
    pool: Pool,
    // Declared after the pool: the pool's connections go before their runtime stops.
    driver: Driver,
    /// The URL without its password, for messages.
    shown: String,
    /// How a write transaction begins ([`BEGIN_WRITE`], or [`BEGIN_WRITE_LZ4`] where the server
    /// has lz4).
    begin_write: &'static str,
}

const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";
/// Large values (a report's body, a month's billed entries: tens of MB) are compressed with lz4
/// rather than PostgreSQL's default pglz: about three times faster to write for a little more
/// room (a 29 MB report body: 0.19 s and 7.0 MB against 0.61 s and 5.4 MB, measured
/// 2026-12-06). Only what this transaction writes; the stored values read the same either way.
const BEGIN_WRITE_LZ4: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL default_toast_compression = lz4";

impl std::fmt::Debug for PgLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgLedger({})", self.shown)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.split_once('@') {
        Some((a, t)) => (a, t),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{tail}"),
        None => url.to_string(),
    }
}

impl PgLedger {
    /// Connect to the database at `url` (`postgres://user[:password]@host[:port]/db[?options]`)
    /// and migrate it to the current version. Blocking; not from an async task.
    pub fn connect(url: &str, options: &Options) -> Result<PgLedger, StoreError> {
        let shown = redact(url);
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Invalid(format!("PostgreSQL の接続先 {shown} が読めません: {e}")))?;
        let driver = Driver::start()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _entered = driver.handle.enter();
            Pool::builder(manager)
                .max_size(options.pool_size.max(1))
                .wait_timeout(Some(POOL_WAIT))
                .create_timeout(Some(Duration::from_secs(10)))
                .runtime(Runtime::Tokio1)
                .build()
                .map_err(|e| StoreError::Backend(format!("PostgreSQL pool: {e}")))?
        };
        let mut ledger = PgLedger {
            pool,
            driver,
            shown,
            begin_write: BEGIN_WRITE,
        };
        ledger.migrate()?;
        if ledger.has_lz4()? {
            ledger.begin_write = BEGIN_WRITE_LZ4;
        }
        Ok(ledger)
    }

    /// A pooled connection (taken on the driver's runtime, where the connection task lives).
    fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        let pool = self.pool.clone();
        let shown = self.shown.clone();
        let got = self
            .driver
            .handle
            .block_on(self.driver.handle.spawn(async move { pool.get().await }))
            .map_err(|e| StoreError::Backend(format!("PostgreSQL pool task: {e}")))?;
        got.map_err(|e| StoreError::Backend(format!("PostgreSQL（{shown}）に接続できません: {}", causes(&e))))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        self.run("BEGIN", |tx| {
            // One process migrates at a time (several nodes may start together).
            tx.batch("SELECT pg_advisory_xact_lock(hashtext('infoone-migrations:' || current_schema()))")?;
            tx.batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                         version    BIGINT PRIMARY KEY,
                         applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )?;
            let current = tx.schema_version()?;
            if current > latest {
                return Err(StoreError::TooNew {
                    found: current,
                    supported: latest,
                });
            }
            for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
                tx.batch(sql)?;
                tx.exec("INSERT INTO schema_migrations (version) VALUES ($1)", &[version])?;
            }
            Ok(())
        })
    }

    /// Whether the server can compress values with lz4 (built `--with-lz4`, as Debian's is).
    fn has_lz4(&self) -> Result<bool, StoreError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
                &[],
            )?;
            Ok(!rows.is_empty())
        })
    }

    /// Can the database be reached? `SELECT 1` on a pooled connection, all within `timeout`
    /// (waiting for a free connection included, so a saturated pool is "not ready" too). For the
    /// server's `/readyz`. Blocking.
    pub fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let pool = self.pool.clone();
        let shown = self.shown.clone();
        let checked = self.driver.handle.block_on(self.driver.handle.spawn(async move {
            tokio::time::timeout(timeout, async move {
                let client = pool.get().await.map_err(|e| {
                    StoreError::Backend(format!("PostgreSQL（{shown}）に接続できません: {}", causes(&e)))
                })?;
                client.simple_query("SELECT 1").await.map_err(pg_error)?;
                Ok::<_, StoreError>(())
            })
            .await
        }));
        match checked {
            Err(e) => Err(StoreError::Backend(format!("PostgreSQL ping task: {e}"))),
            Ok(Err(_elapsed)) => Err(StoreError::Backend(format!(
                "PostgreSQL（{}）が {} ms 以内に答えません",
                self.shown,
                timeout.as_millis()
            ))),
            Ok(Ok(answered)) => answered,
        }
    }

    /// The schema's version (the last migration applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|tx| tx.schema_version())
    }

    /// Read in one REPEATABLE READ, READ ONLY transaction (one snapshot). Blocking.
    pub fn read<T, E: From<StoreError>>(&self, f: impl FnOnce(&PgTx<'_>) -> Result<T, E>) -> Result<T, E> {
        self.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", f)
    }

    /// Write in one READ COMMITTED transaction: all of `f` or nothing. Concurrent writers of one
    /// group wait for each other on the group's row ([`LedgerTx::srv_lock_group`]). Blocking.
    ///
    /// A transaction that PostgreSQL rolled back as a deadlock victim (40P01) or for a
    /// serialization failure (40001) is run again, `f` from the start on a new transaction, at
    /// most [`WRITE_RETRIES`] times after a short jittered wait; nothing of a rolled-back attempt
    /// stays. (At READ COMMITTED with the group's row locked first, 40001 does not occur:
    /// docs/DECISIONS.md "Serialization failures and deadlocks".)
    pub fn write<T, E: From<StoreError>>(&self, mut f: impl FnMut(&PgTx<'_>) -> Result<T, E>) -> Result<T, E> {
        let mut retry = 0;
        loop {
            match self.attempt(self.begin_write, &mut f) {
                Err((_, true)) if retry < WRITE_RETRIES => {
                    retry += 1;
                    std::thread::sleep(backoff(retry));
                }
                Err((e, _)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
    }

    fn run<T, E: From<StoreError>>(&self, begin: &str, f: impl FnOnce(&PgTx<'_>) -> Result<T, E>) -> Result<T, E> {
        self.attempt(begin, f).map_err(|(e, _)| e)
    }

    /// One transaction; an error says whether it is worth running again (40001, 40P01).
    fn attempt<T, E: From<StoreError>>(
        &self,
        begin: &str,
        f: impl FnOnce(&PgTx<'_>) -> Result<T, E>,
    ) -> Result<T, (E, bool)> {
        let client = self.client().map_err(|e| (E::from(e), false))?;
        let tx = PgTx::begin(&client, &self.driver.handle, begin).map_err(|e| (E::from(e), false))?;
        match f(&tx) {
            // A statement failed with 40001/40P01 but the use case went on (PostgreSQL has
            // aborted the transaction, and would turn the COMMIT into a ROLLBACK without a word):
            // run it again rather than report a write that did not happen.
            Ok(_) if tx.retryable() => {
                tx.rollback();
                Err((
                    E::from(StoreError::Backend(
                        "PostgreSQL がトランザクションを取り消しました（直列化の失敗またはデッドロック）".into(),
                    )),
                    true,
                ))
            }
            Ok(v) => tx.commit().map(|()| v).map_err(|(e, again)| (E::from(e), again)),
            Err(e) => {
                let again = tx.retryable();
                tx.rollback();
                Err((e, again))
            }
        }
    }
}

static SCHEMAS: AtomicU64 = AtomicU64::new(0);

/// For tests and trials: make an empty schema in the database at `url` and return a URL whose
/// connections use it (`options=-c search_path=…`), so each test has a ledger of its own in one
/// throw-away cluster. Blocking.
pub fn fresh_schema(url: &str) -> Result<String, StoreError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Invalid(format!("PostgreSQL URL {}: {e}", redact(url))))?;
    let driver = Driver::start()?;
    let sql = format!("CREATE SCHEMA {name}");
    driver.handle.block_on(async {
        let (client, connection) = config.connect(NoTls).await.map_err(pg_error)?;
        let conn = tokio::spawn(connection);
        client.batch_execute(&sql).await.map_err(pg_error)?;
        drop(client);
        let _ = conn.await;
        Ok::<_, StoreError>(())
    })?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}options=-c%20search_path%3D{name}"))
}

/// The migrations' version numbers (for the test that they stay in step with SQLite's).
pub fn migration_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_step_with_sqlites() {
        assert_eq!(migration_versions(), infoone_store::migration_versions());
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            redact("postgres://ins:s3cret@db:5432/ledger"),
            "postgres://ins:***@db:5432/ledger"
        );
        assert_eq!(redact("postgres://ins@db/ledger"), "postgres://ins@db/ledger");
    }
}
