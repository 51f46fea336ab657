//! `infoone db backups` and `infoone db restore` through the real binary: the backup a confirm
//! makes is listed, restoring it puts the month back as it was before the confirmation and
//! keeps the replaced database as a backup; a name that is not a backup is refused.

mod common;

use common::{data, Env};

#[test]
fn the_backup_made_before_a_confirm_is_listed_and_restored() {
    let env = Env::new();
    env.ok(&["month", "load", &data("worked-example/bill-package.json")]);
    env.ok(&["changes", "reject", "--all", "--month", "2026-12"]);
    let none = env.ok(&["db", "backups"]);
    assert!(none.stdout.contains("バックアップはありません"), "{}", none.stdout);
    env.ok(&["month", "confirm", "--month", "2026-12"]);

    let list = env.ok(&["db", "backups", "--json"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["action"], "before-confirm");
    assert_eq!(list[0]["month"], "2026-12");
    let name = list[0]["name"].as_str().unwrap().to_string();
    assert!(env.path("backups").join(&name).is_file());
    let text = env.ok(&["db", "backups"]).stdout;
    assert!(text.contains("確定の前") && text.contains(&name), "{text}");

    let restored = env.ok(&["db", "restore", &name]).stdout;
    assert!(restored.contains("から戻しました"), "{restored}");
    assert!(restored.contains("before-restore"), "{restored}");
    let status = env.ok(&["month", "status", "--month", "2026-12", "--json"]).json();
    assert_eq!(status["state"], "adjusting");
    let audit = env.ok(&["audit", "--json", "--limit", "1"]).json();
    assert_eq!(audit[0]["action"], "restore");
    assert_eq!(audit[0]["source"], format!("backups/{name}"));
    assert_eq!(env.ok(&["db", "backups", "--json"]).json().as_array().unwrap().len(), 2);

    let bad = env.run(&["db", "restore", "../infoone.db"]);
    assert!(!bad.ok);
    assert!(
        bad.stderr.contains("バックアップの名前ではありません"),
        "{}",
        bad.stderr
    );
    let missing = env.run(&["db", "restore", "2020-01-01T000000_2026-12_before-confirm.sqlite"]);
    assert!(!missing.ok);
    assert!(
        missing.stderr.contains("バックアップがありません"),
        "{}",
        missing.stderr
    );
}
