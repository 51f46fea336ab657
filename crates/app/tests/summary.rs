//! The dashboard's bill summary kept in the database (migration 0006): used while nothing it was
//! computed from changed, computed again when anything did (an accepted change, a confirmation,
//! the deduction outcome), and always equal to the bill it summarises.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::summary::{bill_summary, BillSummary};
use infoone_app::{MonthRef, Selection};

fn at(t: &str) -> NaiveDateTime {
    format!("2026-11-25T{t}").parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

fn month_id(store: &mut Store) -> i64 {
    store
        .read(|tx| tx.month("G0001", "2026-12".parse().unwrap()))
        .unwrap()
        .unwrap()
        .id
}

/// Overwrite the kept summary's figures under its own key: what the next call returns then tells
/// whether it read the kept one or computed the bill again.
fn mark_kept(store: &mut Store) {
    let id = month_id(store);
    let (key, body) = store
        .read(|tx| tx.month_summary(id))
        .unwrap()
        .expect("a summary is kept");
    let mut s: BillSummary = serde_json::from_str(&body).unwrap();
    s.totals.premium_total = -1;
    let body = serde_json::to_string(&s).unwrap();
    store.transaction(|tx| tx.put_month_summary(id, &key, &body)).unwrap();
}

fn fresh(store: &mut Store) -> BillSummary {
    BillSummary::of(&infoone_app::bill(store, &dec()).unwrap())
}

#[test]
fn the_summary_is_kept_until_what_it_depends_on_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("infoone.db");
    let mut store = Store::open(&db).unwrap();
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, at("09:00:00")).unwrap();

    // Made by the load itself: the first dashboard reads it.
    mark_kept(&mut store);
    assert_eq!(bill_summary(&mut store, &dec()).unwrap().totals.premium_total, -1);
    // (A summary under another key is not used.)
    let id = month_id(&mut store);
    store
        .transaction(|tx| tx.put_month_summary(id, b"stale", "{}"))
        .unwrap();

    // Computed, equal to the bill, and kept.
    let first = bill_summary(&mut store, &dec()).unwrap();
    assert_eq!(first, fresh(&mut store));
    assert!(first.totals.premium_total > 0);

    // Kept: the next call (a window opened again) reads it.
    mark_kept(&mut store);
    assert_eq!(bill_summary(&mut store, &dec()).unwrap().totals.premium_total, -1);

    // A decision on the changes: computed again.
    infoone_app::accept(&mut store, &dec(), &Selection::All, at("09:01:00")).unwrap();
    let accepted = bill_summary(&mut store, &dec()).unwrap();
    assert_eq!(accepted, fresh(&mut store));
    assert_ne!(accepted.totals.premium_total, -1);

    // Confirmed: computed again from the frozen bill, with its revision.
    mark_kept(&mut store);
    infoone_app::confirm(&mut store, &dec(), at("10:00:00")).unwrap();
    let confirmed = bill_summary(&mut store, &dec()).unwrap();
    assert_eq!(confirmed, fresh(&mut store));
    assert_eq!((confirmed.state.as_str(), confirmed.revision), ("confirmed", 1));

    // The same database under another path (a restored copy): not trusted, computed again.
    mark_kept(&mut store);
    drop(store);
    let moved = dir.path().join("moved.db");
    std::fs::rename(&db, &moved).unwrap();
    let mut store = Store::open(&moved).unwrap();
    assert_eq!(bill_summary(&mut store, &dec()).unwrap(), fresh(&mut store));
}
