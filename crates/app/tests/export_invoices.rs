//! `export::invoices` on the worked example, loaded and confirmed through the app: the files it
//! writes, and what poppler's `pdftotext` (an independent reader) finds in them — Japanese text,
//! every total, 非課税 and 消費税, 第2版 after a reopen, individual invoices and the deduction
//! results reports.

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn worked_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json")
}

struct Case {
    dir: tempfile::TempDir,
    store: Store,
}

impl Case {
    fn with_package(package: &Path) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        infoone_app::load_package(&mut store, package, now()).unwrap();
        Case { dir, store }
    }
    fn new() -> Case {
        Case::with_package(&worked_example())
    }
    /// Confirm December without Web application W0001 (rejected).
    fn confirm(&mut self) {
        infoone_app::reject(&mut self.store, &dec(), &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut self.store, &dec(), now()).unwrap();
    }
    fn export(&mut self, sub: &str) -> (PathBuf, infoone_app::export::ExportSummary) {
        let out = self.dir.path().join(sub);
        let s = infoone_app::export::invoices(&mut self.store, &dec(), &out, now()).unwrap();
        (out, s)
    }
}

/// The text pdftotext extracts, without white space (its layout mode turns 　 and column gaps into
/// spaces). Fails with a clear message when poppler-utils is missing.
fn text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`pdftotext` could not be run ({e}). The PDF tests read the PDFs with poppler: \
                 install poppler-utils (apt-get install poppler-utils; tests/run-all.sh does this)"
            )
        });
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
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

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_confirmed_month_gives_an_invoice_per_office_and_one_for_the_group() {
    let mut c = Case::new();
    c.confirm();
    let (out, s) = c.export("out");
    assert_eq!(s.kind, "invoices");
    assert_eq!(s.records, 2);
    assert_eq!(
        names(&out),
        [
            "invoice_O001_2026-12.pdf",
            "invoice_O002_2026-12.pdf",
            "invoices_G0001_2026-12.pdf"
        ]
    );
    assert_eq!(s.files.len(), 3);
    assert!(s.notes.iter().any(|n| n.contains("控除結果報告書")), "{:?}", s.notes);

    let o1 = text(&out.join("invoice_O001_2026-12.pdf"));
    has_all(
        &o1,
        &[
            "請求書",
            "サンプル工業株式会社",
            "本社 御中",
            "2026年12月分",
            "発行日 2026年11月25日",
            "お支払期日（2027年1月29日）までに",
            "団体定期保険 2026年12月 2 1,721",
            "団体医療保険 2026年12月 2 6,160",
            "保険料合計（非課税） 7,881",
            "集金事務費（差引） -205",
            "消費税（10%・差引） -20",
            "ご請求額 7,656",
            "口座番号 1234567",
            "000102 髙橋 美咲",
        ],
    );
    assert!(!o1.contains("第2版"));
    let o2 = text(&out.join("invoice_O002_2026-12.pdf"));
    has_all(
        &o2,
        &[
            "大阪支店 御中",
            "保険料合計（非課税） 3,769",
            "-113",
            "-11",
            "ご請求額 3,645",
            "消費税",
        ],
    );
    let all = text(&out.join("invoices_G0001_2026-12.pdf"));
    has_all(
        &all,
        &["本社 御中", "ご請求額 7,656", "大阪支店 御中", "ご請求額 3,645"],
    );
}

#[test]
fn before_confirmation_there_is_nothing_to_invoice() {
    let mut c = Case::new();
    let out = c.dir.path().join("out");
    let err = infoone_app::export::invoices(&mut c.store, &dec(), &out, now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    assert!(!out.exists());
}

#[test]
fn a_reopened_month_is_reissued_as_the_second_revision_without_overwriting_the_first() {
    let mut c = Case::new();
    c.confirm();
    let (out, _) = c.export("out");
    infoone_app::reopen(&mut c.store, &dec(), "W0001の申込書を見落とし", now()).unwrap();
    let changes = infoone_app::list_changes(&mut c.store, &dec()).unwrap();
    let w = changes.iter().find(|x| x.change["application"] == "W0001").unwrap();
    infoone_app::accept(&mut c.store, &dec(), &Selection::Ids(vec![w.id]), now()).unwrap();
    infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
    let s = infoone_app::export::invoices(&mut c.store, &dec(), &out, now()).unwrap();
    assert!(s.notes.iter().any(|n| n.contains("第2版")), "{:?}", s.notes);
    let files = names(&out);
    assert!(files.contains(&"invoice_O002_2026-12.pdf".to_string()), "{files:?}");
    assert!(files.contains(&"invoice_O002_2026-12_v2.pdf".to_string()), "{files:?}");
    assert!(
        files.contains(&"invoices_G0001_2026-12_v2.pdf".to_string()),
        "{files:?}"
    );
    // 第2版: O002 with W0001 (MED 2,455): 6,224 − (174 + 17) = 6,033 (WORKED-EXAMPLE.md).
    let o2 = text(&out.join("invoice_O002_2026-12_v2.pdf"));
    has_all(
        &o2,
        &[
            "第2版",
            "先にお送りした請求書に代わるもの",
            "保険料合計（非課税） 6,224",
            "-174",
            "-17",
            "ご請求額 6,033",
            "団体医療保険",
        ],
    );
    let first = text(&out.join("invoice_O002_2026-12.pdf"));
    has_all(&first, &["ご請求額 3,645"]);
    assert!(!first.contains("第2版"));
}

#[test]
fn deducted_months_add_a_deduction_results_report_per_office() {
    let mut c = Case::new();
    c.confirm();
    let f = c.dir.path().join("deductions.csv");
    std::fs::write(&f, "社員番号,控除額,理由\n000102,3000,給与不足\n").unwrap();
    infoone_app::import_deductions(&mut c.store, &dec(), &f, Mode::Exceptions, now()).unwrap();
    let (out, s) = c.export("out");
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let files = names(&out);
    assert!(
        files.contains(&"deduction-report_O001_2026-12.pdf".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"deduction-report_O002_2026-12.pdf".to_string()),
        "{files:?}"
    );
    // O001 (lifecycle.rs): collected 1,721 + 3,438 = 5,159; fee 136, tax 13; payable 5,010.
    let r1 = text(&out.join("deduction-report_O001_2026-12.pdf"));
    has_all(
        &r1,
        &[
            "控除結果報告書",
            "本社 御中",
            "団体定期保険 1,721 1,721 0",
            "団体医療保険 6,160 3,438 2,722",
            "保険料合計（非課税） 7,881 5,159 2,722",
            "-136",
            "-13",
            "納付額 5,010",
            "000101 山田 太郎 2,159 2,159 0",
            "000102 髙橋 美咲 5,722 3,000 2,722 給与不足 翌月繰越",
        ],
    );
    let r2 = text(&out.join("deduction-report_O002_2026-12.pdf"));
    has_all(
        &r2,
        &["大阪支店 御中", "納付額 3,645", "000201 佐藤 一郎 3,769 3,769 0"],
    );
}

#[test]
fn carry_overs_are_their_own_line_and_a_retired_members_amount_gets_an_individual_invoice() {
    // The package carries 942 (給与不足, carried over to O001) and 1,380 (退職: billed to the
    // person) from November.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(worked_example()).unwrap()).unwrap();
    v["carry_over"] = serde_json::json!([
        {"enrollment": "E0003", "office": "O001", "month": "2026-11", "amount": 942, "reason": "給与不足", "times_carried": 0},
        {"enrollment": "E0002", "office": "O001", "month": "2026-11", "amount": 1380, "reason": "退職", "times_carried": 0}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("bill-package.json");
    std::fs::write(&pkg, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let mut c = Case::with_package(&pkg);
    c.confirm();
    let bill = infoone_app::bill(&mut c.store, &dec()).unwrap();
    assert_eq!(bill.individual_bills.len(), 1, "{:?}", bill.individual_bills);
    let ind = &bill.individual_bills[0];
    let (out, s) = c.export("out");
    assert_eq!(s.records, 3);
    let name = format!("individual_{}_2026-12.pdf", ind.employee_no);
    assert!(names(&out).contains(&name), "{:?}", names(&out));
    let t = text(&out.join(&name));
    has_all(
        &t,
        &[
            "個別請求書",
            "山田 太郎 様",
            "社員番号 000101",
            "控除できなかった保険料",
            "団体医療保険",
            "1,380",
            "合計（非課税） 1,380",
        ],
    );
    let o1 = text(&out.join("invoice_O001_2026-12.pdf"));
    has_all(
        &o1,
        &["繰越 団体定期保険 2026年11月 1 942", "保険料合計（非課税） 8,823"],
    );
}
