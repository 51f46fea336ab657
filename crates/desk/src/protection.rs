//! The settings screen's data protection card: the database's encryption and where its key is
//! kept, the backups made before each confirm and reopen, and putting one back
//! (docs/RELIABILITY.md "Crash safety", docs/DECISIONS.md "Personal data at rest").

use infoone_app::backup::{BackupInfo, RestoreSummary};
use infoone_app::browse;
use infoone_app::infoone_store::Store;
use serde::Serialize;

use crate::{month_ref, now, Result, Session};

/// What the data protection card shows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Protection {
    pub db_path: String,
    /// The database file is encrypted (SQLCipher).
    pub encrypted: bool,
    /// Where the key is kept, in words ("OSの資格情報ストア（キーリング）", a key file …).
    pub key_place: String,
    /// The key is in a file beside the database (no keyring ran when it was made): whoever
    /// copies the folder copies the key too, so the card warns.
    pub key_in_file: bool,
    pub backups_dir: String,
    /// Newest first.
    pub backups: Vec<BackupInfo>,
}

impl Session {
    pub fn protection(&self) -> Result<Protection> {
        let encrypted = self.store()?.is_encrypted()?;
        Ok(Protection {
            db_path: self.db.display().to_string(),
            encrypted,
            key_place: self.key_place.clone(),
            key_in_file: self.key_in_file,
            backups_dir: infoone_app::backup::backups_dir(&self.db).display().to_string(),
            backups: infoone_app::backup::list_backups(&self.db)?,
        })
    }

    /// The backups of the database (made before each confirm and reopen), newest first.
    pub fn backups(&self) -> Result<Vec<BackupInfo>> {
        infoone_app::backup::list_backups(&self.db)
    }

    /// Put the backup `name` in place of the database (the current one is kept as a
    /// `before-restore` backup), encrypted with the database's key. The session's connection is
    /// closed for it and opened again on whichever database is in place afterwards; the month
    /// being worked is kept if the restored database has it, else the first it has.
    pub fn restore(&self, name: &str) -> Result<RestoreSummary> {
        let mut store = self.store()?;
        // Closed while the file is replaced (an in-memory placeholder holds the lock).
        *store = Store::open_in_memory()?;
        let restored = infoone_client::dbkey::local_key(&self.db)
            .and_then(|(key, _)| infoone_app::backup::restore_backup(&self.db, name, Some(&key), now()));
        *store = infoone_client::dbkey::open_local(&self.db)?.0;
        let months = browse::months(&mut store)?;
        drop(store);
        let mut inner = self.inner()?;
        inner.members.clear();
        let kept = inner.current.as_ref().is_some_and(|at| {
            months
                .iter()
                .any(|m| m.month == at.month.to_string() && at.group.as_deref().is_none_or(|g| g == m.group))
        });
        if !kept {
            inner.current = months.first().and_then(|m| month_ref(Some(&m.group), &m.month).ok());
        }
        restored
    }
}
