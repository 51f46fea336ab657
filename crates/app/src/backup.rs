//! Backups of the clerk's database and their restore (docs/RELIABILITY.md "Crash safety",
//! docs/DECISIONS.md "Backups before confirm and reopen").
//!
//! - `confirm` and `reopen` first copy the database into `backups/` beside it, named
//!   `YYYY-MM-DDTHHMMSS_YYYY-MM_before-confirm.sqlite` (time of the step, month, action); the
//!   newest [`KEEP`] are kept. A copy that cannot be made refuses the step.
//! - [`restore_backup`] checks a copy, saves the current database as a `before-restore` backup,
//!   then puts the copy in its place; the restored database logs `restore` with the copy's name.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use infoone_domain::month::YearMonth;
use infoone_store::backup::{check_database, DatabaseCheck};
use infoone_store::{Audit, DbKey, Store};
use serde::Serialize;

use crate::{stamp, AppError, ErrorCode, Result};

/// How many backups are kept (the oldest beyond it are removed after each new one).
pub const KEEP: usize = 20;

const SUFFIX: &str = ".sqlite";

/// One backup in the `backups/` folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupInfo {
    /// The file name, what `restore` takes.
    pub name: String,
    /// When it was made, `YYYY-MM-DDTHH:MM:SS` (local time of the step).
    pub taken_at: String,
    /// The month whose step it preceded (`all` for a restore).
    pub month: String,
    /// `before-confirm`, `before-reopen` or `before-restore`.
    pub action: String,
    pub bytes: u64,
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RestoreSummary {
    pub restored: String,
    /// The backup of the database as it was just before the restore.
    pub saved_as: Option<String>,
    /// `(group, month, state)` of each month the database holds now.
    pub months: Vec<(String, String, String)>,
}

/// The folder of the backups of the database `db`: `backups/` beside it.
pub fn backups_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or_else(|| Path::new(".")).join("backups")
}

fn parse_name(name: &str) -> Option<(String, String, String)> {
    if name.contains(['/', '\\']) {
        return None;
    }
    let stem = name.strip_suffix(SUFFIX)?;
    let mut parts = stem.split('_');
    let (time, month, action) = (parts.next()?, parts.next()?, parts.next()?);
    let t = NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H%M%S").ok()?;
    if month != "all" && month.parse::<YearMonth>().is_err() || !action.starts_with("before-") {
        return None;
    }
    if let Some(n) = parts.next() {
        n.parse::<u32>().ok()?;
    }
    parts
        .next()
        .is_none()
        .then(|| (stamp(t), month.to_string(), action.to_string()))
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display()))
}

/// The backups of the database `db`, newest first.
pub fn list_backups(db: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backups_dir(db);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((taken_at, month, action)) = parse_name(&name) {
            let meta = entry.metadata().ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            out.push((
                BackupInfo {
                    name,
                    taken_at,
                    month,
                    action,
                    bytes: meta.map_or(0, |m| m.len()),
                },
                modified,
            ));
        }
    }
    // Newest first: by the time in the name, then (two in one second) by the file's time.
    out.sort_by(|(a, ma), (b, mb)| (&b.taken_at, mb, &b.name).cmp(&(&a.taken_at, ma, &a.name)));
    Ok(out.into_iter().map(|(b, _)| b).collect())
}

/// Copy the database of `store` into its `backups/` folder before `action` on `month` (`None`:
/// the whole database), then keep the newest [`KEEP`]. Returns the backup's name; `None` for a
/// database in memory (nothing on disk to protect). A failure refuses the step.
pub(crate) fn take(
    store: &Store,
    month: Option<YearMonth>,
    action: &str,
    now: NaiveDateTime,
) -> Result<Option<String>> {
    let Some(db) = store.path() else {
        return Ok(None);
    };
    let refused = |e: &dyn std::fmt::Display| {
        AppError::new(
            ErrorCode::Internal,
            format!(
                "{action}の前にデータベースのバックアップを作れないため、中止しました（{e}）。\
                 空き容量と {} フォルダーの書き込み権限を確かめてください / \
                 the database could not be backed up before this step, so it was not done",
                backups_dir(&db).display()
            ),
        )
    };
    let dir = backups_dir(&db);
    std::fs::create_dir_all(&dir).map_err(|e| refused(&e))?;
    let month = month.map_or_else(|| "all".to_string(), |m| m.to_string());
    let base = format!("{}_{month}_before-{action}", now.format("%Y-%m-%dT%H%M%S"));
    // Two in one second (or two databases in one folder): `_2`, `_3` … taken atomically.
    let name = store
        .backup_into(&dir, |n| match n {
            1 => Some(format!("{base}{SUFFIX}")),
            2..=999 => Some(format!("{base}_{n}{SUFFIX}")),
            _ => None,
        })
        .map_err(|e| refused(&e))?;
    prune(&db, &dir);
    Ok(Some(name))
}

/// Remove the backups beyond the newest [`KEEP`], and temporary copies a killed process left
/// (older than an hour: another process may be writing one now).
fn prune(db: &Path, dir: &Path) {
    if let Ok(all) = list_backups(db) {
        for old in all.iter().skip(KEEP) {
            let _ = std::fs::remove_file(dir.join(&old.name));
        }
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 3600);
        if infoone_formats::atomic::is_temporary_name(&name) && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Check the backup `name` of the database `db` without restoring it.
/// An encrypted backup is read with `key`, the key of the database it was taken from.
pub fn check_backup(db: &Path, name: &str, key: Option<&DbKey>) -> Result<DatabaseCheck> {
    if parse_name(name).is_none() {
        return Err(AppError::bad_input(format!(
            "{name}: バックアップの名前ではありません（「infoone db backups」で一覧を確かめてください）"
        )));
    }
    let path = backups_dir(db).join(name);
    if !path.is_file() {
        return Err(AppError::not_found(format!(
            "{}: バックアップがありません（「infoone db backups」で一覧を確かめてください）",
            path.display()
        )));
    }
    check_database(&path, key).map_err(|e| {
        AppError::refused(format!(
            "このバックアップは戻せません / this backup cannot be restored: {e}"
        ))
    })
}

/// Put the backup `name` in place of the database `db`: the backup is checked (sound, an
/// InfoOne database, not of a newer version), the current database is saved as a
/// `before-restore` backup, then replaced. The restored database logs `restore`. No other
/// process may have `db` open. With `key` (the database's key) the restored database is
/// encrypted with it, also when the backup predates the encryption.
pub fn restore_backup(db: &Path, name: &str, key: Option<&DbKey>, now: NaiveDateTime) -> Result<RestoreSummary> {
    check_backup(db, name, key)?;
    let source = backups_dir(db).join(name);
    // The copy is prepared beside the database: migrated to this version and its restore
    // logged, then renamed over the database in one step.
    let tmp = db.with_file_name(format!(
        ".{}.restore-{}",
        db.file_name().map_or_else(|| "db".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let cleanup = |p: &Path| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    cleanup(&tmp);
    let prepared = (|| -> Result<Vec<(String, String, String)>> {
        std::fs::copy(&source, &tmp).map_err(|e| io_error(&tmp, e))?;
        let mut copy = Store::open_with(&tmp, key)?;
        copy.transaction(|tx| {
            tx.audit(&Audit {
                at: &stamp(now),
                action: "restore",
                source: Some(&format!("backups/{name}")),
                detail: Some("データベースをバックアップから戻しました"),
                ..Audit::default()
            })
        })?;
        copy.checkpoint_truncate()?;
        drop(copy);
        let check = check_database(&tmp, key)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(&tmp, e))?;
        Ok(check.months)
    })();
    let months = match prepared {
        Ok(m) => m,
        Err(e) => {
            cleanup(&tmp);
            return Err(e);
        }
    };
    let saved_as = if db.exists() {
        let saved = (|| -> Result<Option<String>> {
            let current = Store::open_with(db, key)?;
            let saved = take(&current, None, "restore", now)?;
            // The log emptied into the file: the file alone is the whole database.
            current.checkpoint_truncate()?;
            Ok(saved)
        })();
        match saved {
            Ok(s) => s,
            Err(e) => {
                cleanup(&tmp);
                return Err(AppError::new(
                    e.code,
                    format!("今のデータベースを退避できないため、戻しませんでした: {}", e.message),
                ));
            }
        }
    } else {
        None
    };
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    if let Err(e) = std::fs::rename(&tmp, db) {
        cleanup(&tmp);
        return Err(io_error(db, e));
    }
    cleanup(&tmp);
    infoone_formats::atomic::sync_dir(db);
    Ok(RestoreSummary {
        restored: name.to_string(),
        saved_as,
        months,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_back_and_others_ignored() {
        assert_eq!(
            parse_name("2026-12-05T121500_2025-04_before-confirm.sqlite"),
            Some(("2026-12-05T12:15:00".into(), "2025-04".into(), "before-confirm".into()))
        );
        assert!(parse_name("2026-12-05T121500_all_before-restore_2.sqlite").is_some());
        for bad in [
            "infoone.db",
            "2026-12-05T121500_2025-04_before-confirm.sqlite.tmp",
            ".2026-12-05T121500_2025-04_before-confirm.sqlite.tmp-12",
            "2026-12-05T121500_2025-13_before-confirm.sqlite",
            "../2026-12-05T121500_2025-04_before-confirm.sqlite",
            "2026-12-05T121500_2025-04_confirm.sqlite",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }
}
