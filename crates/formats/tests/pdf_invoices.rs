//! The invoices as a reader sees them: the text poppler's `pdftotext` extracts (an independent
//! reader), word positions from `pdftotext -bbox` for right alignment, `pdffonts` for the subset.
//!
//! The worked example's bill is computed here through `formats::ledger` and `domain::bill`, exactly
//! as `infoone_app` does before freezing it (crates/app/tests/export_invoices.rs goes through the
//! app and the database).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use infoone_formats::bill_doc::{from_bill, BillDoc, IndividualDoc, IndividualItemDoc, LineDoc, OfficeDoc, TotalsDoc};
use infoone_formats::package::{parse_package, BillPackage, DateStyle, FeeSettlement};
use infoone_formats::pdf::{self, Context};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn package() -> BillPackage {
    let bytes = std::fs::read(data("../../tests/data/worked-example/bill-package.json")).unwrap();
    parse_package("bill-package.json", &bytes).unwrap()
}

fn issue_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// The worked example's December bill (W0001 not accepted), revision `revision`.
fn bill(pkg: &BillPackage, revision: i64) -> BillDoc {
    let ledger = infoone_formats::ledger::to_ledger(pkg, &[]);
    let bill = infoone_domain::bill::compute(&ledger);
    let names = |code: &str| {
        let o = pkg.offices.iter().find(|o| o.code == code).unwrap();
        (o.name.clone(), o.deduction_destination.clone())
    };
    from_bill(&bill, "confirmed", revision, &names)
}

fn ctx(pkg: &BillPackage) -> Context {
    Context::from_package(pkg, issue_date())
}

/// Run a poppler tool on `pdf`; fails with a clear message when poppler-utils is missing.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(&path);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "`{tool}` could not be run ({e}). The PDF tests read the PDFs with poppler's tools: \
             install poppler-utils (apt-get install poppler-utils; tests/run-all.sh does this)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn text(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-layout", "-enc", "UTF-8"], pdf)
}

/// Pages of the extracted text (pdftotext ends each page with a form feed).
fn pages(pdf: &[u8]) -> Vec<String> {
    let t = text(pdf);
    let mut p: Vec<String> = t.split('\u{c}').map(str::to_string).collect();
    if p.last().is_some_and(|l| l.trim().is_empty()) {
        p.pop();
    }
    p
}

fn office<'a>(b: &'a BillDoc, code: &str) -> &'a OfficeDoc {
    b.offices.iter().find(|o| o.code == code).unwrap()
}

/// `s` without any white space: pdftotext's layout turns 　 and wide gaps into runs of spaces.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn has_all(t: &str, words: &[&str]) {
    let flat = squash(t);
    for w in words {
        assert!(flat.contains(&squash(w)), "「{w}」 not in the extracted text:\n{t}");
    }
}

#[test]
fn worked_example_invoices_carry_every_total_in_japanese() {
    let pkg = package();
    let b = bill(&pkg, 1);
    let c = ctx(&pkg);
    let o1 = text(&pdf::office_invoice(&c, &b, office(&b, "O001")).unwrap());
    has_all(
        &o1,
        &[
            "請求書",
            "サンプル工業株式会社",
            "本社　御中",
            "〒103-0027",
            "東京都中央区日本橋1-1-1",
            "2026年12月分",
            "発行日　2026年11月25日",
            "支払期日",
            "2027年1月29日",
            "団体定期保険",
            "団体医療保険",
            "1,721",
            "6,160",
            "保険料合計（非課税）",
            "7,881",
            "集金事務費（差引）",
            "-205",
            "集金事務費に係る消費税（10%・差引）",
            "-20",
            "ご請求額",
            "7,656",
            "お振込先",
            "1234567",
            "ｻﾝﾌﾟﾙｾｲﾒｲﾎｹﾝ(ｶ",
            "山田 太郎",
            "髙橋 美咲",
            "000101",
            "明細合計",
        ],
    );
    assert!(!o1.contains("第2版") && !o1.contains("第1版"), "{o1}");
    let o2 = text(&pdf::office_invoice(&c, &b, office(&b, "O002")).unwrap());
    has_all(
        &o2,
        &[
            "大阪支店　御中",
            "3,769",
            "-113",
            "-11",
            "3,645",
            "佐藤 一郎",
            "非課税",
            "消費税",
        ],
    );
}

/// The golden file is the text `pdftotext -layout` extracts from O001's invoice (issue date fixed).
/// Set `UPDATE_GOLDEN=1` to rewrite it after a deliberate layout change, and look at the diff.
#[test]
fn worked_example_o001_text_matches_the_golden_file() {
    let pkg = package();
    let b = bill(&pkg, 1);
    let got = text(&pdf::office_invoice(&ctx(&pkg), &b, office(&b, "O001")).unwrap());
    let path = data("tests/data/pdf/worked-example-O001.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(got, want, "O001 invoice text differs from {}", path.display());
}

#[test]
fn a_reissued_invoice_shows_its_revision() {
    let pkg = package();
    let b = bill(&pkg, 2);
    let t = text(&pdf::office_invoice(&ctx(&pkg), &b, office(&b, "O001")).unwrap());
    has_all(&t, &["第2版", "先にお送りした請求書に代わるもの"]);
}

#[test]
fn dates_follow_the_group_date_style() {
    let mut pkg = package();
    pkg.group.settings.date_style = DateStyle::Wareki;
    let b = bill(&pkg, 1);
    let t = text(&pdf::office_invoice(&ctx(&pkg), &b, office(&b, "O001")).unwrap());
    has_all(&t, &["令和8年12月分", "令和8年11月25日", "令和9年1月29日"]);
    assert!(!t.contains("2026年12月"), "{t}");
}

#[test]
fn under_separate_settlement_the_fee_is_a_note_and_not_deducted() {
    let mut pkg = package();
    pkg.group.settings.fee_settlement = FeeSettlement::Separate;
    let b = bill(&pkg, 1);
    let o = office(&b, "O001");
    assert_eq!(o.totals.invoice_amount, 7881);
    let mut c = ctx(&pkg);
    c.fee_settlement = FeeSettlement::Separate;
    let t = text(&pdf::office_invoice(&c, &b, o).unwrap());
    has_all(
        &t,
        &[
            "保険料合計（非課税）",
            "集金事務費 205 円",
            "消費税（10%）20 円",
            "別途お支払いします",
        ],
    );
    assert!(!t.contains("7,656") && !t.contains("（差引）"), "{t}");
    let amount = t.lines().find(|l| l.starts_with("ご請求額 ")).unwrap();
    assert!(amount.ends_with(" 7,881"), "{amount}");
}

fn line(kind: &str, employee_no: &str, product: &str, month: &str, amount: i64) -> LineDoc {
    LineDoc {
        kind: kind.into(),
        enrollment: format!("E{employee_no}{product}"),
        employee_no: employee_no.into(),
        product: product.into(),
        month: month.into(),
        amount,
        reason: (kind == "carry_over").then(|| "休職".to_string()),
    }
}

#[test]
fn retroactive_adjustments_and_carry_overs_are_separate_lines_with_their_month() {
    let pkg = package();
    let mut b = bill(&pkg, 1);
    let o = b.offices.iter_mut().find(|o| o.code == "O001").unwrap();
    o.lines.push(line("retro", "000101", "GTL", "2026-10", -779));
    o.lines.push(line("retro", "000101", "GTL", "2026-11", -779));
    o.lines.push(line("carry_over", "000102", "MED", "2026-11", 4780));
    let t = text(&pdf::office_invoice(&ctx(&pkg), &b, office(&b, "O001")).unwrap());
    let summary: Vec<&str> = t
        .lines()
        .filter(|l| l.contains("遡及調整") || l.contains("繰越"))
        .collect();
    let has = |words: &[&str]| summary.iter().any(|l| words.iter().all(|w| l.contains(w)));
    assert!(has(&["遡及調整", "団体定期保険", "2026年10月", "-779"]), "{summary:#?}");
    assert!(has(&["遡及調整", "団体定期保険", "2026年11月", "-779"]), "{summary:#?}");
    assert!(has(&["繰越", "団体医療保険", "2026年11月", "4,780"]), "{summary:#?}");
    assert!(has(&["繰越(休職)", "000102"]), "detail shows the reason: {summary:#?}");
}

/// An office with `n` lines, amounts from 1,000 up.
fn big_office(code: &str, n: usize) -> OfficeDoc {
    let lines: Vec<LineDoc> = (0..n)
        .map(|i| {
            line(
                "regular",
                &format!("{:06}", 100000 + i),
                if i % 2 == 0 { "GTL" } else { "MED" },
                "2026-12",
                1000 + i as i64 * 37,
            )
        })
        .collect();
    let premium_total: i64 = lines.iter().map(|l| l.amount).sum();
    let mut by_product = std::collections::BTreeMap::new();
    for l in &lines {
        *by_product.entry(l.product.clone()).or_insert(0) += l.amount;
    }
    OfficeDoc {
        code: code.into(),
        name: format!("第{code}営業所"),
        deduction_destination: "D01".into(),
        totals: TotalsDoc {
            premium_total,
            fee: premium_total * 3 / 100,
            fee_tax: premium_total * 3 / 1000,
            invoice_amount: premium_total - premium_total * 3 / 100 - premium_total * 3 / 1000,
            ..TotalsDoc::default()
        },
        by_product,
        lines,
    }
}

#[test]
fn a_long_detail_list_breaks_across_pages_with_the_heading_repeated() {
    let pkg = package();
    let mut b = bill(&pkg, 1);
    b.offices = vec![big_office("O900", 150)];
    let pdf = pdf::office_invoice(&ctx(&pkg), &b, &b.offices[0]).unwrap();
    let pages = pages(&pdf);
    assert!(pages.len() >= 4, "150 lines need several pages, got {}", pages.len());
    for (i, p) in pages.iter().enumerate().skip(1) {
        has_all(p, &["加入者明細（続き）", "社員番号", "氏名", "対象月", "金額（円）"]);
        assert!(
            squash(p).contains(&format!("{}/{}", i + 1, pages.len())),
            "page number on page {}:\n{p}",
            i + 1
        );
    }
    let all = pages.join("");
    for i in 0..150 {
        assert!(all.contains(&format!("{:06}", 100000 + i)), "line {i} missing");
    }
    assert!(pages.last().unwrap().contains("明細合計"));

    // Amounts are right-aligned: every amount word of the detail list ends at the same x.
    let bbox = poppler("pdftotext", &["-bbox"], &pdf);
    let mut ends = std::collections::BTreeSet::new();
    for w in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
        let word = w.split('>').nth(1).and_then(|s| s.split('<').next()).unwrap_or("");
        let num = |k: &str| -> f64 {
            w.split(&format!("{k}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        if word.contains(',') && word.chars().all(|c| c.is_ascii_digit() || c == ',') && num("xMin") > 450.0 {
            ends.insert((num("xMax") * 10.0).round() as i64);
        }
    }
    assert!(!ends.is_empty());
    let (lo, hi) = (ends.first().unwrap(), ends.last().unwrap());
    assert!(hi - lo <= 3, "amounts end at different x: {ends:?}");
}

#[test]
fn the_group_pdf_has_every_office_and_the_font_is_an_embedded_subset() {
    let pkg = package();
    let b = bill(&pkg, 1);
    let c = ctx(&pkg);
    let all = pdf::group_invoices(&c, &b).unwrap();
    let p = pages(&all);
    assert_eq!(p.len(), 2, "one page per office");
    has_all(&p[0], &["本社　御中", "7,656", "1 / 1"]);
    has_all(&p[1], &["大阪支店　御中", "3,645", "1 / 1"]);
    let one = pdf::office_invoice(&c, &b, office(&b, "O001")).unwrap();
    assert!(
        one.len() < 100_000,
        "one invoice is {} bytes: the font should be a subset",
        one.len()
    );
    let fonts = poppler("pdffonts", &[], &one);
    let row = fonts
        .lines()
        .find(|l| l.contains("IPAexGothic"))
        .unwrap_or_else(|| panic!("{fonts}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    // name type encoding emb sub uni object ID
    assert!(cols[0].contains('+'), "subset fonts are named ABCDEF+…: {row}");
    assert_eq!(
        &cols[cols.len() - 5..cols.len() - 2],
        ["yes", "yes", "yes"],
        "emb sub uni: {fonts}"
    );
    // Same input, same bytes (the combined PDF is drawn on every core).
    assert_eq!(one, pdf::office_invoice(&c, &b, office(&b, "O001")).unwrap());
    assert_eq!(all, pdf::group_invoices(&c, &b).unwrap());
}

/// `qpdf` (an independent PDF library) finds the structure sound, and the bookmarks name each
/// office and open its first page.
#[test]
fn qpdf_checks_the_combined_pdf_and_its_bookmarks() {
    let pkg = package();
    let mut b = bill(&pkg, 1);
    // Three offices, the first long enough for several pages.
    b.offices.insert(0, big_office("O900", 130));
    let all = pdf::group_invoices(&ctx(&pkg), &b).unwrap();
    let check = qpdf(&["--check"], &all);
    assert!(check.contains("No syntax or stream encoding errors"), "{check}");
    let json: serde_json::Value = serde_json::from_str(&qpdf(&["--json", "--json-key=outlines"], &all)).unwrap();
    let marks: Vec<(String, i64)> = json["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap().to_string(),
                o["destpageposfrom1"].as_i64().unwrap(),
            )
        })
        .collect();
    let n = pages(&all).len() as i64;
    assert_eq!(marks.len(), 3, "{marks:?}");
    assert_eq!(marks[0].1, 1);
    assert!(marks[0].0.contains("O900"), "{marks:?}");
    assert_eq!(marks[1], ("本社（O001）".to_string(), n - 1));
    assert_eq!(marks[2], ("大阪支店（O002）".to_string(), n));
}

fn qpdf(args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("qpdf").args(args).arg(&path).output().unwrap_or_else(|e| {
        panic!("`qpdf` could not be run ({e}): install qpdf (apt-get install qpdf; tests/run-all.sh does this)")
    });
    assert!(
        out.status.success(),
        "qpdf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_individual_invoice_bills_the_lump_sum_to_the_person() {
    let pkg = package();
    let b = bill(&pkg, 1);
    let ind = IndividualDoc {
        employee_no: "000201".into(),
        amount: 11307 + 500,
        due_date: NaiveDate::from_ymd_opt(2027, 1, 29).unwrap(),
        items: vec![
            IndividualItemDoc {
                kind: "lump_sum".into(),
                enrollment: "E0005".into(),
                product: "GTL".into(),
                from_month: "2027-01".into(),
                to_month: "2027-03".into(),
                amount: 11307,
            },
            IndividualItemDoc {
                kind: "undeducted".into(),
                enrollment: "E0005".into(),
                product: "GTL".into(),
                from_month: "2026-11".into(),
                to_month: "2026-11".into(),
                amount: 500,
            },
        ],
    };
    let t = text(&pdf::individual_invoice(&ctx(&pkg), &b, &ind).unwrap());
    has_all(
        &t,
        &[
            "個別請求書",
            "佐藤 一郎　様",
            "社員番号　000201",
            "所属　大阪支店",
            "一括精算",
            "2027年1月〜2027年3月",
            "11,307",
            "控除できなかった保険料",
            "2026年11月",
            "11,807",
            "合計（非課税）",
            "2027年1月29日",
            "お振込先",
        ],
    );
}
