//! SQLite access for the server: one writer connection (writes queue on it, each an IMMEDIATE
//! transaction) and a pool of readers (WAL lets them read while the writer writes).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use infoone_store::{Store, StoreError, Tx};

use crate::error::ApiError;

const MAX_IDLE_READERS: usize = 16;

pub struct Db {
    path: PathBuf,
    writer: Mutex<Store>,
    readers: Mutex<Vec<Store>>,
}

impl Db {
    /// Open (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        let mut writer = Store::open(path)?;
        writer.tune_for_server(256 * 1024)?;
        Ok(Db {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Read in one (deferred) transaction on a pooled connection. Blocking.
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut store = match pooled {
            Some(s) => s,
            None => Store::open(&self.path)?,
        };
        let out = store.read(f);
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(store);
        }
        out
    }

    /// Copy the WAL into the database (PASSIVE, on a reader connection: blocks nobody). The
    /// writer does not checkpoint at commit; the server calls this after its writes. Blocking.
    pub fn checkpoint(&self) {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match pooled {
            Some(s) => Ok(s),
            None => Store::open(&self.path),
        };
        if let Ok(mut store) = store {
            if let Err(e) = store.checkpoint() {
                eprintln!("infoone server: checkpoint: {e}");
            }
            let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(store);
            }
        }
    }

    /// `(synchronous, wal_autocheckpoint)` of the writer: `(2, 1000)`, FULL and bounded.
    pub fn durability(&self) -> Result<(i64, i64), StoreError> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).durability()
    }

    /// Write in one IMMEDIATE transaction: all of `f` or nothing. Blocking.
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut store = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        store.write(f)
    }
}
