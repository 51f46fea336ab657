//! The deduction results report (控除結果報告書) and the reminder letters (督促状) as poppler's
//! `pdftotext` reads them.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use infoone_formats::bill_doc::{from_bill, BillDoc};
use infoone_formats::package::{parse_package, BillPackage, DateStyle};
use infoone_formats::pdf::{self, Address, Context, DeductionReport, MemberResult, Notice, Reminder};

fn package() -> BillPackage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
    parse_package("bill-package.json", &std::fs::read(path).unwrap()).unwrap()
}

fn bill(pkg: &BillPackage) -> BillDoc {
    let ledger = infoone_formats::ledger::to_ledger(pkg, &[]);
    let bill = infoone_domain::bill::compute(&ledger);
    let names = |code: &str| {
        let o = pkg.offices.iter().find(|o| o.code == code).unwrap();
        (o.name.clone(), o.deduction_destination.clone())
    };
    from_bill(&bill, "deducted", 1, &names)
}

fn ctx(pkg: &BillPackage) -> Context {
    Context::from_package(pkg, NaiveDate::from_ymd_opt(2027, 1, 10).unwrap())
}

/// The text pdftotext extracts, without white space (its layout mode turns 　 and gaps into
/// spaces). Fails with a clear message when poppler-utils is missing.
fn text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`pdftotext` could not be run ({e}). The PDF tests read the PDFs with poppler: \
                 install poppler-utils (apt-get install poppler-utils; tests/run-all.sh does this)"
            )
        });
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn has_all(t: &str, words: &[&str]) {
    for w in words {
        let w: String = w.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(t.contains(&w), "「{w}」 not in the extracted text:\n{t}");
    }
}

#[test]
fn the_deduction_report_shows_each_member_and_what_the_office_pays() {
    let pkg = package();
    let b = bill(&pkg);
    let o1 = b.offices.iter().find(|o| o.code == "O001").unwrap();
    // 000102 could not be deducted (leave): MED 4,780 and GTL 942 stay undeducted.
    let collected: BTreeMap<String, i64> = [("GTL".to_string(), 779), ("MED".to_string(), 1380)].into();
    let report = DeductionReport {
        office: o1,
        collected_by_product: collected,
        undeducted: 5722,
        collected_fee: 23 + 34,
        collected_fee_tax: 5,
        payable: 2159 - 62,
        members: vec![
            MemberResult {
                employee_no: "000101".into(),
                billed: 2159,
                deducted: 2159,
                undeducted: 0,
                ..Default::default()
            },
            MemberResult {
                employee_no: "000102".into(),
                billed: 5722,
                deducted: 0,
                undeducted: 5722,
                reason: Some("休職".into()),
                handling: Some("carry_over".into()),
            },
        ],
    };
    let t = text(&pdf::deduction_report(&ctx(&pkg), &b, &report).unwrap());
    has_all(
        &t,
        &[
            "控除結果報告書",
            "本社 御中",
            "2026年12月分",
            "発行日 2027年1月10日",
            "納付額",
            "2,097",
            "団体定期保険 1,721 779 942",
            "団体医療保険 6,160 1,380 4,780",
            "保険料合計（非課税） 7,881 2,159 5,722",
            "集金事務費（控除額に対して再計算・差引） -57",
            "消費税（10%・差引） -5",
            "000101 山田 太郎 2,159 2,159 0",
            "000102 髙橋 美咲 5,722 0 5,722 休職 翌月繰越",
            "合計 7,881 2,159 5,722",
        ],
    );
}

fn reminder(notice: Notice) -> Reminder {
    Reminder {
        notice,
        to: Address {
            name: "大阪支店".into(),
            postal_code: "530-0001".into(),
            address: "大阪府大阪市北区梅田1-1-1".into(),
        },
        honorific: "御中".into(),
        code: "O002".into(),
        month: "2026-12".into(),
        unpaid: 3645,
        original_due: NaiveDate::from_ymd_opt(2027, 1, 29).unwrap(),
        new_due: NaiveDate::from_ymd_opt(2027, 2, 26).unwrap(),
        transfer_failed: None,
    }
}

#[test]
fn a_reminder_after_a_failed_account_transfer_says_so_and_goes_to_the_person() {
    let pkg = package();
    let c = ctx(&pkg);
    let r = Reminder {
        to: Address {
            name: "佐藤 一郎".into(),
            postal_code: "530-0002".into(),
            address: "大阪府大阪市北区曽根崎2-2-2".into(),
        },
        honorific: "様".into(),
        code: "000201".into(),
        unpaid: 1380,
        original_due: NaiveDate::from_ymd_opt(2026, 12, 28).unwrap(),
        new_due: NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
        transfer_failed: Some("資金不足".into()),
        ..reminder(Notice::First)
    };
    let t = text(&pdf::reminder(&c, &r).unwrap());
    has_all(
        &t,
        &[
            "督促状",
            "佐藤 一郎 様",
            "2026年12月28日にご指定の口座から振替ができませんでした（資金不足）",
            "口座振替日 2026年12月28日",
            "振替できなかった理由 資金不足",
            "未入金額 1,380 円",
            "新しいお支払期日 2027年1月19日",
        ],
    );
    assert!(!t.contains("当初のお支払期日"), "{t}");
}

#[test]
fn reminders_name_the_month_the_amount_and_both_due_dates() {
    let pkg = package();
    let c = ctx(&pkg);
    let first = text(&pdf::reminder(&c, &reminder(Notice::First)).unwrap());
    has_all(
        &first,
        &[
            "督促状",
            "第1回",
            "大阪支店 御中",
            "〒530-0001",
            "請求月 2026年12月分",
            "未入金額 3,645 円",
            "当初のお支払期日 2027年1月29日",
            "新しいお支払期日 2027年2月26日",
            "お振込先",
            "1234567",
        ],
    );
    assert!(!first.contains("再通知"));
    let second = text(&pdf::reminder(&c, &reminder(Notice::Second)).unwrap());
    has_all(
        &second,
        &["督促状（再通知）", "第2回", "3,645", "2027年2月26日までに必ず"],
    );

    let mut w = c.clone();
    w.date_style = DateStyle::Wareki;
    let t = text(&pdf::reminder(&w, &reminder(Notice::First)).unwrap());
    has_all(
        &t,
        &["令和8年12月分", "令和9年1月29日", "令和9年2月26日", "令和9年1月10日"],
    );
}
