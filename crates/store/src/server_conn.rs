//! The server's SQLite connections (`infoone server` with `--db`): durability settings, the WAL
//! checkpoint and IMMEDIATE write transactions.

use rusqlite::TransactionBehavior;

use crate::{Result, Store, StoreError, Tx};

impl Store {
    /// For the server's connections: every commit synced to disk (`synchronous=FULL`: an
    /// accepted report survives a power cut, not only a crash of the process), a large page
    /// cache, and the WAL checkpointed at commit once it passes 1,000 pages (SQLite's default,
    /// kept explicit) besides the server's own PASSIVE checkpoints after each write, so the WAL
    /// stays bounded; `journal_size_limit` truncates it back to 64 MiB after a checkpoint.
    pub fn tune_for_server(&mut self, cache_kib: i64) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "cache_size", -cache_kib)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
        self.conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        Ok(())
    }

    /// `(synchronous, wal_autocheckpoint)` of this connection (for tests and `infoone server`).
    pub fn durability(&self) -> Result<(i64, i64)> {
        let sync: i64 = self.conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        let auto: i64 = self.conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
        Ok((sync, auto))
    }

    /// Copy the WAL into the database as far as readers allow (PASSIVE: blocks nobody).
    pub fn checkpoint(&mut self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Run `f` in one IMMEDIATE transaction (the write lock taken at once): committed when it
    /// returns `Ok`, rolled back otherwise.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = Tx(
            self.conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?,
            &self.memo,
        );
        let out = f(&tx)?;
        tx.0.commit().map_err(StoreError::from)?;
        Ok(out)
    }
}
