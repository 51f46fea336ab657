//! The server's ledger database, on either back end (docs/DECISIONS.md "The insurer's ledger on
//! two databases"). The use cases see one [`LedgerTx`] per transaction, whichever holds it:
//!
//! - **SQLite** (the default, `--db PATH`): one writer connection (writes queue on it, each an
//!   IMMEDIATE transaction) and a pool of readers (WAL lets them read while the writer writes).
//! - **PostgreSQL** (`--database postgres://…`, `infoone-ledger-pg`): a pool of connections;
//!   writes are READ COMMITTED transactions that lock the group's row, reads one snapshot each.
//!
//! Every call is blocking: from the server's blocking threads (`AppState::blocking`), never from
//! an async task.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use infoone_ledger_pg::PgLedger;
use infoone_store::{LedgerTx, Store, StoreError};

use crate::error::ApiError;

/// Where the ledger is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (created and migrated on open).
    Sqlite(PathBuf),
    /// A PostgreSQL URL, `postgres://user[:password]@host[:port]/db` (migrated on connect).
    Postgres(String),
}

impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Database {
        Database::Sqlite(p)
    }
}

impl From<&Path> for Database {
    fn from(p: &Path) -> Database {
        Database::Sqlite(p.to_path_buf())
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "SQLite {}", p.display()),
            Database::Postgres(url) => write!(f, "PostgreSQL {}", infoone_ledger_pg::redact(url)),
        }
    }
}

pub struct SqliteDb {
    path: PathBuf,
    writer: Mutex<Store>,
    readers: Mutex<Vec<Store>>,
    /// Most idle reader connections kept (`--db-pool-size`).
    max_idle: usize,
}

pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgLedger),
}

impl Db {
    /// Open (creating and migrating) the SQLite database at `path`, keeping at most
    /// `pool_size` idle readers.
    pub fn open(path: &Path, pool_size: usize) -> Result<Db, StoreError> {
        let mut writer = Store::open(path)?;
        writer.tune_for_server(256 * 1024)?;
        Ok(Db::Sqlite(SqliteDb {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            max_idle: pool_size.max(1),
        }))
    }

    /// Open (migrating) the ledger wherever `database` says, with `pool_size` connections at
    /// most (PostgreSQL) or idle readers kept (SQLite). Blocking.
    pub fn connect(database: &Database, pool_size: usize) -> Result<Db, StoreError> {
        match database {
            Database::Sqlite(path) => Db::open(path, pool_size),
            Database::Postgres(url) => Ok(Db::Postgres(PgLedger::connect(
                url,
                &infoone_ledger_pg::Options { pool_size },
            )?)),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Read in one transaction (one snapshot) on a pooled connection. Blocking.
    pub fn read<T>(&self, f: impl FnOnce(&dyn LedgerTx) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match self {
            Db::Sqlite(db) => {
                let pooled = db.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let mut store = match pooled {
                    Some(s) => s,
                    None => Store::open(&db.path)?,
                };
                let out = store.read(|tx| f(tx));
                let mut idle = db.readers.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < db.max_idle {
                    idle.push(store);
                }
                out
            }
            Db::Postgres(pg) => pg.read(|tx| f(tx)),
        }
    }

    /// Write in one transaction: all of `f` or nothing. Blocking. On SQLite writes queue on the
    /// one writer; on PostgreSQL a use case that changes a group's ledger locks the group's row
    /// first ([`LedgerTx::srv_lock_group`]), and a transaction PostgreSQL rolled back as a
    /// deadlock victim or for a serialization failure is run again from the start (`f` is called
    /// once per attempt: [`PgLedger::write`]).
    pub fn write<T>(&self, mut f: impl FnMut(&dyn LedgerTx) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match self {
            Db::Sqlite(db) => {
                let mut store = db.writer.lock().unwrap_or_else(|e| e.into_inner());
                store.write(|tx| f(tx))
            }
            Db::Postgres(pg) => pg.write(|tx| f(tx)),
        }
    }

    /// Can the ledger be read? SQLite: the schema version on a pooled reader (the file's
    /// header); PostgreSQL: `SELECT 1` through the pool within `timeout`. For `/readyz`. Blocking.
    pub fn ping(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(db) => {
                let pooled = db.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let store = match pooled {
                    Some(s) => s,
                    None => Store::open(&db.path)?,
                };
                store.schema_version()?;
                let mut idle = db.readers.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < db.max_idle {
                    idle.push(store);
                }
                Ok(())
            }
            Db::Postgres(pg) => pg.ping(timeout),
        }
    }

    /// SQLite: copy the WAL into the database (PASSIVE, on a reader connection: blocks nobody).
    /// The writer does not checkpoint at commit; the server calls this after its writes.
    /// PostgreSQL checkpoints by itself: nothing to do. Blocking.
    pub fn checkpoint(&self) {
        let Db::Sqlite(db) = self else {
            return;
        };
        let pooled = db.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match pooled {
            Some(s) => Ok(s),
            None => Store::open(&db.path),
        };
        if let Ok(mut store) = store {
            if let Err(e) = store.checkpoint() {
                eprintln!("infoone server: checkpoint: {e}");
            }
            let mut idle = db.readers.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < db.max_idle {
                idle.push(store);
            }
        }
    }

    /// SQLite: `(synchronous, wal_autocheckpoint)` of the writer: `(2, 1000)`, FULL and bounded.
    /// PostgreSQL: its own settings (`synchronous_commit`, `fsync`) are the operator's.
    pub fn durability(&self) -> Result<(i64, i64), StoreError> {
        match self {
            Db::Sqlite(db) => db.writer.lock().unwrap_or_else(|e| e.into_inner()).durability(),
            Db::Postgres(_) => Err(StoreError::Invalid(
                "PostgreSQL の永続性の設定はデータベース側のものです".into(),
            )),
        }
    }
}
