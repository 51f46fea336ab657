//! Backups before confirm and reopen, and their restore (docs/RELIABILITY.md "Crash safety"):
//! a step whose backup cannot be made is refused and changes nothing, the newest 20 are kept,
//! a backup that is not sound or not an InfoOne database is never restored, and a restore keeps
//! the database it replaces.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use infoone_app::backup::{list_backups, restore_backup, KEEP};
use infoone_app::infoone_store::{MonthState, Store};
use infoone_app::{ErrorCode, MonthRef, Selection};

fn at(t: &str) -> NaiveDateTime {
    format!("2026-11-25T{t}").parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

fn setup() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("infoone.db");
    let mut store = Store::open(&db).unwrap();
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, at("09:00:00")).unwrap();
    infoone_app::reject(&mut store, &dec(), &Selection::All, at("09:01:00")).unwrap();
    (dir, db, store)
}

fn state(store: &mut Store) -> MonthState {
    store
        .read(|tx| tx.month("G0001", "2026-12".parse().unwrap()))
        .unwrap()
        .map(|m| m.state)
        .unwrap_or(MonthState::Closed)
}

#[test]
fn a_confirm_whose_backup_cannot_be_made_is_refused_and_changes_nothing() {
    let (dir, _db, mut store) = setup();
    // A file where the backups folder should be.
    std::fs::write(dir.path().join("backups"), "not a folder").unwrap();
    let before = store.read(|tx| tx.fingerprint()).unwrap();
    let e = infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert!(
        e.message.contains("バックアップを作れないため、中止しました"),
        "{}",
        e.message
    );
    assert!(e.message.contains("could not be backed up"), "{}", e.message);
    assert_eq!(store.read(|tx| tx.fingerprint()).unwrap(), before);

    std::fs::remove_file(dir.path().join("backups")).unwrap();
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    let list = list_backups(&dir.path().join("infoone.db")).unwrap();
    assert_eq!(list[0].name, "2026-11-25T100000_2026-12_before-confirm.sqlite");
    let log = store.read(|tx| tx.audit_log(None)).unwrap();
    let confirm = log.iter().find(|a| a.action == "month.confirm").unwrap();
    assert_eq!(
        confirm.source.as_deref(),
        Some("backups/2026-11-25T100000_2026-12_before-confirm.sqlite")
    );
    assert!(confirm
        .detail
        .as_deref()
        .unwrap()
        .ends_with("backup=2026-11-25T100000_2026-12_before-confirm.sqlite"));
}

#[test]
fn the_newest_backups_are_kept_and_two_in_one_second_both_are() {
    let (dir, db, mut store) = setup();
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    for i in 0..KEEP + 3 {
        std::fs::write(
            backups.join(format!("2026-10-01T{:06}_2026-11_before-confirm.sqlite", i)),
            "old",
        )
        .unwrap();
    }
    std::fs::write(backups.join("notes.txt"), "the clerk's own file").unwrap();
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    infoone_app::reopen(&mut store, &dec(), "確認", at("10:00:00")).unwrap();
    let list = list_backups(&db).unwrap();
    assert_eq!(list.len(), KEEP);
    assert_eq!(list[0].name, "2026-11-25T100000_2026-12_before-reopen.sqlite");
    assert_eq!(list[1].name, "2026-11-25T100000_2026-12_before-confirm.sqlite");
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    assert_eq!(
        list_backups(&db).unwrap()[0].name,
        "2026-11-25T100000_2026-12_before-confirm_2.sqlite"
    );
    assert!(backups.join("notes.txt").exists(), "only backups are removed");
    assert!(!backups.join("2026-10-01T000000_2026-11_before-confirm.sqlite").exists());
}

#[test]
fn a_backup_that_is_not_sound_is_refused_and_a_good_one_restored_with_the_current_kept() {
    let (dir, db, mut store) = setup();
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    assert_eq!(state(&mut store), MonthState::Confirmed);
    let good = list_backups(&db).unwrap()[0].name.clone();

    let broken = "2026-11-25T110000_2026-12_before-confirm.sqlite";
    let mut bytes = std::fs::read(dir.path().join("backups").join(&good)).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(dir.path().join("backups").join(broken), &bytes).unwrap();
    let notdb = "2026-11-25T120000_2026-12_before-confirm.sqlite";
    std::fs::write(
        dir.path().join("backups").join(notdb),
        "SQLite format 3\0 but not really",
    )
    .unwrap();
    for name in [broken, notdb] {
        let e = restore_backup(&db, name, None, at("12:30:00")).unwrap_err();
        assert_eq!(e.code, ErrorCode::Refused, "{name}: {}", e.message);
        assert!(e.message.contains("戻せません"), "{}", e.message);
    }
    let e = restore_backup(&db, "infoone.db", None, at("12:30:00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::BadInput);
    let e = restore_backup(
        &db,
        "2026-11-25T130000_2026-12_before-confirm.sqlite",
        None,
        at("12:30:00"),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(
        state(&mut store),
        MonthState::Confirmed,
        "a refused restore changes nothing"
    );

    drop(store);
    let r = restore_backup(&db, &good, None, at("13:00:00")).unwrap();
    assert_eq!(
        r.saved_as.as_deref(),
        Some("2026-11-25T130000_all_before-restore.sqlite")
    );
    let mut store = Store::open(&db).unwrap();
    assert_eq!(state(&mut store), MonthState::Adjusting);
    let log = store.read(|tx| tx.audit_log(None)).unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.at.as_str()),
        ("restore", "2026-11-25T13:00:00")
    );
    assert_eq!(last.source.as_deref(), Some(format!("backups/{good}").as_str()));
    assert!(!log.iter().any(|a| a.action == "month.confirm"));
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);

    // The restore is undone with the backup it left.
    restore_backup(&db, "2026-11-25T130000_all_before-restore.sqlite", None, at("13:05:00")).unwrap();
    let mut store = Store::open(&db).unwrap();
    assert_eq!(state(&mut store), MonthState::Confirmed);
}

#[test]
fn databases_sharing_a_folder_confirmed_in_the_same_second_each_get_their_own_backup() {
    // Found by client/tests/chaos.rs: four clerks' databases in one folder confirmed at the same
    // time took the same temporary and final name ("disk I/O error", the confirm refused).
    let dir = tempfile::tempdir().unwrap();
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    std::thread::scope(|s| {
        for i in 0..4 {
            let (dir, pkg) = (dir.path(), &pkg);
            s.spawn(move || {
                let mut store = Store::open(&dir.join(format!("clerk{i}.db"))).unwrap();
                infoone_app::load_package(&mut store, pkg, at("09:00:00")).unwrap();
                infoone_app::reject(&mut store, &dec(), &Selection::All, at("09:01:00")).unwrap();
                infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
            });
        }
    });
    let mut names: Vec<String> = list_backups(&dir.path().join("clerk0.db"))
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "2026-11-25T100000_2026-12_before-confirm.sqlite",
            "2026-11-25T100000_2026-12_before-confirm_2.sqlite",
            "2026-11-25T100000_2026-12_before-confirm_3.sqlite",
            "2026-11-25T100000_2026-12_before-confirm_4.sqlite",
        ]
    );
    for n in &names {
        infoone_app::infoone_store::backup::check_database(&dir.path().join("backups").join(n), None).unwrap();
    }
}

#[test]
fn an_encrypted_database_is_backed_up_encrypted_and_restored_with_its_key_and_a_plain_backup_comes_back_encrypted() {
    use infoone_app::infoone_store::{cipher, DbFile, DbKey};
    let key = DbKey::from_bytes([7; 32]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("infoone.db");
    let mut store = Store::open(&db).unwrap();
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, at("09:00:00")).unwrap();
    infoone_app::reject(&mut store, &dec(), &Selection::All, at("09:01:00")).unwrap();
    // A backup from before the database was encrypted (an earlier version's reopen).
    infoone_app::confirm(&mut store, &dec(), at("09:30:00")).unwrap();
    let plain_backup = list_backups(&db).unwrap()[0].name.clone();
    infoone_app::reopen(&mut store, &dec(), "直し", at("09:40:00")).unwrap();
    drop(store);

    let (mut store, _) = Store::open_encrypted(&db, &key).unwrap();
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    let newest = list_backups(&db).unwrap()[0].name.clone();
    assert_eq!(newest, "2026-11-25T100000_2026-12_before-confirm.sqlite");
    let path = dir.path().join("backups").join(&newest);
    assert_eq!(cipher::probe(&path).unwrap(), DbFile::Encrypted);
    // Without the key the backup is refused in words, never read.
    let e = infoone_app::backup::check_backup(&db, &newest, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused, "{}", e.message);
    assert_eq!(
        infoone_app::backup::check_backup(&db, &newest, Some(&key))
            .unwrap()
            .months[0]
            .2,
        "adjusting"
    );
    drop(store);

    restore_backup(&db, &newest, Some(&key), at("11:00:00")).unwrap();
    assert_eq!(cipher::probe(&db).unwrap(), DbFile::Encrypted);
    let (mut store, _) = Store::open_encrypted(&db, &key).unwrap();
    assert_eq!(state(&mut store), MonthState::Adjusting);
    drop(store);
    // The before-restore copy of the encrypted database is encrypted too.
    let saved = dir.path().join("backups/2026-11-25T110000_all_before-restore.sqlite");
    assert_eq!(cipher::probe(&saved).unwrap(), DbFile::Encrypted);

    assert_eq!(
        cipher::probe(&dir.path().join("backups").join(&plain_backup)).unwrap(),
        DbFile::Plain
    );
    restore_backup(&db, &plain_backup, Some(&key), at("12:00:00")).unwrap();
    assert_eq!(cipher::probe(&db).unwrap(), DbFile::Encrypted, "restored encrypted");
    let (mut store, _) = Store::open_encrypted(&db, &key).unwrap();
    assert_eq!(state(&mut store), MonthState::Adjusting);
    let log = store.read(|tx| tx.audit_log(None)).unwrap();
    assert_eq!(log.last().unwrap().action, "restore");
}
