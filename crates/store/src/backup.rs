//! Copies of the clerk's database (docs/RELIABILITY.md "Crash safety"): a consistent copy before
//! confirm and reopen, the check of a copy before it is restored, and a dump of every row for the
//! tests that compare a database before and after a killed command.
//!
//! Everything that touches the database file as a file lives here, so the encryption of the
//! database (SQLCipher) adapts it in one place.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use crate::cipher::{self, DbFile, DbKey};
use crate::{Result, Store, StoreError, MIGRATIONS};

/// What the check of a database file found (it is an InfoOne database and sound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseCheck {
    pub schema_version: i64,
    /// `(group, month, state)` of every month it holds, oldest first.
    pub months: Vec<(String, String, String)>,
    pub audit_rows: i64,
}

/// Every row of every table, for tests: `(table, columns, rows ordered by every column)`.
pub type Dump = Vec<(String, Vec<String>, Vec<Vec<Value>>)>;

impl Store {
    /// The database file (`None` for an in-memory database).
    pub fn path(&self) -> Option<PathBuf> {
        self.conn.path().filter(|p| !p.is_empty()).map(PathBuf::from)
    }

    /// Write a consistent copy of the database to `target`, which must not exist; see
    /// [`Store::backup_into`].
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        let dir = target.parent().unwrap_or_else(|| Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.backup_into(dir, |n| (n == 1).then(|| name.clone())).map(|_| ())
    }

    /// Write a consistent copy of the database into `dir` (`VACUUM INTO`: the committed state,
    /// compacted, in one read transaction) under the first of `name(1)`, `name(2)` … that does
    /// not exist yet (`None`: give up), and return that name. The copy is made under a temporary
    /// name unique to this call, created 0600 on Unix, synced, then linked to its name, which is
    /// never replaced: a name is either a complete copy or absent, and two copies made at once
    /// (two databases, two threads) never take the same name.
    pub fn backup_into(&self, dir: &Path, name: impl Fn(u32) -> Option<String>) -> Result<String> {
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".backup.tmp-{}-{}",
            std::process::id(),
            CALLS.fetch_add(1, Ordering::Relaxed)
        ));
        let fail =
            |what: &str, e: &dyn std::fmt::Display| StoreError::Invalid(format!("{}: {what}（{e}）", dir.display()));
        let _ = std::fs::remove_file(&tmp);
        // VACUUM INTO accepts an empty file: created first so it has the owner-only mode.
        private_file(&tmp).map_err(|e| fail("作成できません", &e))?;
        let done = (|| -> Result<String> {
            let path = tmp
                .to_str()
                .ok_or_else(|| StoreError::Invalid(format!("{}: not UTF-8", tmp.display())))?;
            self.conn.execute("VACUUM INTO ?1", [path])?;
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| fail("同期できません", &e))?;
            for n in 1.. {
                let Some(candidate) = name(n) else { break };
                let target = dir.join(&candidate);
                match std::fs::hard_link(&tmp, &target) {
                    Ok(()) => {
                        sync_dir(&target);
                        return Ok(candidate);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    // A file system without hard links: a rename, unless the name is taken.
                    Err(_) if !target.exists() => {
                        std::fs::rename(&tmp, &target).map_err(|e| fail("名前を変えられません", &e))?;
                        sync_dir(&target);
                        return Ok(candidate);
                    }
                    Err(e) => return Err(fail("名前を付けられません", &e)),
                }
            }
            Err(fail("同じ名前のバックアップがすでにあります", &"exists"))
        })();
        let _ = std::fs::remove_file(&tmp);
        done
    }

    /// Move everything in the write-ahead log into the database file and empty the log, so the
    /// file alone is the whole database (before it is replaced by a restore).
    pub fn checkpoint_truncate(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `"ok"` or the problems it lists, one a line.
    pub fn integrity_check(&self) -> Result<String> {
        integrity(&self.conn)
    }

    /// Every row of every table (and the schema itself, as the table `sqlite_schema`, without
    /// its page numbers), ordered by every column; the columns `mask` names are replaced by NULL
    /// (times that differ between two runs of the same command).
    pub fn dump(&self, mask: impl Fn(&str, &str) -> bool) -> Result<Dump> {
        let mut tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tables.insert(0, "sqlite_schema".into());
        let mut out = Vec::with_capacity(tables.len());
        for table in tables {
            let st = self.conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
            let columns: Vec<String> = st.column_names().into_iter().map(str::to_string).collect();
            // Where a table's pages start is layout, not content (a VACUUM moves them).
            let masked: Vec<bool> = columns
                .iter()
                .map(|c| mask(&table, c) || (table == "sqlite_schema" && c == "rootpage"))
                .collect();
            let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
            let mut st = self
                .conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY {}", order.join(", ")))?;
            let rows = st
                .query_map([], |r| {
                    (0..masked.len())
                        .map(|i| {
                            if masked[i] {
                                Ok(Value::Null)
                            } else {
                                r.get::<_, Value>(i)
                            }
                        })
                        .collect::<rusqlite::Result<Vec<Value>>>()
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.push((table, columns, rows));
        }
        Ok(out)
    }
}

fn integrity(conn: &Connection) -> Result<String> {
    let lines: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(lines.join("\n"))
}

/// Check that `path` is a sound InfoOne database this program can open, without changing it:
/// `integrity_check` ok, a schema version not newer than this program's, the tables of the
/// clerk's database present.
///
/// An encrypted file is read with `key` (none given: refused); a plain one (a backup from before
/// the database was encrypted) is read as it is.
pub fn check_database(path: &Path, key: Option<&DbKey>) -> Result<DatabaseCheck> {
    let invalid = |what: String| StoreError::Invalid(format!("{}: {what}", path.display()));
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    if cipher::probe(path)? == DbFile::Encrypted {
        let key = key.ok_or_else(|| invalid("暗号化されていますが、鍵がありません".into()))?;
        cipher::apply_key(&conn, key)?;
        cipher::check_key(&conn, path)?;
    }
    let integrity = integrity(&conn).map_err(|e| invalid(format!("SQLiteのデータベースとして読めません（{e}）")))?;
    if integrity != "ok" {
        return Err(invalid(format!("壊れています（integrity_check: {integrity}）")));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    if version > latest {
        return Err(StoreError::TooNew {
            found: version,
            supported: latest,
        });
    }
    let has = |t: &str| -> Result<bool> {
        Ok(conn.query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [t],
            |r| r.get::<_, i64>(0),
        )? == 1)
    };
    for table in ["months", "month_documents", "changes", "audit_log"] {
        if version < 1 || !has(table)? {
            return Err(invalid(format!(
                "InfoOneのデータベースではありません（表 {table} がありません）"
            )));
        }
    }
    let months = conn
        .prepare("SELECT group_code, month, state FROM months ORDER BY month, group_code")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let audit_rows = conn.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))?;
    Ok(DatabaseCheck {
        schema_version: version,
        months,
        audit_rows,
    })
}

/// Create an empty file readable by its owner only (0600 on Unix).
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    cipher::owner_only().write(true).create_new(true).open(path)
}

/// Sync the folder of `path` so a rename in it survives a power cut (Unix).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Audit;

    fn store_at(path: &Path) -> Store {
        let mut s = Store::open(path).unwrap();
        s.transaction(|tx| {
            tx.insert_month("G1", "2026-12".parse().unwrap(), "v1", "p.json", b"{}", "t")?;
            tx.audit(&Audit {
                at: "t",
                action: "load",
                ..Audit::default()
            })
        })
        .unwrap();
        s
    }

    #[test]
    fn a_backup_is_a_complete_private_copy_that_checks_out() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_at(&dir.path().join("db.sqlite"));
        let target = dir.path().join("copy.sqlite");
        s.backup_to(&target).unwrap();
        let check = check_database(&target, None).unwrap();
        assert_eq!(check.months, vec![("G1".into(), "2026-12".into(), "loaded".into())]);
        assert_eq!(check.audit_rows, 1);
        let copy = Store::open(&target).unwrap();
        assert_eq!(copy.dump(|_, _| false).unwrap(), s.dump(|_, _| false).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn a_file_that_is_not_an_infoone_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;")
            .unwrap();
        let err = check_database(&other, None).unwrap_err().to_string();
        assert!(err.contains("InfoOneのデータベースではありません"), "{err}");
        let text = dir.path().join("text.sqlite");
        std::fs::write(
            &text,
            "not a database at all, just text that is long enough to be a header",
        )
        .unwrap();
        assert!(check_database(&text, None).is_err());
        let newer = dir.path().join("newer.sqlite");
        drop(store_at(&newer));
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            check_database(&newer, None),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn the_dump_masks_the_columns_asked_and_sees_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_at(&dir.path().join("db.sqlite"));
        let dump = s.dump(|t, c| t == "audit_log" && c == "at").unwrap();
        let audit = dump.iter().find(|(t, _, _)| t == "audit_log").unwrap();
        assert_eq!(audit.2.len(), 1);
        assert_eq!(audit.2[0][1], Value::Null);
        let docs = dump.iter().find(|(t, _, _)| t == "month_documents").unwrap();
        assert_eq!(docs.2[0][2], Value::Blob(b"{}".to_vec()));
        assert!(dump.iter().any(|(t, _, rows)| t == "sqlite_schema" && !rows.is_empty()));
    }
}
