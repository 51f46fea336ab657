//! Payroll media (電子媒体): rows per member and deduction destination, product columns in code
//! order, cp932 with twins replaced and other characters refused (member, row, character, code
//! point), UTF-8 with BOM, quoting, xlsx read back with calamine, and Python's cp932 codec as an
//! independent reader.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use infoone_formats::bill_doc::{BillDoc, LineDoc, OfficeDoc, TotalsDoc};
use infoone_formats::media::{self, Encoding, Person, Row};

fn line(employee_no: &str, product: &str, amount: i64, kind: &str) -> LineDoc {
    LineDoc {
        kind: kind.into(),
        enrollment: format!("E-{employee_no}-{product}"),
        employee_no: employee_no.into(),
        product: product.into(),
        month: "2026-12".into(),
        amount,
        reason: None,
    }
}

fn office(code: &str, dest: &str, lines: Vec<LineDoc>) -> OfficeDoc {
    OfficeDoc {
        code: code.into(),
        name: code.into(),
        deduction_destination: dest.into(),
        totals: TotalsDoc::default(),
        by_product: BTreeMap::new(),
        lines,
    }
}

fn bill(offices: Vec<OfficeDoc>) -> BillDoc {
    BillDoc {
        group: "G1".into(),
        month: "2026-12".into(),
        state: "confirmed".into(),
        revision: 1,
        due_date: "2027-01-29".parse().unwrap(),
        offices,
        totals: TotalsDoc::default(),
        findings: vec![],
        individual_bills: vec![],
        account_transfers: vec![],
        commissions: vec![],
    }
}

fn products() -> Vec<(String, String)> {
    // Given out of order: columns follow the product code.
    vec![
        ("MED".into(), "団体医療保険".into()),
        ("GTL".into(), "団体定期保険".into()),
        ("GAI".into(), "団体傷害保険".into()),
    ]
}

/// Members in employee-number order; 000101 belongs to O003 in the month, the others to O001.
fn people() -> Vec<Person<'static>> {
    [
        ("000101", "山田 太郎", "O003"),
        ("000102", "髙橋 美咲", "O001"),
        ("000103", "渡邉, \"ナベ\"", "O001"),
        ("000104", "ｻﾄｳ ﾊﾅｺ", "O001"),
        ("000201", "佐藤 一郎", "O001"),
    ]
    .into_iter()
    .map(|(employee_no, name, office)| Person {
        employee_no,
        name,
        office,
    })
    .collect()
}

fn sample_bill() -> BillDoc {
    bill(vec![
        office("O002", "D01", vec![line("000104", "GTL", 500, "regular")]),
        office(
            "O001",
            "D01",
            vec![
                line("000102", "GTL", 942, "regular"),
                line("000101", "MED", 1380, "regular"),
                line("000101", "GTL", 779, "regular"),
                line("000101", "GTL", -779, "retro"),
                line("000103", "GAI", 300, "carry_over"),
            ],
        ),
        // 000101 moved to O003 (another payroll) this month: one row per destination.
        office(
            "O003",
            "D02",
            vec![
                line("000101", "GTL", 779, "regular"),
                line("000201", "GTL", 3769, "regular"),
            ],
        ),
        office("O004", "D03", vec![]),
    ])
}

#[test]
fn rows_per_member_and_destination_in_destination_office_employee_order() {
    let b = sample_bill();
    let m = media::build(&b, &products(), people());
    assert_eq!(
        m.products.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        vec!["GAI", "GTL", "MED"]
    );
    assert_eq!(
        m.destinations.keys().copied().collect::<Vec<_>>(),
        vec!["D01", "D02", "D03"]
    );
    let d01: Vec<(&str, &str, i64, Vec<i64>)> = m.destinations["D01"]
        .iter()
        .map(|r| (r.office, r.employee_no, r.total, r.by_product.clone()))
        .collect();
    assert_eq!(
        d01,
        vec![
            // 000101 belongs to O003 now, which is not in D01: the row is under O001, where its lines are.
            ("O001", "000101", 1380, vec![0, 0, 1380]),
            ("O001", "000102", 942, vec![0, 942, 0]),
            ("O001", "000103", 300, vec![300, 0, 0]),
            // 000104 belongs to O001 in the month but has lines only in O002.
            ("O002", "000104", 500, vec![0, 500, 0]),
        ]
    );
    let d02: Vec<(&str, &str)> = m.destinations["D02"]
        .iter()
        .map(|r| (r.office, r.employee_no))
        .collect();
    assert_eq!(d02, vec![("O003", "000101"), ("O003", "000201")]);
    assert_eq!(m.destinations["D02"][1].name, "佐藤 一郎");
    assert!(m.destinations["D03"].is_empty());
    // A member missing from the people has no name rather than someone else's.
    let b = bill(vec![office("O001", "D01", vec![line("000150", "GTL", 1, "regular")])]);
    let m = media::build(&b, &products(), people());
    assert_eq!(
        (m.destinations["D01"][0].name, m.destinations["D01"][0].office),
        ("", "O001")
    );
}

#[test]
fn cp932_csv_with_crlf_and_quoting_read_back_by_python() {
    let b = sample_bill();
    let m = media::build(&b, &products(), people());
    let (bytes, replaced) = media::csv("d01.csv", &m.products, &m.destinations["D01"], Encoding::Cp932).unwrap();
    assert!(replaced.is_empty());
    let expected = "控除先コード,事業所コード,社員番号,氏名,控除額合計,団体傷害保険,団体定期保険,団体医療保険\r\n\
                    D01,O001,000101,山田 太郎,1380,0,0,1380\r\n\
                    D01,O001,000102,髙橋 美咲,942,0,942,0\r\n\
                    D01,O001,000103,\"渡邉, \"\"ナベ\"\"\",300,300,0,0\r\n\
                    D01,O002,000104,ｻﾄｳ ﾊﾅｺ,500,0,500,0\r\n";
    assert_eq!(encoding_rs::SHIFT_JIS.decode(&bytes).0, expected);
    // 髙 is the IBM extension FB FC; half-width kana single bytes.
    assert!(bytes.windows(2).any(|w| w == [0xFB, 0xFC]));
    assert!(bytes.windows(4).any(|w| w == [0xBB, 0xC4, 0xB3, b' ']));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d01.csv");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv,sys,json\nrows=list(csv.reader(open(sys.argv[1],encoding='cp932',newline='')))\nsys.stdout.write(json.dumps(rows,ensure_ascii=True))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[3][3], "渡邉, \"ナベ\"");
    assert_eq!(rows[2][3], "髙橋 美咲");
    assert_eq!(rows[4][3], "ｻﾄｳ ﾊﾅｺ");
}

#[test]
fn utf8_with_bom() {
    let b = sample_bill();
    let m = media::build(&b, &products(), people());
    let (bytes, _) = media::csv("d02.csv", &m.products, &m.destinations["D02"], Encoding::Utf8Bom).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("D02,O003,000201,佐藤 一郎,3769,0,3769,0\r\n"));
    assert_eq!(text.matches("\r\n").count(), 3);
    assert!(!text.replace("\r\n", "").contains('\n'));
}

fn row<'a>(no: &'a str, name: &'a str) -> Row<'a> {
    Row {
        destination: "D01",
        office: "O001",
        employee_no: no,
        name,
        total: 100,
        by_product: vec![100],
    }
}

#[test]
fn twins_are_replaced_and_reported_other_characters_refused_with_the_member() {
    let products = vec![("GTL".to_string(), "団体定期保険".to_string())];
    let rows = vec![row("000101", "山田〜太郎"), row("000102", "髙橋−美咲‖¢£¬—¦")];
    let (bytes, replaced) = media::csv("m.csv", &products, &rows, Encoding::Cp932).unwrap();
    let back = encoding_rs::SHIFT_JIS.decode(&bytes).0.into_owned();
    assert!(back.contains("山田～太郎"), "{back}");
    assert!(back.contains("髙橋－美咲∥￠￡￢―￤"), "{back}");
    assert_eq!(replaced.len(), 8);
    assert_eq!(
        (
            replaced[0].employee_no.as_str(),
            replaced[0].row,
            replaced[0].from,
            replaced[0].to
        ),
        ("000101", 2, '〜', '～')
    );
    assert!(replaced[1].to_string().contains("U+2212"));
    assert!(!bytes.windows(2).any(|w| w == b"&#"));

    let rows = vec![
        row("000101", "山田 太郎"),
        row("000102", "𠮷田 一"),
        row("000103", "Zoë ①"),
        row("000104", "鷗外"),
    ];
    let e = media::csv("m.csv", &products, &rows, Encoding::Cp932).unwrap_err();
    let found: Vec<(&str, usize, char)> = e.chars.iter().map(|c| (c.employee_no.as_str(), c.row, c.ch)).collect();
    // ① is in cp932 (NEC special characters); ë, 𠮷 and 鷗 (JIS X 0213) are not, and no other
    // character is guessed for them (鷗 → 鴎 is the clerk's decision).
    assert_eq!(
        found,
        vec![("000102", 3, '𠮷'), ("000103", 4, 'ë'), ("000104", 5, '鷗')]
    );
    let text = e.to_string();
    assert!(
        text.contains("社員番号000102 3行目「氏名」: 「𠮷」（U+20BB7）"),
        "{text}"
    );
    assert!(text.contains("U+00EB"), "{text}");
    // UTF-8 holds them all.
    assert!(media::csv("m.csv", &products, &rows, Encoding::Utf8Bom).is_ok());
}

#[test]
fn xlsx_has_the_same_cells_with_text_codes_and_number_amounts() {
    let b = sample_bill();
    let m = media::build(&b, &products(), people());
    let bytes = media::xlsx("D01", &m.products, &m.destinations["D01"]).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["D01".to_string()]);
    let range = wb.worksheet_range("D01").unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => format!("s:{s}"),
                    Data::Float(f) => format!("n:{f}"),
                    Data::Int(i) => format!("n:{i}"),
                    other => format!("?:{other:?}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(cells.len(), 5);
    assert_eq!(cells[0][0], "s:控除先コード");
    assert_eq!(cells[0][7], "s:団体医療保険");
    assert_eq!(
        cells[1],
        vec![
            "s:D01",
            "s:O001",
            "s:000101",
            "s:山田 太郎",
            "n:1380",
            "n:0",
            "n:0",
            "n:1380"
        ]
    );
    assert_eq!(cells[3][3], "s:渡邉, \"ナベ\"");
}
