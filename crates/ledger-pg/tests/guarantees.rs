//! What the PostgreSQL ledger guarantees by itself, on a real database (`INFOONE_TEST_PG`, set
//! by tests/pg-cluster.sh; without it each test says so and does nothing): the group's row lock
//! across two connection pools ("two nodes"), the unique constraints, receipt numbers from a
//! sequence, migrations applied once.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use infoone_ledger_pg::{migration_versions, Options, PgLedger};
use infoone_store::ledger_db::NewReport;
use infoone_store::{LedgerTx, StoreError};

mod common;
use common::url;

fn node(url: &str) -> PgLedger {
    PgLedger::connect(url, &Options::default()).unwrap()
}

fn report<'a>(month: &'a str, key: &'a str) -> NewReport<'a> {
    NewReport {
        group_code: "G1",
        month,
        idempotency_key: key,
        body_sha256: "h",
        received_at: "2026-12-05T10:00:00+09:00",
        package_version: "v",
        body: b"{}",
    }
}

#[test]
fn a_second_node_waits_for_the_groups_row_lock_and_then_sees_the_first_ones_write() {
    let Some(url) = url("row lock") else { return };
    let (a, b) = (node(&url), node(&url));
    a.write(|tx| tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t"))
        .unwrap();
    let (locked, go) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            a.write(|tx| {
                assert_eq!(tx.srv_lock_group("G1")?.unwrap().rev, 1);
                locked.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(400));
                tx.srv_advance_group("G1", "2027-01", "2026-12-25", "t")
            })
            .unwrap();
        });
        go.recv().unwrap();
        let started = Instant::now();
        let seen = b.write(|tx| tx.srv_lock_group("G1")).unwrap().unwrap();
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(300), "waited only {waited:?}");
        // It read the row as the first node committed it, not as it was when it asked.
        assert_eq!((seen.rev, seen.current_month.as_str()), (2, "2027-01"));
    });
}

#[test]
fn one_report_per_month_and_per_key_by_unique_constraints() {
    let Some(url) = url("unique constraints") else { return };
    let db = node(&url);
    let first = db.write(|tx| tx.srv_insert_report(&report("2026-12", "k"))).unwrap();
    assert_eq!(first.receipt_no, "R-20261205-000001");
    let same_month: Result<_, StoreError> = db.write(|tx| tx.srv_insert_report(&report("2026-12", "k2")));
    assert!(same_month.unwrap_err().is_unique_violation());
    let same_key: Result<_, StoreError> = db.write(|tx| tx.srv_insert_report(&report("2027-01", "k")));
    assert!(same_key.unwrap_err().is_unique_violation());
    // Nothing of the refused ones was kept.
    assert_eq!(db.read(|tx| tx.srv_report_for_month("G1", "2027-01")).unwrap(), None);
}

#[test]
fn receipt_numbers_come_from_a_sequence_and_never_repeat() {
    let Some(url) = url("receipt sequence") else { return };
    let (a, b) = (node(&url), node(&url));
    let first = a.write(|tx| tx.srv_insert_report(&report("2026-12", "k1"))).unwrap();
    // A transaction that took a number and rolled back: the number is not handed out again.
    let rolled_back: Result<(), StoreError> = b.write(|tx| {
        tx.srv_insert_report(&report("2027-01", "k2"))?;
        Err(StoreError::Invalid("refused after the insert".into()))
    });
    assert!(rolled_back.is_err());
    let next = b.write(|tx| tx.srv_insert_report(&report("2027-01", "k2"))).unwrap();
    assert_eq!(first.receipt_no, "R-20261205-000001");
    assert_eq!(next.receipt_no, "R-20261205-000003");
}

#[test]
fn migrations_are_applied_once_and_a_newer_schema_is_refused() {
    let Some(url) = url("migrations") else { return };
    let a = node(&url);
    let b = node(&url);
    let latest = *migration_versions().last().unwrap();
    assert_eq!(a.schema_version().unwrap(), latest);
    assert_eq!(b.schema_version().unwrap(), latest);
    // The audit log is append-only below every caller.
    a.write(|tx| {
        tx.audit(&infoone_store::Audit {
            at: "t",
            action: "x",
            ..Default::default()
        })
    })
    .unwrap();
    assert_eq!(b.read(|tx| tx.audit_log(None)).unwrap().len(), 1);
}
