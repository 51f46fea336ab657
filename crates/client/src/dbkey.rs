//! The key of the clerk's local database (names, birth dates and bank accounts of every
//! employee): 32 random bytes kept in the OS keyring — Windows Credential Manager, the macOS
//! Keychain, the Secret Service on Linux — made at the first open and never shown.
//!
//! Where it comes from, first match wins (docs/DECISIONS.md, "The local database's key"):
//! 1. `INFOONE_DB_KEY` (64 hex digits): automation, a support engineer given the key;
//! 2. a key file beside the database (`infoone-db.key`, 0600), when one exists: the database was
//!    made where no keyring ran, and that file holds its key;
//! 3. the OS keyring (one key per OS user), made there at the first open;
//! 4. no keyring reachable (a Linux machine without a desktop session): a new database, or a plain
//!    one being encrypted, gets a key file beside it, and the caller is told so it can warn; an
//!    encrypted database whose key is in an unreachable keyring is refused, saying why.

use std::path::{Path, PathBuf};

use infoone_app::infoone_store::{cipher, Audit, DbFile, DbKey, Opened, Store};
use infoone_app::{AppError, ErrorCode};

/// The environment variable a database key may come from (64 hex digits).
pub const DB_KEY_ENV: &str = "INFOONE_DB_KEY";

/// The keyring's service and account of the database key.
pub const DB_KEY_SERVICE: &str = "InfoOne ローカルデータベース";
const DB_KEY_ACCOUNT: &str = "database-key";

/// The key file's name, beside the database, where no keyring runs.
pub const KEY_FILE: &str = "infoone-db.key";

/// Where the key of an opened database came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    Keyring,
    /// A key file beside the database; `created` when this open made it.
    File {
        path: PathBuf,
        created: bool,
    },
}

/// The clerk's database at `db`, opened with its key (see the module's rules). Also says where
/// the key came from and what the open did (created, encrypted a plain database in place).
pub fn open_local(db: &Path) -> Result<(Store, KeySource, Opened), AppError> {
    let (key, source) = local_key(db)?;
    let (store, opened) = Store::open_encrypted(db, &key).map_err(|e| match e {
        infoone_app::infoone_store::StoreError::WrongKey(_) => AppError::new(
            ErrorCode::Refused,
            format!(
                "{} を開けません: 暗号化の鍵が合いません。鍵の場所: {}",
                db.display(),
                describe(&source)
            ),
        ),
        e => AppError::from(e),
    })?;
    let mut store = store;
    if opened != Opened::Existing {
        let at = chrono::Local::now()
            .naive_local()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        let action = if opened == Opened::Created {
            "db_create"
        } else {
            "db_encrypt"
        };
        let detail = format!("暗号化（SQLCipher）、鍵: {}", describe(&source));
        store.transaction(|tx| {
            tx.audit(&Audit {
                at: &at,
                action,
                source: Some(&db.display().to_string()),
                detail: Some(&detail),
                ..Audit::default()
            })
        })?;
    }
    Ok((store, source, opened))
}

/// A line for the clerk: where the key is kept.
pub fn describe(source: &KeySource) -> String {
    match source {
        KeySource::Env => format!("環境変数 {DB_KEY_ENV}"),
        KeySource::Keyring => "OSの資格情報ストア（キーリング）".to_string(),
        KeySource::File { path, .. } => format!("鍵ファイル {}", path.display()),
    }
}

/// A warning when the key was put in a file because no keyring ran; `None` otherwise.
pub fn warning(source: &KeySource) -> Option<String> {
    match source {
        KeySource::File { path, created: true } => Some(format!(
            "注意: OSの資格情報ストア（キーリング）が使えないため、データベースの暗号化の鍵を {} \
             （本人だけが読める権限）に保存しました。データベースと一緒に持ち出さないでください。\
             キーリングが使える環境では鍵はそこに保管されます",
            path.display()
        )),
        _ => None,
    }
}

fn key_file(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join(KEY_FILE)
}

fn bad_key(what: &str) -> AppError {
    AppError::bad_input(format!(
        "{what} はデータベースの鍵として使えません（16進数64桁が必要です）"
    ))
}

/// The key of the database at `db` and where it came from, without opening the database (a
/// restore puts a backup in its place with it). Follows the module's rules, so it may make the
/// key (in the keyring, or in a key file where none runs) for a database that has none yet.
pub fn local_key(db: &Path) -> Result<(DbKey, KeySource), AppError> {
    if let Some(text) = std::env::var(DB_KEY_ENV).ok().filter(|t| !t.trim().is_empty()) {
        let key = DbKey::from_hex(&text).ok_or_else(|| bad_key(&format!("環境変数 {DB_KEY_ENV}")))?;
        return Ok((key, KeySource::Env));
    }
    let file = key_file(db);
    if file.exists() {
        let text = std::fs::read_to_string(&file).map_err(|e| internal(&file, e))?;
        let key = DbKey::from_hex(&text).ok_or_else(|| bad_key(&file.display().to_string()))?;
        return Ok((
            key,
            KeySource::File {
                path: file,
                created: false,
            },
        ));
    }
    match keyring_key() {
        Ok(key) => Ok((key, KeySource::Keyring)),
        Err(why) => {
            if cipher::probe(db)? == DbFile::Encrypted {
                return Err(AppError::new(
                    ErrorCode::Refused,
                    format!(
                        "{} は暗号化されていて、その鍵はOSの資格情報ストア（キーリング）にありますが、\
                         キーリングを使えません（{why}）。ログインしてキーリングのロックを解除するか、\
                         鍵を環境変数 {DB_KEY_ENV} に指定してください",
                        db.display()
                    ),
                ));
            }
            let key = random_key()?;
            if let Some(dir) = file.parent() {
                cipher::create_private_dir(dir)?;
            }
            cipher::create_private_file(&file)?;
            std::fs::write(&file, key.to_hex()).map_err(|e| internal(&file, e))?;
            Ok((
                key,
                KeySource::File {
                    path: file,
                    created: true,
                },
            ))
        }
    }
}

fn keyring_key() -> Result<DbKey, String> {
    let entry = keyring::Entry::new(DB_KEY_SERVICE, DB_KEY_ACCOUNT).map_err(|e| e.to_string())?;
    match entry.get_password() {
        Ok(text) => DbKey::from_hex(&text).ok_or_else(|| "キーリングの鍵が壊れています".to_string()),
        Err(keyring::Error::NoEntry) => {
            let key = random_key().map_err(|e| e.message)?;
            entry.set_password(&key.to_hex()).map_err(|e| e.to_string())?;
            // Read back: a store that accepts and forgets (no live service) must not be trusted.
            match entry.get_password() {
                Ok(t) if DbKey::from_hex(&t).as_ref() == Some(&key) => Ok(key),
                Ok(_) => Err("キーリングに保存した鍵を読み戻せません".to_string()),
                Err(e) => Err(e.to_string()),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

fn random_key() -> Result<DbKey, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::new(ErrorCode::Internal, format!("乱数を得られません: {e}")))?;
    Ok(DbKey::from_bytes(bytes))
}

fn internal(path: &Path, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display()))
}
