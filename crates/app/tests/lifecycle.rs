//! The month's states through the application layer on the worked example: confirm freezes,
//! reopen is explicit and logged (第2版), deduction results give undeducted and payable to the yen,
//! the report is written, and every refused step leaves the database as it was.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::{ErrorCode, MonthRef, Selection};
use infoone_domain::deduction::Mode;

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

struct Case {
    dir: tempfile::TempDir,
    store: Store,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
        infoone_app::load_package(&mut store, &pkg, now()).unwrap();
        Case { dir, store }
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn fingerprint(&mut self) -> String {
        self.store.read(|tx| tx.fingerprint()).unwrap()
    }
    fn confirm_without_w0001(&mut self) {
        infoone_app::reject(&mut self.store, &dec(), &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut self.store, &dec(), now()).unwrap();
    }
    fn deductions(&mut self, text: &str, mode: Mode) -> Result<infoone_app::DeductionSummary, infoone_app::AppError> {
        let f = self.file("deductions.csv", text);
        infoone_app::import_deductions(&mut self.store, &dec(), &f, mode, now())
    }
}

#[test]
fn confirm_freezes_and_reopen_makes_a_second_revision() {
    let mut c = Case::new();
    c.confirm_without_w0001();
    let bill = infoone_app::bill(&mut c.store, &dec()).unwrap();
    assert_eq!(
        (bill.state.as_str(), bill.revision, bill.totals.invoice_amount),
        ("confirmed", 1, 11301)
    );

    // A confirmed month takes no change until reopened; the refusal changes nothing.
    let before = c.fingerprint();
    let err = infoone_app::accept(&mut c.store, &dec(), &Selection::All, now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    let err = infoone_app::reopen(&mut c.store, &dec(), "  ", now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadInput);
    assert_eq!(c.fingerprint(), before);

    infoone_app::reopen(&mut c.store, &dec(), "W0001の申込書を見落とし", now()).unwrap();
    let changes = infoone_app::list_changes(&mut c.store, &dec()).unwrap();
    let w = changes.iter().find(|x| x.change["application"] == "W0001").unwrap();
    assert_eq!(w.status, "rejected");
    infoone_app::accept(&mut c.store, &dec(), &Selection::Ids(vec![w.id]), now()).unwrap();
    let doc = infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
    // 第2版: O002 6224 → 6033 (WORKED-EXAMPLE.md); total 7656 + 6033 = 13689.
    assert_eq!((doc.revision, doc.totals.invoice_amount), (2, 13689));
    let log = c.store.read(|tx| tx.audit_log(None)).unwrap();
    let reopen = log.iter().find(|a| a.action == "month.reopen").unwrap();
    assert_eq!(reopen.detail.as_deref(), Some("W0001の申込書を見落とし"));
    assert_eq!(log.iter().filter(|a| a.action == "month.confirm").count(), 2);
}

#[test]
fn partial_deduction_gives_undeducted_and_payable_to_the_yen() {
    let mut c = Case::new();
    c.confirm_without_w0001();
    // 000102 has E0003 GTL 942 and E0004 MED 4780 = 5722; 3000 deducted covers GTL 942 in full,
    // then 2058 of MED: 4780 − 2058 = 2722 undeducted.
    let s = c
        .deductions("社員番号,控除額,理由\n000102,3000,給与不足\n", Mode::Exceptions)
        .unwrap();
    assert_eq!((s.members, s.not_in_full, s.undeducted), (3, 1, 2722));
    let bill = infoone_app::bill(&mut c.store, &dec()).unwrap();
    assert_eq!(bill.state, "deducted");
    let o1 = &bill.offices[0].totals;
    // O001 collected: GTL 779 + 942 = 1721, MED 6160 − 2722 = 3438 → 5159.
    // collected_fee = floor(1721 × 0.03 = 51.63) + floor(3438 × 0.025 = 85.95) = 51 + 85 = 136;
    // collected_fee_tax = floor(13.6) = 13; payable = 5159 − 149 = 5010. fee/fee_tax stay 205/20.
    assert_eq!(
        (
            o1.fee,
            o1.fee_tax,
            o1.undeducted,
            o1.collected_fee,
            o1.collected_fee_tax,
            o1.payable
        ),
        (205, 20, Some(2722), Some(136), Some(13), Some(5010))
    );
    let o2 = &bill.offices[1].totals;
    // O002 deducted in full: 3769 − (113 + 11) = 3645.
    assert_eq!((o2.undeducted, o2.payable), (Some(0), Some(3645)));
    let t = &bill.totals;
    // 5010 + 3645 = 8655; 136 + 113 = 249; 13 + 11 = 24.
    assert_eq!(
        (t.undeducted, t.collected_fee, t.collected_fee_tax, t.payable),
        (Some(2722), Some(249), Some(24), Some(8655))
    );
    // Agent commission on what was collected (DOMAIN.md §4), both products agent A001:
    // GTL 1721 + 3769 = 5490 × 0.10 = 549; MED 3438 × 0.08 = 275.04 → 275; 549 + 275 = 824
    // (on the billed premiums it was 549 + trunc(6160 × 0.08 = 492.8) = 1041).
    let commissions: Vec<_> = bill
        .commissions
        .iter()
        .map(|c| (c.agent_code.as_str(), c.amount))
        .collect();
    assert_eq!(commissions, vec![("A001", 824)]);

    let out = c.dir.path().join("report.json");
    let r = infoone_app::write_report(&mut c.store, &dec(), &out, now()).unwrap();
    assert_eq!(r.totals.payable, 8655);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["format"], "infoone.result-report/1");
    assert_eq!(report["undeducted"][0]["enrollment"], "E0004");
    assert_eq!(report["undeducted"][0]["amount"], 2722);
    assert_eq!(report["undeducted"][0]["handling"], "carry_over");
    // Writing it again gives the same idempotency key.
    let again = infoone_app::write_report(&mut c.store, &dec(), &out, now()).unwrap();
    assert_eq!(again.idempotency_key, r.idempotency_key);
}

#[test]
fn bad_deduction_results_are_refused_with_rows_and_change_nothing() {
    let mut c = Case::new();
    c.confirm_without_w0001();
    let before = c.fingerprint();
    // 000201 was billed 3769: 4000 is above it; 999999 was not billed; full mode needs everyone.
    let err = c
        .deductions("社員番号,控除額,理由\n000201,4000,\n999999,0,休職\n", Mode::Full)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadInput);
    assert_eq!(
        err.message,
        "控除結果を取り込めません（4件）。何も変更していません:\n\
deductions.csv 3行目 社員番号999999: 社員番号「999999」には今月の請求がありません (D5002)\n\
deductions.csv 社員番号000101: 社員番号「000101」（事業所O001、請求2159円）が控除結果にありません (D5004)\n\
deductions.csv 社員番号000102: 社員番号「000102」（事業所O001、請求5722円）が控除結果にありません (D5004)\n\
deductions.csv 2行目 社員番号000201: 社員番号「000201」の控除額4000円が請求額3769円を超えています (D5001)"
    );
    assert_eq!(c.fingerprint(), before);
}

#[test]
fn steps_out_of_order_are_refused() {
    let mut c = Case::new();
    let out = c.dir.path().join("r.json");
    let err = infoone_app::write_report(&mut c.store, &dec(), &out, now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    let err = c
        .deductions("社員番号,控除額\n000101,0\n", Mode::Exceptions)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    let err = infoone_app::reopen(&mut c.store, &dec(), "x", now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    let err = infoone_app::bill(&mut c.store, &MonthRef::new("2027-01".parse().unwrap())).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[test]
fn a_month_confirmed_in_this_database_is_corrected_by_retro_lines_next_month() {
    // December is confirmed here (not yet reported, so January's package has no December in its
    // `billed` list): DOMAIN.md §4 "or it is confirmed in the local database".
    let mut c = Case::new();
    c.confirm_without_w0001();
    let mut jan: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json"))
            .unwrap(),
    )
    .unwrap();
    jan["month"] = "2027-01".into();
    jan["issued_on"] = "2026-12-25".into();
    jan["version"] = "worked-example-2027-01".into();
    jan["pending_applications"] = serde_json::json!([]);
    assert!(jan["billed"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["month"] != "2026-12"));
    let f = c.file("jan.json", &jan.to_string());
    infoone_app::load_package(&mut c.store, &f, now()).unwrap();
    let january = MonthRef::new("2027-01".parse().unwrap());

    // 000201's E0005 (O002) ended with November, reported late: December's 3769, billed and
    // confirmed here, comes back as a refund on O002's January bill; January has no line.
    infoone_app::add_change(
        &mut c.store,
        &january,
        infoone_domain::change::Change::Withdrawal {
            enrollment: "E0005".into(),
            date: "2026-11-15".parse().unwrap(),
            option: infoone_domain::ledger::WithdrawalOption::End,
        },
        false,
        now(),
    )
    .unwrap();
    let bill = infoone_app::bill(&mut c.store, &january).unwrap();
    let o2 = bill.offices.iter().find(|o| o.code == "O002").unwrap();
    let lines: Vec<_> = o2
        .lines
        .iter()
        .map(|l| (l.kind.as_str(), l.enrollment.as_str(), l.month.as_str(), l.amount))
        .collect();
    assert_eq!(lines, vec![("retro", "E0005", "2026-12", -3769)]);
    // O002: premium_total −3769; fee trunc(−3769 × 0.03 = −113.07) = −113; tax trunc(−11.3) = −11;
    // invoice −3769 − (−113 − 11) = −3645.
    assert_eq!(
        (
            o2.totals.premium_total,
            o2.totals.fee,
            o2.totals.fee_tax,
            o2.totals.invoice_amount
        ),
        (-3769, -113, -11, -3645)
    );
}
