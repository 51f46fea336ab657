//! HR data reader: golden tests on awkward files and exact messages for refused ones.

use std::path::{Path, PathBuf};

use infoone_formats::encoding::TextEncoding;
use infoone_formats::hr::{read_hr, read_hr_bytes, HrSnapshot};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hr").join(name)
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// One line per employee, every field, so a golden comparison shows what changed.
fn dump(snapshot: &HrSnapshot) -> String {
    let mut out = format!(
        "encoding={} unknown={:?}\n",
        opt(snapshot.encoding.map(TextEncoding::label)),
        snapshot.unknown_columns
    );
    for r in &snapshot.rows {
        out += &format!(
            "{} {} {} / {} / {} {:?} {} {:?} change={} retire={} email={} postal={} address={}\n",
            r.row,
            r.employee_no,
            r.name,
            opt(r.name_kana.as_ref()),
            r.birth_date,
            r.gender,
            r.office_code,
            r.status,
            opt(r.change_date),
            opt(r.retirement_date),
            opt(r.email.as_ref()),
            opt(r.postal_code.as_ref()),
            opt(r.address.as_ref()),
        );
    }
    out
}

/// Reads `bytes` as `name` and compares the dump with `expected`.
fn check(name: &str, bytes: &[u8], expected: &str) {
    match read_hr_bytes(name, bytes) {
        Ok(snapshot) => assert_eq!(dump(&snapshot), expected),
        Err(e) => panic!("refused:\n{e}"),
    }
}

/// Reads `csv` (UTF-8) as `hr.csv` and compares the refusal's Display with `expected`.
fn check_refused(csv: &str, expected: &str) {
    check_refused_bytes("hr.csv", csv.as_bytes(), expected);
}

fn check_refused_bytes(name: &str, bytes: &[u8], expected: &str) {
    match read_hr_bytes(name, bytes) {
        Ok(snapshot) => panic!("accepted:\n{}", dump(&snapshot)),
        Err(e) => assert_eq!(e.to_string(), expected),
    }
}

#[test]
fn cp932_file_with_half_width_kana_and_wareki() {
    let snapshot = read_hr(&fixture("hr_cp932.csv")).unwrap();
    assert_eq!(
        dump(&snapshot),
        "encoding=Shift_JIS（Windows-31J） unknown=[]\n\
         2 000101 髙橋 一郎 / タカハシ イチロウ / 1970-03-02 Male O001 Active change=- retire=- email=ichiro@example.co.jp postal=103-0027 address=東京都中央区日本橋1-1-1\n\
         3 000102 佐藤 花子 / サトウ ハナコ / 1990-12-24 Female O002 Leave change=2024-04-01 retire=- email=- postal=530-0001 address=大阪府大阪市北区梅田①\n\
         4 000103 鈴木 次郎 / スズキ ジロウ / 1985-07-07 Male O001 Retired change=- retire=2026-03-31 email=- postal=- address=-\n"
    );
    // The audit log gets every cell exactly as written.
    let original: Vec<(&str, &str)> = snapshot.rows[1]
        .original
        .iter()
        .map(|(h, v)| (h.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        original,
        [
            ("社員番号", "０００１０２"),
            ("氏名", "佐藤 花子"),
            ("氏名カナ", "サトウ ハナコ"),
            ("生年月日", "平成2年12月24日"),
            ("性別", "女"),
            ("事業所コード", "O002"),
            ("在籍区分", "休職"),
            ("異動日", "R6.4.1"),
            ("退職日", ""),
            ("メールアドレス", ""),
            ("郵便番号", "〒530-0001"),
            ("住所", "大阪府大阪市北区梅田①"),
        ]
    );
}

#[test]
fn utf8_bom_file_with_alias_headers_blank_rows_and_an_unknown_column() {
    let bytes = std::fs::read(fixture("hr_utf8_bom.csv")).unwrap();
    check(
        "hr_utf8_bom.csv",
        &bytes,
        "encoding=UTF-8（BOM付き） unknown=[\"備考\"]\n\
         3 000201 田中 一 / タナカ ハジメ / 2019-05-01 Male O001 Active change=- retire=- email=- postal=- address=-\n\
         6 000202 伊藤 恵 / イトウ メグミ / 2019-04-30 Female O002 Active change=2025-10-01 retire=- email=- postal=- address=-\n\
         7 000203 渡辺 三郎 / ワタナベ サブロウ / 1989-01-07 Female O001 Retired change=2026-04-01 retire=- email=- postal=- address=-\n",
    );
    let snapshot = read_hr_bytes("hr_utf8_bom.csv", &bytes).unwrap();
    assert_eq!(
        snapshot.rows[0].original.last(),
        Some(&("備考".to_owned(), "新入社員".to_owned()))
    );
}

#[test]
fn utf8_csv_with_english_headers_in_any_case_and_width() {
    check(
        "hr.csv",
        "EMPLOYEE_NO,Name,name_kana,ｂｉｒｔｈ＿ｄａｔｅ,Gender,office_code,Status,change_date,retirement_date,email\n\
         000401,Ann Lee,,2000-01-31,F,O001,active,,,ann@example.com\n\
         000402,Bob Ito,ﾎﾞﾌﾞ ｲﾄｳ,20010228,m,O002,LEAVE,2026/4/1,,\n\
         000403,Cy Ono,,45383,２,O002,retired,,2026-03-31,\n\
         000404,Dee Abe,,R1.5.1,１,O001,,,,\n"
            .as_bytes(),
        "encoding=UTF-8 unknown=[]\n\
         2 000401 Ann Lee / - / 2000-01-31 Female O001 Active change=- retire=- email=ann@example.com postal=- address=-\n\
         3 000402 Bob Ito / ボブ イトウ / 2001-02-28 Male O002 Leave change=2026-04-01 retire=- email=- postal=- address=-\n\
         4 000403 Cy Ono / - / 2024-04-01 Female O002 Retired change=- retire=2026-03-31 email=- postal=- address=-\n\
         5 000404 Dee Abe / - / 2019-05-01 Male O001 Active change=- retire=- email=- postal=- address=-\n",
    );
}

#[test]
fn cp932_bytes_made_in_the_test() {
    let text = "社員番号,氏名,生年月日,性別,事業所コード\r\n１２３,髙﨑 ①子,昭和45年3月2日,女,O001\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    check(
        "hr.csv",
        &bytes,
        "encoding=Shift_JIS（Windows-31J） unknown=[]\n\
         2 123 髙﨑 ①子 / - / 1970-03-02 Female O001 Active change=- retire=- email=- postal=- address=-\n",
    );
}

#[test]
fn quoted_line_breaks_do_not_shift_row_numbers() {
    check(
        "hr.csv",
        "社員番号,氏名,生年月日,性別,事業所コード,住所\n\
         000501,山田 太郎,1980-04-01,男,O001,\"東京都\n千代田区\"\n\
         \n\
         000502,山田 花子,1981-04-01,女,O001,\n"
            .as_bytes(),
        "encoding=UTF-8 unknown=[]\n\
         2 000501 山田 太郎 / - / 1980-04-01 Male O001 Active change=- retire=- email=- postal=- address=東京都 千代田区\n\
         4 000502 山田 花子 / - / 1981-04-01 Female O001 Active change=- retire=- email=- postal=- address=-\n",
    );
}

/// An xlsx as a clerk's Excel makes it: blank rows above the header, real date cells (Excel
/// serials with a date format), a plain serial number, a numeric employee number, full-width text.
fn xlsx_bytes() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy/mm/dd");
    let wareki = Format::new().set_num_format("[$-ja-JP]ggge\"年\"m\"月\"d\"日\"");
    let headers = [
        "社員番号",
        "氏名",
        "氏名カナ",
        "生年月日",
        "性別",
        "事業所コード",
        "在籍区分",
        "退職日",
        "社内メモ",
    ];
    for (col, header) in (0u16..).zip(headers) {
        sheet.write_string(2, col, header).unwrap();
    }
    let d = |y, m, day| ExcelDateTime::from_ymd(y, m, day).unwrap();
    // Row 4
    sheet.write_string(3, 0, "000301").unwrap();
    sheet.write_string(3, 1, "山本　太郎").unwrap();
    sheet.write_string(3, 2, "ﾔﾏﾓﾄ ﾀﾛｳ").unwrap();
    sheet.write_datetime_with_format(3, 3, d(1990, 4, 1), &date).unwrap();
    sheet.write_string(3, 4, "男").unwrap();
    sheet.write_string(3, 5, "O001").unwrap();
    sheet.write_string(3, 6, "在籍").unwrap();
    sheet.write_string(3, 8, "メモ").unwrap();
    // Row 5 left blank. Row 6:
    sheet.write_number(5, 0, 302).unwrap();
    sheet.write_string(5, 1, "中村 咲").unwrap();
    sheet.write_number(5, 3, 45383).unwrap();
    sheet.write_string(5, 4, "女").unwrap();
    sheet.write_string(5, 5, "O002").unwrap();
    sheet.write_string(5, 6, "退職").unwrap();
    sheet.write_datetime_with_format(5, 7, d(2026, 3, 31), &wareki).unwrap();
    // Row 7
    sheet.write_string(6, 0, "０００３０３").unwrap();
    sheet.write_string(6, 1, "小林 健").unwrap();
    sheet.write_string(6, 2, "コバヤシ ケン").unwrap();
    sheet.write_string(6, 3, "平成5年5月5日").unwrap();
    sheet.write_number(6, 4, 2).unwrap();
    sheet.write_string(6, 5, "Ｏ００１").unwrap();
    workbook.save_to_buffer().unwrap()
}

const XLSX_DUMP: &str = "encoding=- unknown=[\"社内メモ\"]\n\
     4 000301 山本 太郎 / ヤマモト タロウ / 1990-04-01 Male O001 Active change=- retire=- email=- postal=- address=-\n\
     6 302 中村 咲 / - / 2024-04-01 Female O002 Retired change=- retire=2026-03-31 email=- postal=- address=-\n\
     7 000303 小林 健 / コバヤシ ケン / 1993-05-05 Female O001 Active change=- retire=- email=- postal=- address=-\n";

#[test]
fn xlsx_with_excel_dates_blank_rows_and_full_width_numbers() {
    check("hr.xlsx", &xlsx_bytes(), XLSX_DUMP);
    // The same from disk, named by its file name only.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("人事データ.xlsx");
    std::fs::write(&path, xlsx_bytes()).unwrap();
    assert_eq!(dump(&read_hr(&path).unwrap()), XLSX_DUMP);
}

#[test]
fn xlsx_refusal_uses_excel_row_numbers() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in (0u16..).zip(["社員番号", "氏名", "生年月日", "性別", "事業所コード"]) {
        sheet.write_string(1, col, header).unwrap();
    }
    for (col, value) in (0u16..).zip(["000101", "山田 太郎", "平成32年1月1日", "男", "O001"]) {
        sheet.write_string(4, col, value).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    check_refused_bytes(
        "hr.xlsx",
        &bytes,
        "hr.xlsx 5行目 「生年月日」列: 値「平成32年1月1日」— 平成は31年（2019-04-30）までです",
    );
}

const HEADER: &str = "社員番号,氏名,生年月日,性別,事業所コード\n";

#[test]
fn refuses_heisei_32() {
    let mut csv = HEADER.to_owned();
    for i in 2..12 {
        csv += &format!("{:06},社員 {i},1980-04-01,男,O001\n", 100 + i);
    }
    csv += "000112,山田 太郎,平成32年1月1日,男,O001\n";
    check_refused(
        &csv,
        "hr.csv 12行目 「生年月日」列: 値「平成32年1月1日」— 平成は31年（2019-04-30）までです",
    );
}

#[test]
fn refuses_duplicate_employee_numbers_naming_both_rows() {
    check_refused(
        "社員番号,氏名,生年月日,性別,事業所コード\n\
         000101,山田 太郎,1980-04-01,男,O001\n\
         000102,佐藤 花子,1985-05-05,女,O001\n\
         ０００１０１,山田 太郎,1980-04-01,男,O002\n",
        "hr.csv 4行目 「社員番号」列: 値「０００１０１」— 社員番号000101が2行目と4行目の2か所にあります（1人1行にしてください）",
    );
}

#[test]
fn refuses_missing_required_columns_naming_the_accepted_headers() {
    check_refused(
        "社員番号,氏名,性別\n000101,山田 太郎,男\n",
        "hr.csv 1行目: 必須の列「生年月日」がありません（見出しに使える名前: 生年月日、birth_date）\n\
         hr.csv 1行目: 必須の列「事業所コード」がありません（見出しに使える名前: 事業所コード、所属コード、office_code）",
    );
}

#[test]
fn refuses_two_columns_for_one_field() {
    check_refused(
        "社員番号,職員番号,氏名,生年月日,性別,事業所コード\n000101,000101,山田 太郎,1980-04-01,男,O001\n",
        "hr.csv 1行目 「職員番号」列: 列「社員番号」と同じ項目（社員番号）の列です。どちらか一方にしてください",
    );
}

#[test]
fn collects_every_problem_before_refusing() {
    check_refused(
        "社員番号,氏名,生年月日,性別,事業所コード,在籍区分,退職日\n\
         A0101,山田 太郎,1980-04-01,男,O001,,\n\
         000102,,1985-05-05,X,O001,,\n\
         000103,鈴木 次郎,2026-02-30,男,,出向,\n\
         000104,田中 一,1990-01-01,男,O001,退職,\n\
         000105,伊藤 恵,1991-01-01,女,O001,退職,2026-03-31\n\
         000102,佐藤 花子,1985-05-05,女,O001,,\n",
        "hr.csv 2行目 「社員番号」列: 値「A0101」— 社員番号（数字のみ。全角数字も可、先頭の0はそのまま）\n\
         hr.csv 3行目 「氏名」列: 氏名が空欄です（必須の項目です）\n\
         hr.csv 3行目 「性別」列: 値「X」— 性別（男/女、M/F、1/2）\n\
         hr.csv 4行目 「生年月日」列: 値「2026-02-30」— 存在しない日付です（2月は28日まで）\n\
         hr.csv 4行目 「事業所コード」列: 事業所コードが空欄です（必須の項目です）\n\
         hr.csv 4行目 「在籍区分」列: 値「出向」— 在籍区分（在籍/休職/退職、active/leave/retired。空欄は在籍）\n\
         hr.csv 5行目 「在籍区分」列: 値「退職」— 退職の行には退職日か異動日が必要です\n\
         hr.csv 7行目 「社員番号」列: 値「000102」— 社員番号000102が3行目と7行目の2か所にあります（1人1行にしてください）",
    );
}

#[test]
fn refuses_files_without_rows() {
    check_refused("", "hr.csv: 見出しの行がありません（ファイルが空です）");
    check_refused("\n,,\n", "hr.csv: 見出しの行がありません（ファイルが空です）");
    check_refused(
        HEADER,
        "hr.csv: 社員の行がありません（見出しの行の下に1人1行で入力してください）",
    );
}

#[test]
fn refuses_bytes_that_are_neither_utf8_nor_cp932() {
    let (mut bytes, _, _) = encoding_rs::SHIFT_JIS.encode("社員番号,氏名,生年月日,性別,事業所コード\r\n000101,山田");
    bytes.to_mut().extend_from_slice(b"\x82\xFF,1980-04-01,M,O001\r\n");
    let offset = bytes.len() - b"\x82\xFF,1980-04-01,M,O001\r\n".len() + 1;
    check_refused_bytes(
        "hr.csv",
        &bytes,
        &format!("hr.csv 2行目: 値「0x82 0xFF」— ファイル先頭から{offset}バイト目がShift_JIS（Windows-31J）として読めません（UTF-8かShift_JISで保存し直してください）"),
    );
}

#[test]
fn refuses_utf16_and_misnamed_workbooks() {
    check_refused_bytes(
        "hr.csv",
        b"\xFF\xFE\x3E\x79",
        "hr.csv: UTF-16のファイルには対応していません（Excelで「CSV UTF-8」か「CSV（コンマ区切り）」として保存してください）",
    );
    check_refused_bytes(
        "hr.xlsx",
        "社員番号\n".as_bytes(),
        "hr.xlsx: Excelファイルとして読めません（ファイルが壊れているか、Excel形式ではありません）",
    );
}

#[test]
fn refuses_a_missing_file_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_hr(&dir.path().join("none.csv")).unwrap_err();
    assert_eq!(err.file, "none.csv");
    assert_eq!(err.codes(), ["F1001"]);
}
