//! Serialization failures and deadlocks on a real cluster (`INFOONE_TEST_PG`, tests/pg-cluster.sh;
//! without it each test says so and does nothing), docs/DECISIONS.md "Serialization failures and
//! deadlocks":
//!
//! - a write locks the group's row first at READ COMMITTED, so writers of one group queue and
//!   never see a serialization failure (40001): many writers at once through two pools, none run
//!   twice, every one counted;
//! - a deadlock (40P01) is real: two transactions locking two groups in opposite orders. PostgreSQL
//!   rolls one back; `PgLedger::write` runs it again and both use cases take effect exactly once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

use infoone_ledger_pg::{Options, PgLedger};
use infoone_store::{Audit, LedgerTx, StoreError};

mod common;
use common::url;

fn node(url: &str) -> PgLedger {
    PgLedger::connect(url, &Options { pool_size: 8 }).unwrap()
}

fn mark(tx: &dyn LedgerTx, action: &str) -> Result<(), StoreError> {
    tx.audit(&Audit {
        at: "2026-12-05T10:00:00+09:00",
        action,
        ..Default::default()
    })
}

fn rev(db: &PgLedger, group: &str) -> i64 {
    db.read(|tx| tx.srv_group(group)).unwrap().unwrap().rev
}

fn marks(db: &PgLedger, action: &str) -> usize {
    db.read(|tx| tx.audit_log(None))
        .unwrap()
        .iter()
        .filter(|a| a.action == action)
        .count()
}

#[test]
fn writers_of_one_group_queue_on_its_row_and_none_is_run_twice() {
    let Some(url) = url("no serialization failure") else {
        return;
    };
    let (a, b) = (node(&url), node(&url));
    a.write(|tx| tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t"))
        .unwrap();
    const WRITERS: usize = 24;
    let attempts = AtomicUsize::new(0);
    let start = Barrier::new(WRITERS);
    std::thread::scope(|s| {
        for i in 0..WRITERS {
            let (db, attempts, start) = (if i % 2 == 0 { &a } else { &b }, &attempts, &start);
            s.spawn(move || {
                start.wait();
                db.write(|tx| {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    // Read, decide, write: the lost-update shape that REPEATABLE READ would refuse
                    // with 40001 for all but one writer.
                    let row = tx.srv_lock_group("G1")?.unwrap();
                    tx.srv_advance_group("G1", &row.current_month, &row.issued_on, &format!("w{i}"))?;
                    mark(tx, "test.advance")
                })
                .unwrap();
            });
        }
    });
    assert_eq!(attempts.load(Ordering::SeqCst), WRITERS, "no writer was run twice");
    assert_eq!(rev(&a, "G1"), 1 + WRITERS as i64, "every writer counted once");
    assert_eq!(marks(&b, "test.advance"), WRITERS);
}

#[test]
fn a_deadlock_victim_is_run_again_and_both_writes_take_effect_once() {
    let Some(url) = url("deadlock retry") else { return };
    let (a, b) = (node(&url), node(&url));
    a.write(|tx| {
        tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t")?;
        tx.srv_reset_group("G2", "{}", "2026-12", "2026-11-25", "t")
    })
    .unwrap();
    let attempts = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let both_hold_one = Barrier::new(2);
    let deadlocks = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for (i, (db, first, second)) in [(&a, "G1", "G2"), (&b, "G2", "G1")].into_iter().enumerate() {
            let (attempts, both_hold_one, deadlocks) = (&attempts[i], &both_hold_one, &deadlocks);
            s.spawn(move || {
                db.write(|tx| {
                    let n = attempts.fetch_add(1, Ordering::SeqCst);
                    tx.srv_lock_group(first)?;
                    if n == 0 {
                        // Each first attempt holds one group and then asks for the other's.
                        both_hold_one.wait();
                    }
                    let locked = tx.srv_lock_group(second);
                    if let Err(e) = &locked {
                        assert!(e.to_string().contains("40P01"), "{e}");
                        deadlocks.fetch_add(1, Ordering::SeqCst);
                    }
                    locked?;
                    tx.srv_advance_group(first, "2027-01", "2026-12-25", "t")?;
                    tx.srv_advance_group(second, "2027-01", "2026-12-25", "t")?;
                    mark(tx, "test.both")
                })
                .unwrap();
            });
        }
    });
    assert_eq!(deadlocks.load(Ordering::SeqCst), 1, "PostgreSQL chose one victim");
    let runs: usize = attempts.iter().map(|a| a.load(Ordering::SeqCst)).sum();
    assert_eq!(runs, 3, "the victim ran twice, the other once");
    // Both use cases took effect, each once.
    assert_eq!((rev(&a, "G1"), rev(&a, "G2")), (3, 3));
    assert_eq!(marks(&b, "test.both"), 2);
}

#[test]
fn a_failure_that_is_not_a_conflict_is_not_run_again() {
    let Some(url) = url("no retry") else { return };
    let db = node(&url);
    let attempts = AtomicUsize::new(0);
    let refused: Result<(), StoreError> = db.write(|tx| {
        attempts.fetch_add(1, Ordering::SeqCst);
        mark(tx, "test.refused")?;
        // A unique violation: the use case's answer, not a reason to try again.
        tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t")?;
        tx.srv_insert_offices("G1", &[("O1".into(), "{}".into()), ("O1".into(), "{}".into())])
    });
    assert!(refused.unwrap_err().is_unique_violation());
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(marks(&db, "test.refused"), 0, "rolled back");
}

#[test]
fn a_use_case_that_goes_on_after_a_deadlock_is_run_again_not_committed_as_nothing() {
    let Some(url) = url("deadlock swallowed") else { return };
    let (a, b) = (node(&url), node(&url));
    a.write(|tx| {
        tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t")?;
        tx.srv_reset_group("G2", "{}", "2026-12", "2026-11-25", "t")
    })
    .unwrap();
    let attempts = AtomicUsize::new(0);
    let both_hold_one = Barrier::new(2);
    std::thread::scope(|s| {
        for (db, first, second) in [(&a, "G1", "G2"), (&b, "G2", "G1")] {
            let (attempts, both_hold_one) = (&attempts, &both_hold_one);
            s.spawn(move || {
                let mut mine = 0;
                db.write(|tx| {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    mine += 1;
                    tx.srv_lock_group(first)?;
                    if mine == 1 {
                        both_hold_one.wait();
                    }
                    // A careless use case: every error after the first lock ignored. For the
                    // deadlock's victim PostgreSQL has aborted the transaction; its COMMIT would
                    // be a silent ROLLBACK.
                    let _ = tx.srv_lock_group(second);
                    let _ = tx.srv_advance_group(first, "2027-01", "2026-12-25", "t");
                    let _ = tx.srv_advance_group(second, "2027-01", "2026-12-25", "t");
                    let _ = mark(tx, "test.careless");
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            });
        }
    });
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "the victim ran again");
    assert_eq!(
        (rev(&a, "G1"), rev(&a, "G2")),
        (3, 3),
        "both writes happened, each once"
    );
    assert_eq!(marks(&b, "test.careless"), 2);
}
