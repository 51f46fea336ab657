//! The clerk's database encrypted at rest (SQLCipher 4, AES-256 per page with an HMAC; rusqlite's
//! `bundled-sqlcipher-vendored-openssl`). The key is 32 random bytes handed in raw (`x'…'`), so no
//! passphrase derivation runs at open; where it is kept (the OS keyring) is the caller's business
//! (`infoone_client::dbkey`). A plain database from an earlier version is encrypted in place at
//! its first open with a key: exported into a new encrypted file, which then replaces it.
//!
//! Files are created 0600 on Unix (SQLite gives its `-wal` and `-shm` files the database's mode),
//! their folder 0700.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::{Result, Store, StoreError};

/// A database key: 32 bytes. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey([u8; 32]);

impl DbKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DbKey {
        DbKey(bytes)
    }

    /// 64 hexadecimal digits (either case); anything else is `None`.
    pub fn from_hex(text: &str) -> Option<DbKey> {
        let t = text.trim().as_bytes();
        if t.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in t.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(DbKey(out))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(***)")
    }
}

/// What is at a database path before it is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbFile {
    /// No file, or an empty one.
    Absent,
    /// A plain SQLite database (its header is readable).
    Plain,
    /// Anything else: an encrypted database (or not a database at all; the key check tells).
    Encrypted,
}

/// Look at the first 16 bytes of `path`.
pub fn probe(path: &Path) -> Result<DbFile> {
    let mut head = [0u8; 16];
    let n = match std::fs::File::open(path) {
        Ok(mut f) => read_up_to(&mut f, &mut head).map_err(|e| io(path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DbFile::Absent),
        Err(e) => return Err(io(path, e)),
    };
    Ok(match n {
        0 => DbFile::Absent,
        _ if &head[..n] == b"SQLite format 3\0" => DbFile::Plain,
        _ => DbFile::Encrypted,
    })
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("{}: {e}", path.display()))
}

/// Create `dir` (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| io(dir, e))
}

/// Create an empty file readable and writable by the owner only (an existing file is left).
pub fn create_private_file(path: &Path) -> Result<()> {
    owner_only()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(drop)
        .map_err(|e| io(path, e))
}

/// Options that create a file readable and writable by its owner only (0600 on Unix), for
/// every file of the database this crate creates.
pub(crate) fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

pub(crate) fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    // SQLCipher would print a wrong key's decrypt failures on stderr; the caller reports
    // `StoreError::WrongKey` in words a clerk can act on instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // The raw-key form: the hex digits are ours, never the user's text.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    Ok(())
}

/// The database was not opened with this key (or is not a database).
pub(crate) fn check_key(conn: &Connection, path: &Path) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            Err(StoreError::WrongKey(path.display().to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// What opening a database with a key did besides opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    Created,
    Existing,
    /// A plain database was encrypted in place.
    Encrypted,
}

impl Store {
    /// Open (creating if needed) the encrypted database at `path` with `key`, migrating it to the
    /// current version; a plain database is first encrypted in place.
    pub fn open_encrypted(path: &Path, key: &DbKey) -> Result<(Store, Opened)> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let opened = match probe(path)? {
            DbFile::Absent => {
                create_private_file(path)?;
                Opened::Created
            }
            DbFile::Plain => {
                encrypt_plain(path, key)?;
                Opened::Encrypted
            }
            DbFile::Encrypted => Opened::Existing,
        };
        let conn = Connection::open(path)?;
        apply_key(&conn, key)?;
        check_key(&conn, path)?;
        Ok((Store::init(conn)?, opened))
    }

    /// Open the database at `path` with `key` when one is given (see [`Store::open_encrypted`]),
    /// as a plain database otherwise.
    pub fn open_with(path: &Path, key: Option<&DbKey>) -> Result<Store> {
        match key {
            Some(key) => Store::open_encrypted(path, key).map(|(s, _)| s),
            None => Store::open(path),
        }
    }

    /// Whether this database's file is encrypted (its header is not SQLite's plain header).
    pub fn is_encrypted(&self) -> Result<bool> {
        let file: String =
            self.conn
                .query_row("SELECT file FROM pragma_database_list WHERE name = 'main'", [], |r| {
                    r.get(0)
                })?;
        Ok(!file.is_empty() && probe(Path::new(&file))? == DbFile::Encrypted)
    }
}

/// Export the plain database at `path` into a new encrypted file beside it, then put that file
/// in its place. A failure leaves the plain database as it was.
fn encrypt_plain(path: &Path, key: &DbKey) -> Result<()> {
    let tmp = sibling(path, ".encrypting");
    let _ = std::fs::remove_file(&tmp);
    create_private_file(&tmp)?;
    let result = (|| -> Result<()> {
        let plain = Connection::open(path)?;
        // Everything in the WAL into the main file first: the export reads the database.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![tmp.to_string_lossy(), format!("x'{}'", key.to_hex())],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
        ))?;
        plain.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io(&tmp, e))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> DbKey {
        DbKey::from_bytes([b; 32])
    }

    fn count_audit(s: &mut Store) -> i64 {
        s.transaction(|tx| Ok::<_, StoreError>(tx.0.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?))
            .unwrap()
    }

    #[test]
    fn hex_round_trip_and_refusals() {
        let k = DbKey::from_hex(&"aB".repeat(32)).unwrap();
        assert_eq!(k.to_hex(), "ab".repeat(32));
        assert!(DbKey::from_hex("abc").is_none());
        assert!(DbKey::from_hex(&"zz".repeat(32)).is_none());
        assert!(DbKey::from_hex(&"é".repeat(32)).is_none());
        assert_eq!(format!("{k:?}"), "DbKey(***)");
    }

    #[test]
    fn created_encrypted_owner_only_and_refused_with_another_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/infoone.db");
        let (mut s, opened) = Store::open_encrypted(&path, &key(1)).unwrap();
        assert_eq!(opened, Opened::Created);
        s.transaction(|tx| {
            tx.audit(&crate::Audit {
                at: "2026-12-05T00:00:00",
                action: "test",
                detail: Some("山田太郎"),
                ..crate::Audit::default()
            })
        })
        .unwrap();
        assert!(s.is_encrypted().unwrap());
        drop(s);
        assert_eq!(probe(&path).unwrap(), DbFile::Encrypted);
        let bytes = std::fs::read(&path).unwrap();
        let name = "山田太郎".as_bytes();
        assert!(!bytes.windows(name.len()).any(|w| w == name));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(
                std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        let (mut s, opened) = Store::open_encrypted(&path, &key(1)).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(count_audit(&mut s), 1);
        drop(s);
        assert!(matches!(
            Store::open_encrypted(&path, &key(2)),
            Err(StoreError::WrongKey(_))
        ));
        // A plain open of an encrypted file fails too: nothing is readable without the key.
        assert!(Store::open(&path).is_err());
    }

    #[test]
    fn a_plain_database_is_encrypted_in_place_with_its_content_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("infoone.db");
        let mut plain = Store::open(&path).unwrap();
        plain
            .transaction(|tx| {
                tx.audit(&crate::Audit {
                    at: "2026-12-05T00:00:00",
                    action: "before",
                    detail: Some("佐藤花子"),
                    ..crate::Audit::default()
                })
            })
            .unwrap();
        let version = plain.schema_version().unwrap();
        drop(plain);
        assert_eq!(probe(&path).unwrap(), DbFile::Plain);
        let (mut s, opened) = Store::open_encrypted(&path, &key(7)).unwrap();
        assert_eq!(opened, Opened::Encrypted);
        assert_eq!(s.schema_version().unwrap(), version);
        let rows = s.transaction(|tx| tx.audit_log(None)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].detail.as_deref(), Some("佐藤花子"));
        drop(s);
        assert_eq!(probe(&path).unwrap(), DbFile::Encrypted);
        assert!(!dir.path().join("infoone.db.encrypting").exists());
        let (_, opened) = Store::open_encrypted(&path, &key(7)).unwrap();
        assert_eq!(opened, Opened::Existing);
    }

    #[test]
    fn a_backup_of_an_encrypted_database_is_encrypted_with_its_key_and_checks_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("infoone.db");
        let (mut s, _) = Store::open_encrypted(&path, &key(3)).unwrap();
        s.transaction(|tx| {
            tx.audit(&crate::Audit {
                at: "2026-12-05T00:00:00",
                action: "test",
                detail: Some("鈴木一郎"),
                ..crate::Audit::default()
            })
        })
        .unwrap();
        let copy = dir.path().join("copy.sqlite");
        s.backup_to(&copy).unwrap();
        assert_eq!(probe(&copy).unwrap(), DbFile::Encrypted);
        let bytes = std::fs::read(&copy).unwrap();
        let name = "鈴木一郎".as_bytes();
        assert!(!bytes.windows(name.len()).any(|w| w == name));
        let check = crate::backup::check_database(&copy, Some(&key(3))).unwrap();
        assert_eq!(check.audit_rows, 1);
        assert!(crate::backup::check_database(&copy, None).is_err());
        assert!(matches!(
            crate::backup::check_database(&copy, Some(&key(4))),
            Err(StoreError::WrongKey(_))
        ));
        let (copied, opened) = Store::open_encrypted(&copy, &key(3)).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(copied.dump(|_, _| false).unwrap(), s.dump(|_, _| false).unwrap());
    }
}
