//! HR import through the application layer, on the worked example's package: what each awkward
//! file proposes, the exact positioned message of each refused file, and the database left
//! exactly as it was after a refusal.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().unwrap()
}

fn package() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json")
}

fn december() -> MonthRef {
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
        infoone_app::load_package(&mut store, &package(), now()).unwrap();
        Case { dir, store }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn fingerprint(&mut self) -> String {
        self.store.read(|tx| tx.fingerprint()).unwrap()
    }

    /// Import and return the summaries of the changes it proposed (notes included).
    fn import(&mut self, name: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
        let path = self.file(name, bytes);
        let before: Vec<i64> = self.ids();
        match infoone_app::import_hr(&mut self.store, &december(), &path, now()) {
            Ok(_) => Ok(infoone_app::list_changes(&mut self.store, &december())
                .unwrap()
                .into_iter()
                .filter(|c| !before.contains(&c.id))
                .map(|c| format!("{} {}", c.kind, c.summary))
                .collect()),
            Err(e) => Err(e.message),
        }
    }

    fn ids(&mut self) -> Vec<i64> {
        infoone_app::list_changes(&mut self.store, &december())
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect()
    }

    /// Import a file that must be refused; the database must not change.
    fn refused(&mut self, name: &str, bytes: &[u8]) -> String {
        let before = self.fingerprint();
        let err = self.import(name, bytes).expect_err("the file should be refused");
        assert_eq!(self.fingerprint(), before, "a refused file changed the database");
        err
    }
}

fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!had_errors);
    bytes.into_owned()
}

const HEADER: &str = "社員番号,氏名,氏名カナ,生年月日,性別,事業所コード,在籍区分,異動日,退職日\r\n";

/// The package's three members as they are: no change.
const SAME: &str = "000101,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-10-02,男,O001,在籍,,\r\n\
000102,髙橋 美咲,ﾀｶﾊｼ ﾐｻｷ,1975/3/31,女,O001,在籍,,\r\n\
000201,佐藤 一郎,ｻﾄｳ ｲﾁﾛｳ,19620115,1,O002,在籍,,\r\n";

#[test]
fn a_cp932_file_proposes_transfer_update_retirement_and_hire_once() {
    let mut c = Case::new();
    let file = format!(
        "{HEADER}000101,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-10-02,男,O002,在籍,2026-12-01,\r\n\
000102,鈴木 美咲,ｽｽﾞｷ ﾐｻｷ,1975-03-31,女,O001,在籍,,\r\n\
000201,佐藤 一郎,ｻﾄｳ ｲﾁﾛｳ,1962-01-15,男,O002,退職,,2026-11-30\r\n\
０００３０１,田中 次郎,ﾀﾅｶ ｼﾞﾛｳ,H10.4.1,M,O001,在籍,,\r\n"
    );
    let proposed = c.import("hr.csv", &cp932(&file)).unwrap();
    assert_eq!(
        proposed,
        vec![
            "transfer 事業所異動: 000101（山田 太郎） → O002 異動日2026-12-01",
            "update 変更: 000102（髙橋 美咲） 氏名→鈴木 美咲 カナ→スズキ ミサキ",
            "retirement 退職: 000201（佐藤 一郎） 退職日2026-11-30 選択end",
            "hire 入社: 000301 田中 次郎 事業所O001",
        ]
    );
    // The same file again proposes nothing.
    assert_eq!(c.import("hr.csv", &cp932(&file)).unwrap(), Vec::<String>::new());

    // Accepted: December moves 000101's lines to O002 and drops 000201 (coverage ended 2026-11).
    infoone_app::accept(&mut c.store, &december(), &Selection::All, now()).unwrap();
    let bill = infoone_app::bill(&mut c.store, &december()).unwrap();
    let t: Vec<(String, i64, i64, i64, i64)> = bill
        .offices
        .iter()
        .map(|o| {
            (
                o.code.clone(),
                o.totals.premium_total,
                o.totals.fee,
                o.totals.fee_tax,
                o.totals.invoice_amount,
            )
        })
        .collect();
    assert_eq!(
        t,
        vec![
            // O001: E0003 942 + E0004 4780 = 5722; fee floor(942 × 0.03 = 28.26) + floor(4780 × 0.025
            // = 119.5) = 28 + 119 = 147; tax floor(14.7) = 14; 5722 − 161 = 5561.
            ("O001".to_string(), 5722, 147, 14, 5561),
            // O002: E0001 779 + E0002 1380 = 2159; fee floor(23.37) + floor(34.5) = 23 + 34 = 57;
            // tax floor(5.7) = 5; 2159 − 62 = 2097. E0005 ended with 2026-11: no line.
            ("O002".to_string(), 2159, 57, 5, 2097),
        ]
    );
    // After accepting, the same file still proposes nothing.
    assert_eq!(c.import("hr.csv", &cp932(&file)).unwrap(), Vec::<String>::new());
}

#[test]
fn utf8_with_bom_wareki_dates_and_blank_rows_propose_nothing_when_nothing_changed() {
    let mut c = Case::new();
    let file = format!(
        "\u{feff}\r\n{HEADER}000101,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,昭和55年10月2日,男,O001,在籍,,\r\n\r\n,,,,,,,,\r\n\
000102,髙橋 美咲,ﾀｶﾊｼ ﾐｻｷ,S50.3.31,女,O001,在籍,,\r\n\
000201,佐藤 一郎,ｻﾄｳ ｲﾁﾛｳ,昭和37年1月15日,男,O002,在籍,令和元年5月1日,\r\n"
    );
    assert_eq!(c.import("hr.csv", file.as_bytes()).unwrap(), Vec::<String>::new());
}

#[test]
fn a_member_missing_from_the_snapshot_is_flagged_never_withdrawn() {
    let mut c = Case::new();
    let file = format!("{HEADER}000101,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-10-02,男,O001,在籍,,\r\n000201,佐藤 一郎,ｻﾄｳ ｲﾁﾛｳ,1962-01-15,男,O002,休職,,\r\n");
    let proposed = c.import("hr.csv", file.as_bytes()).unwrap();
    assert_eq!(
        proposed,
        vec![
            "note 休職: 000201（佐藤 一郎）控除できない可能性があります",
            "note 人事データにない加入者: 000102（髙橋 美咲）。退職・異動を確認してください",
        ]
    );
    // Notes are not changes: accepting everything accepts nothing and the bill is unchanged.
    let s = infoone_app::accept(&mut c.store, &december(), &Selection::All, now()).unwrap();
    assert_eq!(s.accepted, 1, "only the Web application W0001 is a change");
    let bill = infoone_app::bill(&mut c.store, &december()).unwrap();
    assert_eq!(bill.offices[0].totals.premium_total, 7881);
}

#[test]
fn refused_files_give_positioned_messages_and_change_nothing() {
    let mut c = Case::new();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "heisei32.csv",
            format!("{HEADER}{SAME}000301,田中 次郎,ﾀﾅｶ ｼﾞﾛｳ,平成32年1月1日,男,O001,在籍,,\r\n"),
            "heisei32.csv",
        ),
        (
            "duplicate.csv",
            format!("{HEADER}{SAME}000101,山田 二郎,,1990-01-01,男,O001,在籍,,\r\n"),
            "duplicate.csv",
        ),
        (
            "office.csv",
            format!("{HEADER}{SAME}000301,田中 次郎,,1990-01-01,男,O999,在籍,,\r\n"),
            "office.csv",
        ),
        (
            "missing.csv",
            "社員番号,氏名,生年月日,事業所コード\r\n000101,山田 太郎,1980-10-02,O001\r\n".to_string(),
            "missing.csv",
        ),
    ];
    let mut messages = Vec::new();
    for (name, text, file) in &cases {
        let msg = c.refused(name, text.as_bytes());
        assert!(msg.starts_with(file), "{msg}");
        messages.push(msg);
    }
    assert_eq!(
        messages,
        vec![
            "heisei32.csv 5行目 「生年月日」列: 値「平成32年1月1日」— 平成は31年（2019-04-30）までです",
            "duplicate.csv 5行目 「社員番号」列: 値「000101」— 社員番号000101が2行目と5行目の2か所にあります（1人1行にしてください）",
            "office.csv 5行目 「事業所コード」列: 値「O999」— 請求パッケージにない事業所コードです（登録済み: O001、O002）",
            "missing.csv 1行目: 必須の列「性別」がありません（見出しに使える名前: 性別、gender）",
        ]
    );
}

/// Issue 9: an HR file larger than the readers take is refused before it is read (a sparse file:
/// nothing is written to disk), and the database does not change; the XFD1048576 workbook is
/// refused with its position instead of aborting the process.
#[test]
fn an_oversized_or_hostile_hr_file_is_refused_before_it_is_read() {
    let mut c = Case::new();
    let path = c.dir.path().join("huge.csv");
    let file = std::fs::File::create(&path).unwrap();
    let max = infoone_formats::limits::MAX_WORKBOOK_BYTES.max(infoone_formats::limits::MAX_TEXT_BYTES);
    file.set_len(u64::try_from(max).unwrap() + 1).unwrap();
    let before = c.fingerprint();
    let err = infoone_app::import_hr(&mut c.store, &december(), &path, now()).unwrap_err();
    assert!(err.message.contains("ファイルが大きすぎます"), "{}", err.message);
    assert_eq!(c.fingerprint(), before);

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "社員番号").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let err = c.refused("hr.xlsx", &workbook.save_to_buffer().unwrap());
    assert!(err.contains("hr.xlsx 1048576行目 「XFD」列: 値「x」"), "{err}");
}
