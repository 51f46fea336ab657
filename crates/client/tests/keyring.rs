//! The API token in a REAL OS keyring (on Linux: the Secret Service over D-Bus).
//!
//! Run with `bash tests/keyring-session.sh`, which installs dbus and gnome-keyring, starts a
//! private D-Bus session with an unlocked gnome-keyring-daemon and runs this target with
//! `INFOONE_KEYRING_TEST=1`. Without that variable (the plain `cargo test`), the test says why it
//! does nothing and returns; with it, a missing Secret Service is a failure, never a pass.

use std::io::Write;

use infoone_app::infoone_store::Store;
use infoone_client::{Keyring, Token, TokenStore};

const ENV: &str = "INFOONE_KEYRING_TEST";

/// `false` (after saying why, past the test harness's output capture) outside the script.
fn requested() -> bool {
    if std::env::var(ENV).as_deref() == Ok("1") {
        if let Err(e) = Keyring::available() {
            panic!(
                "{ENV}=1 but no Secret Service answers: {e}\n\
                 Run `bash tests/keyring-session.sh` (dbus-run-session + gnome-keyring-daemon)."
            );
        }
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "keyring test not run: it needs a real Secret Service; run `bash tests/keyring-session.sh` \
         (sets {ENV}=1 inside a D-Bus session with gnome-keyring)"
    );
    false
}

#[test]
fn the_token_is_stored_read_and_deleted_in_the_os_keyring_and_never_in_sqlite() {
    if !requested() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clerk.db");
    // A private CA, as an insurer would hand out.
    let ca = infoone_server::ensure_dev_tls(&dir.path().join("tls")).unwrap().ca_cert;
    let url = "https://insurer.example.jp:8443";
    let secret = format!("iog_keyringtest_{}", std::process::id());
    let token = Token::new(&secret).unwrap();

    let mut store = Store::open(&db).unwrap();
    let cfg = infoone_client::login(&mut store, &Keyring, url, "G0001", Some(&ca), &token).unwrap();
    assert_eq!(cfg.url, url);

    // Read back from the keyring, under URL + group only.
    assert_eq!(Keyring.get(url, "G0001").unwrap(), Some(token.clone()));
    assert_eq!(Keyring.get(url, "G0002").unwrap(), None);
    assert_eq!(Keyring.get("https://other.example.jp", "G0001").unwrap(), None);
    // And used: the client of the configured group finds it.
    let online = infoone_client::Online {
        tokens: &Keyring,
        options: infoone_client::Options::default(),
    };
    let (server, _client) = infoone_client::client_for(&mut store, Some("G0001"), &online).unwrap();
    assert_eq!(server.ca_file.as_deref(), Some(ca.display().to_string().as_str()));
    drop(store);

    // Not in any byte of the database (file, WAL), nor in the config it holds.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty());
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the token must not be in the SQLite file"
    );
    assert!(
        bytes.windows(url.len()).any(|w| w == url.as_bytes()),
        "the URL is in the database"
    );

    // Logout deletes it; a second logout finds nothing.
    let mut store = Store::open(&db).unwrap();
    let (_, deleted) = infoone_client::logout(&mut store, &Keyring, Some("G0001")).unwrap();
    assert!(deleted);
    assert_eq!(Keyring.get(url, "G0001").unwrap(), None);
    let (_, deleted) = infoone_client::logout(&mut store, &Keyring, Some("G0001")).unwrap();
    assert!(!deleted);
    // Without a token, going online says to log in.
    let err = infoone_client::client_for(&mut store, Some("G0001"), &online).unwrap_err();
    assert!(err.message.contains("infoone login"), "{}", err.message);
}

#[test]
fn the_database_key_is_made_in_the_os_keyring_and_a_plain_database_is_encrypted_with_it() {
    if !requested() {
        return;
    }
    use infoone_app::infoone_store::{cipher, DbFile, Opened};
    use infoone_client::dbkey::{self, KeySource};
    assert!(
        std::env::var(dbkey::DB_KEY_ENV).is_err(),
        "unset {} for this test",
        dbkey::DB_KEY_ENV
    );
    let dir = tempfile::tempdir().unwrap();

    // A new database: its key made in the keyring, no key file beside it.
    let db = dir.path().join("new/infoone.db");
    let (store, source, opened) = dbkey::open_local(&db).unwrap();
    assert_eq!((source, opened), (KeySource::Keyring, Opened::Created));
    assert!(store.is_encrypted().unwrap());
    drop(store);
    assert!(!db.with_file_name(dbkey::KEY_FILE).exists());
    let entry = keyring::Entry::new(dbkey::DB_KEY_SERVICE, "database-key").unwrap();
    let hex = entry.get_password().unwrap();
    assert_eq!(hex.len(), 64);

    // A plain database from an earlier version: encrypted in place with the same key, its
    // content kept, the step in the audit log.
    let old = dir.path().join("old/infoone.db");
    let mut plain = Store::open(&old).unwrap();
    infoone_client::login(
        &mut plain,
        &infoone_client::MemoryTokens::default(),
        "https://insurer.example.jp",
        "G0001",
        None,
        &Token::new("iog_x").unwrap(),
    )
    .unwrap();
    drop(plain);
    assert_eq!(cipher::probe(&old).unwrap(), DbFile::Plain);
    let (mut store, source, opened) = dbkey::open_local(&old).unwrap();
    assert_eq!((source, opened), (KeySource::Keyring, Opened::Encrypted));
    let audit = store.read(|tx| tx.audit_log(None)).unwrap();
    assert!(audit.iter().any(|a| a.action == "server.set"), "{audit:?}");
    assert!(audit.iter().any(|a| a.action == "db_encrypt"), "{audit:?}");
    drop(store);
    assert_eq!(cipher::probe(&old).unwrap(), DbFile::Encrypted);
    let url = b"https://insurer.example.jp";
    assert!(!std::fs::read(&old).unwrap().windows(url.len()).any(|w| w == url));

    // Without its key nothing opens it: another key is refused, saying so.
    std::env::set_var(dbkey::DB_KEY_ENV, "00".repeat(32));
    let err = dbkey::open_local(&old).map(|_| ()).unwrap_err();
    std::env::remove_var(dbkey::DB_KEY_ENV);
    assert!(err.message.contains("鍵が合いません"), "{}", err.message);
    let _ = entry.delete_credential();
}
