//! The outbox without a network: one report per month and revision, the same body and key on
//! every attempt, a reopened month's waiting report set aside, receipts recorded once; and the
//! backoff schedule.

use std::time::Duration;

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::submit::{self, Receipt};
use infoone_app::{ErrorCode, MonthRef, Selection};
use infoone_client::RetryPolicy;
use infoone_domain::deduction::Mode;

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

fn deducted(store: &mut Store, dir: &std::path::Path) {
    infoone_app::confirm(store, &dec(), now()).unwrap();
    let csv = dir.join("d.csv");
    std::fs::write(&csv, "社員番号,控除額,理由\n000102,3000,給与不足\n").unwrap();
    infoone_app::import_deductions(store, &dec(), &csv, Mode::Exceptions, now()).unwrap();
}

fn receipt(key: &str) -> Receipt {
    Receipt {
        receipt_no: "R-20261125-000001".into(),
        group: "G0001".into(),
        month: "2026-12".into(),
        received_at: "2026-11-25T10:00:01+09:00".into(),
        idempotency_key: key.into(),
    }
}

#[test]
fn one_report_per_month_and_revision_and_a_reopened_months_report_never_goes_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.db")).unwrap();
    let pkg =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, now()).unwrap();
    infoone_app::reject(&mut store, &dec(), &Selection::All, now()).unwrap();

    // Not before deductions.
    let err = submit::queue_report(&mut store, &dec(), &dir.path().join("r.json"), now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    assert!(submit::outbox(&mut store).unwrap().is_empty());

    deducted(&mut store, dir.path());
    let a = submit::queue_report(&mut store, &dec(), &dir.path().join("r1.json"), now()).unwrap();
    assert!(a.newly_queued);
    // Queued again (another day, even): the same entry, body and key — not a second report.
    let later: NaiveDateTime = "2026-11-30T09:00:00".parse().unwrap();
    let b = submit::queue_report(&mut store, &dec(), &dir.path().join("r2.json"), later).unwrap();
    assert!(!b.newly_queued);
    assert_eq!(
        (b.entry.id, &b.entry.idempotency_key, &b.entry.body),
        (a.entry.id, &a.entry.idempotency_key, &a.entry.body)
    );
    assert!(!dir.path().join("r2.json").exists());
    let body: serde_json::Value = serde_json::from_slice(&a.entry.body).unwrap();
    assert_eq!(body["idempotency_key"], a.entry.idempotency_key.as_str());

    // The clerk reopens and reconfirms (第2版) before it went out: the waiting one is set aside.
    infoone_app::reopen(&mut store, &dec(), "W0001の申込書を見落とし", now()).unwrap();
    assert!(submit::sendable_reports(&mut store, None, now()).unwrap().is_empty());
    infoone_app::accept(&mut store, &dec(), &Selection::All, now()).unwrap();
    deducted(&mut store, dir.path());
    let c = submit::queue_report(&mut store, &dec(), &dir.path().join("r3.json"), now()).unwrap();
    assert!(c.newly_queued);
    assert_ne!(c.entry.idempotency_key, a.entry.idempotency_key);
    let all = submit::outbox(&mut store).unwrap();
    let statuses: Vec<&str> = all.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec!["superseded", "queued"]);
    let ready = submit::sendable_reports(&mut store, Some("G0001"), now()).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].revision, 2);

    // A receipt for another key is refused; the right one reports the month, once.
    let err = submit::record_receipt(&mut store, c.entry.id, &receipt("other"), "https://x", now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Internal);
    let r = receipt(&c.entry.idempotency_key);
    submit::record_receipt(&mut store, c.entry.id, &r, "https://x", now()).unwrap();
    submit::record_receipt(&mut store, c.entry.id, &r, "https://x", now()).unwrap();
    let st = infoone_app::status(&mut store, &dec()).unwrap();
    assert_eq!(st.state, "reported");
    let log = store.read(|tx| tx.audit_log(None)).unwrap();
    assert_eq!(log.iter().filter(|a| a.action == "report.submit").count(), 1);
    // A reported month is not queued again.
    let err = submit::queue_report(&mut store, &dec(), &dir.path().join("r4.json"), now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    assert!(err.message.contains("R-20261125-000001"), "{}", err.message);
    assert!(submit::sendable_reports(&mut store, None, now()).unwrap().is_empty());
}

#[test]
fn a_refused_report_sent_again_keeps_its_body_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.db")).unwrap();
    let pkg =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    infoone_app::load_package(&mut store, &pkg, now()).unwrap();
    infoone_app::reject(&mut store, &dec(), &Selection::All, now()).unwrap();
    deducted(&mut store, dir.path());
    let a = submit::queue_report(&mut store, &dec(), &dir.path().join("r.json"), now()).unwrap();
    submit::record_attempt(&mut store, a.entry.id, "offline", now()).unwrap();
    submit::record_refusal(&mut store, a.entry.id, "stale_package", "古い", now()).unwrap();
    assert!(submit::sendable_reports(&mut store, None, now()).unwrap().is_empty());
    let b = submit::queue_report(&mut store, &dec(), &dir.path().join("r.json"), now()).unwrap();
    assert!(!b.newly_queued);
    assert_eq!(
        (b.entry.id, b.entry.status, b.entry.attempts),
        (a.entry.id, "queued", 0)
    );
    assert_eq!(b.entry.body, a.entry.body);
    let log = store.read(|tx| tx.audit_log(None)).unwrap();
    assert!(log
        .iter()
        .any(|x| x.action == "report.refused" && x.detail.as_deref() == Some("古い")));
    assert!(log.iter().any(|x| x.action == "report.requeue"));
}

#[test]
fn the_backoff_doubles_up_to_its_cap_and_honours_retry_after() {
    let p = RetryPolicy {
        attempts: 6,
        base: Duration::from_millis(500),
        max: Duration::from_secs(8),
        jitter: false,
    };
    let d: Vec<u128> = (1..=6).map(|n| p.delay(n, None).as_millis()).collect();
    assert_eq!(d, vec![500, 1000, 2000, 4000, 8000, 8000]);
    assert_eq!(p.delay(1, Some(3)), Duration::from_secs(3));
    assert_eq!(p.delay(1, Some(3600)), Duration::from_secs(8));
    let j = RetryPolicy { jitter: true, ..p };
    for n in 1..=4 {
        let x = j.delay(n, None);
        let exp = p.delay(n, None);
        assert!(x >= exp && x <= exp + exp / 4, "{n}: {x:?}");
    }
}
