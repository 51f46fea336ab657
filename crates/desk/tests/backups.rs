//! The database's backups through the session: one before each confirm and reopen, listed
//! newest first, and a restore that puts the month back as it was, keeps the database it
//! replaced as a backup and logs itself.

use std::path::{Path, PathBuf};

use infoone_app::ErrorCode;
use infoone_desk::Session;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../sample-data")
        .join(name)
}

fn ok<T>(r: infoone_app::Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{:?}: {}", e.code, e.message),
    }
}

fn state(session: &Session) -> String {
    ok(session.overview()).current.unwrap().status.state
}

#[test]
fn confirm_and_reopen_are_backed_up_and_a_backup_is_restored_through_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clerk").join("infoone.db");
    let session = ok(Session::open(&db));
    assert!(ok(session.backups()).is_empty());

    ok(session.load_file(&sample("bill-package.json")));
    ok(session.import_hr(&sample("hr.csv"), &|_| {}));
    ok(session.accept(None, &|_| {}));
    let before_confirm = state(&session);
    ok(session.confirm(&|_| {}));
    let list = ok(session.backups());
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].month.as_str(), list[0].action.as_str()),
        ("2026-12", "before-confirm")
    );
    assert!(dir.path().join("clerk/backups").join(&list[0].name).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("clerk/backups").join(&list[0].name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let audit = ok(session.audit(50));
    let confirm = audit.iter().find(|a| a.action == "month.confirm").unwrap();
    assert!(
        confirm.detail.as_deref().unwrap_or("").contains(&list[0].name),
        "{confirm:?}"
    );

    ok(session.reopen("バックアップの確認"));
    let list = ok(session.backups());
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].action, "before-reopen");
    let first = list[1].name.clone();

    // A name that is not a backup is refused, and nothing changes.
    let e = session.restore("../infoone.db").unwrap_err();
    assert_eq!(e.code, ErrorCode::BadInput);
    assert_eq!(state(&session), "adjusting");

    // Back to the database as it was just before the confirmation.
    let restored = ok(session.restore(&first));
    assert_eq!(restored.restored, first);
    assert_eq!(state(&session), before_confirm);
    let saved = restored.saved_as.unwrap();
    let list = ok(session.backups());
    assert_eq!(list.len(), 3);
    assert_eq!((list[0].name.as_str(), list[0].month.as_str()), (saved.as_str(), "all"));
    let audit = ok(session.audit(50));
    assert_eq!(audit[0].action, "restore");
    assert!(!audit.iter().any(|a| a.action == "month.confirm"));

    // The session goes on working on the restored database: confirm again, and the restore
    // itself can be undone with the backup it left.
    ok(session.confirm(&|_| {}));
    assert_eq!(state(&session), "confirmed");
    ok(session.restore(&saved));
    assert_eq!(state(&session), "adjusting");
    assert!(ok(session.audit(200)).iter().any(|a| a.action == "month.reopen"));

    // What the settings screen's data protection card shows: the database still encrypted
    // after two restores, where its key is, and the backups it lists (newest first).
    let p = ok(session.protection());
    assert!(p.encrypted, "{p:?}");
    assert!(!p.key_place.is_empty());
    assert_eq!(p.db_path, db.display().to_string());
    assert_eq!(p.backups_dir, dir.path().join("clerk/backups").display().to_string());
    assert_eq!(p.backups, ok(session.backups()));
    assert_eq!(p.backups[0].action, "before-restore");
    for b in &p.backups {
        let path = dir.path().join("clerk/backups").join(&b.name);
        assert_eq!(
            infoone_app::infoone_store::cipher::probe(&path).unwrap(),
            infoone_app::infoone_store::DbFile::Encrypted,
            "{}",
            b.name
        );
    }
}
