//! The members table's rows kept in the database (migration 0007) and the desktop's warm-up
//! (a month's ledger made with the store free): kept rows are used while the ledger they were
//! made from stands, made again when it changes; a ledger built from a stale read is not kept.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_app::browse;
use infoone_app::infoone_store::Store;
use infoone_app::member_index::{kept_member_index, member_index};
use infoone_app::{warm, MonthRef, Selection};

fn at(t: &str) -> NaiveDateTime {
    format!("2026-11-25T{t}").parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

fn loaded(dir: &Path) -> Store {
    let mut store = Store::open(&dir.join("infoone.db")).unwrap();
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, at("09:00:00")).unwrap();
    store
}

fn names(rows: &[browse::MemberRow]) -> Vec<(String, String, String, Vec<String>)> {
    rows.iter()
        .map(|r| {
            (
                r.employee_no.clone(),
                r.name.clone(),
                r.status.clone(),
                r.products.clone(),
            )
        })
        .collect()
}

#[test]
fn kept_rows_are_used_until_the_ledger_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = loaded(dir.path());
    assert!(
        kept_member_index(&mut store, &dec()).unwrap().is_none(),
        "nothing kept before"
    );

    let made = member_index(&mut store, &dec()).unwrap();
    assert!(!made.rows.is_empty());
    assert_eq!(made.rows.len(), made.keys.len());
    assert_eq!(names(&made.rows), names(&browse::members(&mut store, &dec()).unwrap()));

    // A window started again (another store on the same file): the kept rows, the same.
    drop(store);
    let mut store = Store::open(&dir.path().join("infoone.db")).unwrap();
    let kept = kept_member_index(&mut store, &dec()).unwrap().expect("kept");
    assert_eq!(names(&kept.rows), names(&made.rows));
    assert_eq!(kept.keys, made.keys);
    let first = &kept.rows[0];
    assert!(!first.status_label.is_empty() && first.status_label != first.status);
    // The key holds the folded kana: what the search box matches.
    assert!(kept.keys[0].contains(&infoone_formats::text::fold_search(&first.name_kana)));

    // Changes accepted: the kept rows no longer match; made again, equal to the ledger's.
    infoone_app::accept(&mut store, &dec(), &Selection::All, at("09:01:00")).unwrap();
    assert!(kept_member_index(&mut store, &dec()).unwrap().is_none());
    let after = member_index(&mut store, &dec()).unwrap();
    assert_eq!(names(&after.rows), names(&browse::members(&mut store, &dec()).unwrap()));
    assert!(kept_member_index(&mut store, &dec()).unwrap().is_some());
}

#[test]
fn a_ledger_built_outside_the_store_is_kept_only_while_it_stands() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = loaded(dir.path());
    let expected = infoone_app::bill(&mut store, &dec()).unwrap();

    // Another store on the file (a window started again): nothing kept in its memo yet.
    let mut other = Store::open(&dir.path().join("infoone.db")).unwrap();
    let work = warm::ledger_work(&mut other, &dec()).unwrap().expect("work to do");
    let built = work.build().unwrap();
    assert!(warm::keep_built(&mut other, built).unwrap());
    assert!(
        warm::ledger_work(&mut other, &dec()).unwrap().is_none(),
        "kept: nothing left to do"
    );
    assert_eq!(infoone_app::bill(&mut other, &dec()).unwrap(), expected);

    // Read, then a change accepted before the built ledger comes back: not kept.
    let mut third = Store::open(&dir.path().join("infoone.db")).unwrap();
    let work = warm::ledger_work(&mut third, &dec()).unwrap().expect("work to do");
    infoone_app::accept(&mut third, &dec(), &Selection::All, at("09:01:00")).unwrap();
    let built = work.build().unwrap();
    assert!(!warm::keep_built(&mut third, built).unwrap());
    let accepted = infoone_app::bill(&mut third, &dec()).unwrap();
    assert_ne!(accepted, expected, "the accepted changes are in the bill");
    assert_eq!(accepted, infoone_app::bill(&mut store, &dec()).unwrap());
}
