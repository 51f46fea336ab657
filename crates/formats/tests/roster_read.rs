//! The roster reader and writer (formats::roster): rows written and read back field by field,
//! headers matched by name in any order, the accepted month/option/relation forms, and the exact
//! positioned message of each refused file.

use chrono::NaiveDate;
use infoone_domain::ledger::{MemberStatus, WithdrawalOption};
use infoone_domain::month::YearMonth;
use infoone_domain::product::Gender;
use infoone_formats::roster::{
    parse_month, read_roster, read_roster_bytes, write_roster_rows, InsuredKind, RosterEnrollment, RosterMember,
    RosterRow,
};

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn member(no: &str) -> RosterMember {
    RosterMember {
        employee_no: no.into(),
        name: "山田 太郎".into(),
        name_kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
        birth_date: date(1980, 10, 2),
        gender: Gender::Male,
        office: "O001".into(),
        office_name: "本社".into(),
        status: MemberStatus::Active,
        email: String::new(),
        postal_code: String::new(),
        address: String::new(),
    }
}

fn enrollment(id: &str) -> RosterEnrollment {
    RosterEnrollment {
        id: id.into(),
        insured: InsuredKind::Member,
        insured_name: "山田 太郎".into(),
        insured_birth_date: Some(date(1980, 10, 2)),
        product: "GTL".into(),
        product_name: "団体定期保険".into(),
        plan: "A".into(),
        units: 10,
        start_month: Some(ym("2020-04")),
        end_month: None,
        withdrawal_month: None,
        withdrawal_option: None,
        premium: Some(779),
    }
}

#[test]
fn every_field_survives_writing_and_reading_back() {
    let mut rows = Vec::new();
    // A plain row; a member without enrollments; a withdrawer with everything filled in; a child
    // insured without a premium (not covered); awkward text.
    rows.push(RosterRow {
        row: 2,
        member: member("000101"),
        enrollment: Some(enrollment("E0001")),
    });
    let mut m = member("000102");
    m.status = MemberStatus::Leave;
    m.gender = Gender::Female;
    m.email = "a.b+c@example.co.jp".into();
    m.postal_code = "530-0001".into();
    m.address = "大阪府大阪市北区梅田1-1-1 梅田ﾋﾞﾙ 3F".into();
    rows.push(RosterRow {
        row: 3,
        member: m,
        enrollment: None,
    });
    let mut e = enrollment("E0003");
    e.end_month = Some(ym("2027-03"));
    e.withdrawal_month = Some(ym("2026-12"));
    e.withdrawal_option = Some(WithdrawalOption::LumpSum);
    e.premium = Some(1_234_567);
    e.units = 999;
    let mut m = member("000201");
    m.status = MemberStatus::Retired;
    rows.push(RosterRow {
        row: 4,
        member: m.clone(),
        enrollment: Some(e),
    });
    let mut e = enrollment("E0004");
    e.insured = InsuredKind::Child;
    e.insured_name = "山田 一郎".into();
    e.insured_birth_date = Some(date(2010, 2, 28));
    e.end_month = Some(ym("2026-03"));
    e.premium = None;
    rows.push(RosterRow {
        row: 5,
        member: m.clone(),
        enrollment: Some(e),
    });
    let mut e = enrollment("E0005");
    e.insured = InsuredKind::Spouse;
    e.withdrawal_month = Some(ym("2026-09"));
    e.withdrawal_option = Some(WithdrawalOption::BankTransfer);
    e.insured_birth_date = Some(date(1899, 12, 31)); // before Excel's dates: written as text
    rows.push(RosterRow {
        row: 6,
        member: m,
        enrollment: Some(e),
    });
    let mut m = member("000301");
    m.name = "髙﨑 𠮷野家の\"引用\",カンマ".into();
    m.name_kana = String::new();
    rows.push(RosterRow {
        row: 7,
        member: m,
        enrollment: Some(enrollment("E0006")),
    });

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    assert_eq!(write_roster_rows(rows.clone(), &path).unwrap(), rows.len());
    let back = read_roster(&path).unwrap();
    assert_eq!(back.file, "roster.xlsx");
    assert_eq!(back.rows, rows);
}

#[test]
fn headers_in_any_order_with_aliases_and_extra_columns_from_csv() {
    let csv = "\u{FEFF}備考,口数,プラン,商品コード,加入ID,事業所コード,性別,生年月日,氏名,職員番号,フリガナ,被保険者区分,加入終了月,脱退時の選択\r\n\
               メモ,１０,A,GTL,E0001,O001,1,S55.10.2,山田　太郎,０００１０１,ﾔﾏﾀﾞ ﾀﾛｳ,,2026年12月,一括精算\r\n\
               ,,,,,O001,女,1975/3/31,髙橋 美咲,000102,,,,\r\n\
               ,1,S,MED,,O001,F,19750331,髙橋 美咲,000102,,子,,\r\n";
    let r = read_roster_bytes("roster.csv", csv.as_bytes()).unwrap();
    assert_eq!(r.unknown_columns, ["備考"]);
    assert!(r.has("口数") && !r.has("住所") && !r.has("在籍区分"));
    assert_eq!(r.header("社員番号"), "職員番号");
    assert_eq!(r.rows.len(), 3);
    let a = &r.rows[0];
    assert_eq!(
        (a.row, a.member.employee_no.as_str(), a.member.name.as_str()),
        (2, "000101", "山田　太郎")
    );
    assert_eq!(
        (a.member.birth_date, a.member.gender, a.member.status),
        (date(1980, 10, 2), Gender::Male, MemberStatus::Active)
    );
    let e = a.enrollment.as_ref().unwrap();
    assert_eq!(
        (e.id.as_str(), e.units, e.insured, e.end_month, e.withdrawal_option),
        (
            "E0001",
            10,
            InsuredKind::Member,
            Some(ym("2026-12")),
            Some(WithdrawalOption::LumpSum)
        )
    );
    assert!(
        r.rows[1].enrollment.is_none(),
        "a member row without enrollment columns"
    );
    let e = r.rows[2].enrollment.as_ref().unwrap();
    assert_eq!(
        (e.id.as_str(), e.product.as_str(), e.insured),
        ("", "MED", InsuredKind::Child)
    );
}

#[test]
fn months_in_the_forms_a_clerk_types() {
    for (raw, want) in [
        ("2026-12", Some("2026-12")),
        ("2026/1", Some("2026-01")),
        ("２０２６年１２月", Some("2026-12")),
        ("202612", Some("2026-12")),
        ("2026-12-01", Some("2026-12")),
        ("2026-12-01 00:00:00", Some("2026-12")),
        ("令和8年12月1日", Some("2026-12")),
        ("46357", Some("2026-12")), // an Excel serial (2026-12-01)
        ("2026-13", None),
        ("12月", None),
        ("", None),
    ] {
        assert_eq!(parse_month(raw).map(|m| m.to_string()).as_deref(), want, "{raw}");
    }
}

/// A workbook with the given cells (row, column, text); other cells empty.
fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, c, s) in cells {
        ws.write_string(*r, *c, *s).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

const HEADER: [&str; 9] = [
    "社員番号",
    "氏名",
    "生年月日",
    "性別",
    "事業所コード",
    "加入ID",
    "商品コード",
    "プラン",
    "口数",
];

fn header_at(row: u32) -> Vec<(u32, u16, &'static str)> {
    (0u16..).zip(HEADER).map(|(c, h)| (row, c, h)).collect()
}

#[test]
fn xlsx_rows_are_numbered_as_excel_shows_them_and_blank_rows_skipped() {
    let mut cells = header_at(2); // the header in row 3, below two empty rows
    cells.extend([
        (4, 0, "000101"),
        (4, 1, "山田 太郎"),
        (4, 2, "1980-10-02"),
        (4, 3, "男"),
        (4, 4, "O001"),
    ]);
    cells.extend([
        (6, 0, "000102"),
        (6, 1, "髙橋 美咲"),
        (6, 2, "1975-03-31"),
        (6, 3, "X"),
        (6, 4, "O001"),
        (6, 6, "GTL"),
        (6, 8, "1"),
    ]);
    let err = read_roster_bytes("名簿.xlsx", &xlsx(&cells)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "名簿.xlsx 7行目 「性別」列: 値「X」— 性別（男/女、M/F、1/2）\n\
         名簿.xlsx 7行目 「プラン」列: プランが空欄です（必須の項目です）"
    );
}

#[test]
fn refused_files_name_every_problem_with_its_position() {
    // A required column missing, one named twice.
    let csv = "社員番号,氏名,生年月日,性別,事業所コード,所属コード,加入ID,商品コード,口数\r\n";
    let err = read_roster_bytes("r.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.csv 1行目 「所属コード」列: 列「事業所コード」と同じ項目（事業所コード）の列です。どちらか一方にしてください\n\
         r.csv 1行目: 必須の列「プラン」がありません（見出しに使える名前: プラン、コース、plan）"
    );
    // Only a header.
    let csv = HEADER.join(",") + "\r\n";
    let err = read_roster_bytes("r.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.csv: 加入者の行がありません（見出しの行の下に1加入1行で入力してください）"
    );
    // Cell problems and a duplicate enrollment id.
    let csv = "社員番号,氏名,生年月日,性別,事業所コード,加入ID,商品コード,プラン,口数,被保険者区分,加入開始月,脱退時の選択,在籍区分\r\n\
               00010A,山田 太郎,1980-10-02,男,O001,E0001,GTL,A,1.5,孫,2020-4,,在籍\r\n\
               000101,,平成32年1月1日,男,O001,E0002,GTL,A,1,,,解約,出向\r\n\
               000102,髙橋 美咲,1975-03-31,女,O001,E0002,GTL,A,1,,,,\r\n";
    let err = read_roster_bytes("r.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.csv 2行目 「社員番号」列: 値「00010A」— 社員番号（数字のみ。全角数字も可、先頭の0はそのまま）\n\
         r.csv 2行目 「被保険者区分」列: 値「孫」— 被保険者区分（本人/配偶者/子。空欄は本人）\n\
         r.csv 2行目 「口数」列: 値「1.5」— 口数（1以上の整数）\n\
         r.csv 3行目 「氏名」列: 氏名が空欄です（必須の項目です）\n\
         r.csv 3行目 「生年月日」列: 値「平成32年1月1日」— 平成は31年（2019-04-30）までです\n\
         r.csv 3行目 「在籍区分」列: 値「出向」— 在籍区分（在籍/休職/退職。空欄は在籍）\n\
         r.csv 3行目 「脱退時の選択」列: 値「解約」— 脱退時の選択（終了/一括精算/口座振替）\n\
         r.csv 4行目 「加入ID」列: 値「E0002」— 加入ID「E0002」が3行目と4行目の2か所にあります（1加入1行にしてください）"
    );
}

#[test]
fn a_file_that_is_no_workbook_is_refused() {
    let err = read_roster_bytes("名簿.xlsx", b"PK\x03\x04 not really a zip").unwrap_err();
    assert_eq!(err.codes(), ["F1004"]);
    let err = read_roster_bytes("名簿.xlsx", b"hello").unwrap_err();
    assert_eq!(err.codes(), ["F1004"]);
}
