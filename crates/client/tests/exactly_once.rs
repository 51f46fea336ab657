//! Exactly once, on the clerk's side (issue 9), against the REAL insurer server over real TLS
//! on 127.0.0.1:
//!
//! - a report queued while the insurer was unreachable carries the month's LATEST results when
//!   it finally goes out (deductions imported again in the same revision);
//! - a receipt the insurer gave but whose answer was lost is recorded when the clerk, having
//!   reopened and reconfirmed (第2版), submits again and is told `already_reported`;
//! - two senders on one database at once: one sends, the other does not send it again.

mod common;

use std::time::Duration;

use common::{now, Clerk, DropProxy, Fault, FaultProxy, Insurer, DEC, GROUP, PARTIAL};
use infoone_app::infoone_store::{LedgerTx, Store};
use infoone_app::submit;
use infoone_app::Selection;
use infoone_client::{MemoryTokens, Online, Outcome};
use infoone_domain::deduction::Mode;
use serde_json::Value;

/// 控除額 of employee `emp` in a report body.
fn deducted(body: &[u8], emp: &str) -> i64 {
    let v: Value = serde_json::from_slice(body).unwrap();
    v["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["employee_no"] == emp)
        .unwrap_or_else(|| panic!("no {emp} in {v}"))["deducted"]
        .as_i64()
        .unwrap()
}

fn import(clerk: &mut Clerk, csv: &str) {
    let at = clerk.at(DEC);
    let file = clerk.dir.path().join("deductions-again.csv");
    std::fs::write(&file, csv).unwrap();
    infoone_app::import_deductions(&mut clerk.store, &at, &file, Mode::Exceptions, now()).unwrap();
}

/// The report the insurer holds for the month: (receipt number, idempotency key).
fn insurer_holds(insurer: &Insurer) -> (String, String) {
    let mut db = Store::open(&insurer.dir.path().join("server.db")).unwrap();
    let r = db
        .read(|tx| tx.srv_report_for_month(GROUP, DEC))
        .unwrap()
        .expect("the insurer has the month's report");
    (r.receipt_no, r.idempotency_key)
}

#[test]
fn a_queued_report_goes_out_with_the_months_latest_results() {
    let mut insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    insurer.stop();
    let first = clerk.submit().unwrap();
    assert!(matches!(first.this_month().unwrap().outcome, Outcome::Queued { .. }));
    let old_key = first.queued.entry.idempotency_key.clone();
    assert_eq!(deducted(&first.queued.entry.body, "000102"), 3000);

    // Payroll corrects the results (000102: 3,000 → 0) in the same revision.
    import(&mut clerk, "社員番号,控除額,理由\n000102,0,給与不足\n");
    insurer.restart();
    let s = clerk.submit().unwrap();
    let d = s.this_month().expect("this month's report was tried");
    let Outcome::Sent { receipt, .. } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    // What went out carries the new results, under a new key (a changed body is no replay).
    assert_eq!(deducted(&d.entry.body, "000102"), 0);
    assert_ne!(d.entry.idempotency_key, old_key);
    let (receipt_no, key) = insurer_holds(&insurer);
    assert_eq!(
        (receipt_no.as_str(), key.as_str()),
        (receipt.receipt_no.as_str(), d.entry.idempotency_key.as_str())
    );
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    let statuses: Vec<&str> = outbox.iter().map(|e| e.status).collect();
    assert_eq!(statuses, ["superseded", "sent"]);
    assert_eq!(clerk.state(DEC), "reported");
}

#[test]
fn importing_the_same_results_again_keeps_the_queued_report_as_it_is() {
    let mut insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    insurer.stop();
    let first = clerk.submit().unwrap();
    import(&mut clerk, PARTIAL);
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].idempotency_key, first.queued.entry.idempotency_key);
    assert_eq!(outbox[0].body, first.queued.entry.body);
}

#[test]
fn a_receipt_whose_answer_was_lost_is_recorded_after_a_reopen_and_a_second_version() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let proxy = DropProxy::start(&insurer.rt, insurer.addr);
    let mut clerk = Clerk::new(&proxy.url(), &insurer.ca, &token);
    clerk.work_december();
    let body_len = {
        let at = clerk.at(DEC);
        let file = clerk.dir.path().join("probe.json");
        infoone_app::write_report(&mut clerk.store, &at, &file, now()).unwrap();
        std::fs::metadata(&file).unwrap().len() as usize
    };
    // The insurer commits the report; its answer never reaches the clerk (no retry this time).
    proxy.arm(body_len);
    clerk.options.retry.attempts = 1;
    let s = clerk.submit().unwrap();
    assert!(
        matches!(s.this_month().unwrap().outcome, Outcome::Queued { .. }),
        "{:?}",
        s.this_month()
    );
    // (The proxy counts the cut just after closing the client's side.)
    let t = std::time::Instant::now();
    while proxy.dropped().0 == 0 && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(proxy.dropped().0, 1);
    let first_key = s.queued.entry.idempotency_key.clone();
    let (receipt_no, key) = insurer_holds(&insurer);
    assert_eq!(key, first_key);
    assert_eq!(clerk.state(DEC), "deducted");

    // The clerk, not knowing, reopens and reconfirms (第2版) and submits that.
    let at = clerk.at(DEC);
    infoone_app::reopen(&mut clerk.store, &at, "控除結果の訂正", now()).unwrap();
    let _ = infoone_app::accept(&mut clerk.store, &at, &Selection::All, now());
    infoone_app::confirm(&mut clerk.store, &at, now()).unwrap();
    import(&mut clerk, "社員番号,控除額,理由\n000102,0,給与不足\n");
    let s = clerk.submit().unwrap();
    let d = s.this_month().expect("tried");
    let Outcome::AlreadyReported { receipt, error } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(error.server_code.as_deref(), Some("already_reported"));
    // The insurer's receipt is recorded, as data, and the month is reported with it.
    assert_eq!(receipt.receipt_no, receipt_no);
    assert_eq!(receipt.idempotency_key, first_key);
    assert_eq!(clerk.state(DEC), "reported");
    let row = clerk
        .store
        .read(|tx| tx.month(GROUP, DEC.parse().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(row.receipt.as_deref(), Some(receipt_no.as_str()));
    // The outbox entry the receipt belongs to (the first version) is the sent one.
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    let sent: Vec<_> = outbox.iter().filter(|e| e.status == "sent").collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].idempotency_key, first_key);
    assert_eq!(sent[0].receipt_no.as_deref(), Some(receipt_no.as_str()));
    let audit = clerk.store.read(|tx| tx.audit_log(Some(5))).unwrap();
    assert!(audit.iter().any(|a| a.action == "report.already_reported"), "{audit:?}");
    // Submitting again is refused locally with the receipt number.
    let again = clerk.submit().unwrap_err();
    assert!(again.message.contains(&receipt_no), "{}", again.message);
}

#[test]
fn two_senders_on_one_database_send_a_report_once() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let proxy = FaultProxy::start(&insurer, Vec::new());
    let mut clerk = Clerk::new(&proxy.url(), &insurer.ca, &token);
    clerk.work_december();
    let before = proxy.requests();
    // The report's answer is held 1.5 s, so the two senders overlap.
    proxy.push_faults(vec![Fault::HoldAnswer(Duration::from_millis(1500))]);
    let at = clerk.at(DEC);
    let file = clerk.report_file();
    submit::queue_report(&mut clerk.store, &at, &file, now()).unwrap();
    let db = clerk.dir.path().join("clerk.db");
    let url = proxy.url();
    let options = clerk.options.clone();
    let send = move |delay: Duration| {
        let db = db.clone();
        let url = url.clone();
        let token = token.clone();
        let options = options.clone();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            // A process of its own: its own connection to the database.
            let mut store = Store::open(&db).unwrap();
            let tokens = MemoryTokens::with(&url, GROUP, &token);
            let online = Online {
                tokens: &tokens,
                options,
            };
            infoone_client::flush_outbox(&mut store, &online, None).unwrap()
        })
    };
    let a = send(Duration::ZERO);
    let b = send(Duration::from_millis(400));
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    eprintln!("sender A: {} deliveries, sender B: {}", a.len(), b.len());
    assert_eq!(
        a.len() + b.len(),
        1,
        "both senders sent it (A {}, B {})",
        a.len(),
        b.len()
    );
    assert!(matches!(a[0].outcome, Outcome::Sent { replayed: false, .. }));
    assert_eq!(proxy.requests() - before, 1, "the report went out once");
    assert_eq!(clerk.state(DEC), "reported");
    // The claim is let go: nothing is held once sent.
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].status, "sent");
}
