//! The Excel roster (加入者名簿) and the member extract (加入者データ抽出) through the application
//! layer, on the worked example: golden cell dumps of the xlsx (read back with calamine), golden
//! bytes of the csv, the round trip (every cell survives; importing the unchanged roster proposes
//! nothing), the changes an edited roster proposes, a refused roster (exact positioned message,
//! database unchanged), and Python's openpyxl as an independent reader.
//!
//! Golden files are in tests/golden/; `UPDATE_GOLDEN=1 cargo test -p infoone-app --test
//! export_roster_extract` rewrites them (look at the diff before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_formats::roster::{self, InsuredKind, RosterRow};

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
    /// The worked example loaded, its Web application W0001 accepted.
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json");
        infoone_app::load_package(&mut store, &pkg, now()).unwrap();
        infoone_app::accept(&mut store, &dec(), &Selection::All, now()).unwrap();
        Case { dir, store }
    }

    /// The same, confirmed.
    fn confirmed() -> Case {
        let mut c = Case::new();
        infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
        c
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn fingerprint(&mut self) -> String {
        self.store.read(|tx| tx.fingerprint()).unwrap()
    }

    fn export_roster(&mut self) -> PathBuf {
        let out = self.out();
        let s = infoone_app::export::export_roster(&mut self.store, &dec(), &out, now()).unwrap();
        assert_eq!(s.files.len(), 1);
        PathBuf::from(&s.files[0])
    }

    fn changes(&mut self) -> Vec<String> {
        infoone_app::list_changes(&mut self.store, &dec())
            .unwrap()
            .into_iter()
            .map(|c| format!("{} {} {}", c.status, c.kind, c.summary))
            .collect()
    }

    fn ledger(&mut self) -> infoone_domain::ledger::Ledger {
        // The ledger as the exports see it: through month_data once confirmed, else rebuilt here
        // from the package and the accepted changes as the app does.
        match infoone_app::export::month_data(&mut self.store, &dec()) {
            Ok(d) => d.ledger,
            Err(_) => ledger_of_open_month(&mut self.store),
        }
    }
}

/// The open month's ledger: the package with the accepted changes replayed (as `current_ledger`).
fn ledger_of_open_month(store: &mut Store) -> infoone_domain::ledger::Ledger {
    let (pkg, payloads) = store
        .read(|tx| {
            let row = tx.months_for("2026-12".parse().unwrap())?.remove(0);
            let bytes = tx.package(row.id)?;
            let accepted: Vec<String> = tx.accepted_changes(row.id)?.into_iter().map(|c| c.payload).collect();
            Ok::<_, infoone_app::infoone_store::StoreError>((bytes, accepted))
        })
        .unwrap();
    let pkg = infoone_formats::package::parse_package("p.json", &pkg).unwrap();
    let mut ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    for p in payloads {
        let c = infoone_formats::change::from_json(&p).unwrap();
        infoone_domain::change::apply(&mut ledger, &c).unwrap();
    }
    ledger
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

/// Compares `actual` with the golden file (rewrites it under UPDATE_GOLDEN=1).
fn check_golden(name: &str, actual: &[u8]) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != actual {
        panic!(
            "{} differs from the golden file:\n--- expected\n{}\n--- actual\n{}",
            name,
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        );
    }
}

/// Every sheet of a workbook as text, read with calamine: one line per row, cells separated by
/// ` | `; a string as written, a number `n:…`, a date `d:YYYY-MM-DD`; trailing blanks dropped.
fn cell_dump(path: &Path) -> String {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        out.push_str(&format!("[{name}] {:?}\n", range.get_size()));
        for (i, row) in range.rows().enumerate() {
            let mut cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("n:{f}"),
                    Data::Int(i) => format!("n:{i}"),
                    Data::DateTime(d) => {
                        let (y, m, dd, ..) = d.to_ymd_hms_milli();
                        format!("d:{y:04}-{m:02}-{dd:02}")
                    }
                    other => format!("?:{other:?}"),
                })
                .collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            out.push_str(&format!("{}: {}\n", i + 1, cells.join(" | ")));
        }
    }
    out
}

#[test]
fn roster_of_the_worked_example_matches_the_golden_cell_dump() {
    let mut c = Case::confirmed();
    let path = c.export_roster();
    assert_eq!(path.file_name().unwrap(), "roster-G0001-2026-12.xlsx");
    check_golden("roster-worked-example.txt", cell_dump(&path).as_bytes());
}

#[test]
fn extract_of_the_worked_example_matches_the_golden_files() {
    let mut c = Case::confirmed();
    let s = infoone_app::export::extract(&mut c.store, &dec(), &c.dir.path().join("out"), false, now()).unwrap();
    assert_eq!((s.kind.as_str(), s.records, s.files.len()), ("extract", 6, 2));
    let extract = std::fs::read(&s.files[0]).unwrap();
    let rates = std::fs::read(&s.files[1]).unwrap();
    assert!(
        s.files[0].ends_with("extract-G0001-2026-12.csv") && s.files[1].ends_with("participation-G0001-2026-12.csv")
    );
    for bytes in [&extract, &rates] {
        assert!(bytes.starts_with("\u{FEFF}".as_bytes()), "UTF-8 BOM");
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(
            text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'),
            "CRLF line ends only"
        );
    }
    check_golden("extract-worked-example.csv", &extract);
    check_golden("participation-worked-example.csv", &rates);

    let s = infoone_app::export::extract(&mut c.store, &dec(), &c.dir.path().join("out"), true, now()).unwrap();
    assert_eq!((s.records, s.files.len()), (6, 1));
    assert!(s.files[0].ends_with("extract-G0001-2026-12.xlsx"));
    check_golden(
        "extract-worked-example.txt",
        cell_dump(Path::new(&s.files[0])).as_bytes(),
    );
}

#[test]
fn participation_rates_of_the_worked_example() {
    let mut c = Case::confirmed();
    let ledger = c.ledger();
    let rows: Vec<String> = infoone_formats::extract::participation(&ledger)
        .iter()
        .map(|p| {
            format!(
                "{} {} {}/{} {}",
                p.office,
                p.product,
                p.enrolled,
                p.active,
                infoone_formats::extract::rate_text(p.rate)
            )
        })
        .collect();
    // O001: 000101 (GTL self, MED for the spouse) and 000102 (GTL, MED); O002: 000201 (GTL, and
    // MED from W0001 starting 2026-12).
    assert_eq!(
        rows,
        [
            "O001 GTL 2/2 100.0%",
            "O001 MED 2/2 100.0%",
            "O002 GTL 1/1 100.0%",
            "O002 MED 1/1 100.0%",
            " GTL 3/3 100.0%",
            " MED 3/3 100.0%"
        ]
    );
}

/// Export, read back with the roster reader, and compare every field of every row with the
/// ledger's roster rows.
fn assert_round_trip(path: &Path, ledger: &infoone_domain::ledger::Ledger) -> usize {
    let back = roster::read_roster(path).unwrap();
    let expected: Vec<RosterRow> = roster::roster_rows(ledger);
    assert_eq!(back.rows.len(), expected.len());
    assert!(back.unknown_columns.is_empty());
    assert_eq!(back.columns.len(), roster::COLUMNS.len(), "every column is written");
    for (b, e) in back.rows.iter().zip(&expected) {
        assert_eq!(b, e, "row {}", e.row);
    }
    expected.len()
}

#[test]
fn round_trip_keeps_every_cell_and_proposes_nothing() {
    let mut c = Case::new();
    let path = c.export_roster();
    let ledger = c.ledger();
    assert_eq!(assert_round_trip(&path, &ledger), 6);

    let before = c.changes();
    let s = infoone_app::export::import_roster(&mut c.store, &dec(), &path, now()).unwrap();
    assert_eq!((s.kind.as_str(), s.records), ("roster_import", 0));
    assert_eq!(s.notes, ["名簿と台帳に違いはありません（提案した変更はありません）"]);
    assert_eq!(c.changes(), before);
}

#[test]
fn round_trip_on_a_sample_group_with_withdrawers_dependents_and_ended_enrollments() {
    let sample = infoone_sample::generate(&infoone_sample::SampleSpec::new(2_000, 20, 7));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    infoone_app::load_package_bytes(
        &mut store,
        "bill-package.json",
        &infoone_sample::package_json(&sample),
        now(),
    )
    .unwrap();
    let at = MonthRef::new(sample.spec.month);
    let s = infoone_app::export::export_roster(&mut store, &at, dir.path(), now()).unwrap();
    let path = PathBuf::from(&s.files[0]);
    let ledger = ledger_of(&mut store, &sample.package);
    let rows = assert_round_trip(&path, &ledger);
    assert_eq!(rows, s.records);
    // The sample has what the roster must carry: dependents, withdrawers, ended enrollments.
    let all: Vec<RosterRow> = roster::roster_rows(&ledger);
    assert!(all
        .iter()
        .any(|r| r.enrollment.as_ref().is_some_and(|e| e.insured == InsuredKind::Child)));
    assert!(all
        .iter()
        .any(|r| r.enrollment.as_ref().is_some_and(|e| e.withdrawal_option.is_some())));
    assert!(all.iter().any(|r| r
        .enrollment
        .as_ref()
        .is_some_and(|e| e.end_month.is_some() && e.premium.is_none())));

    let before = infoone_app::list_changes(&mut store, &at).unwrap().len();
    let s = infoone_app::export::import_roster(&mut store, &at, &path, now()).unwrap();
    assert_eq!(s.records, 0, "{:?}", s.notes);
    assert_eq!(infoone_app::list_changes(&mut store, &at).unwrap().len(), before);
}

fn ledger_of(_store: &mut Store, pkg: &infoone_formats::package::BillPackage) -> infoone_domain::ledger::Ledger {
    // Nothing accepted yet: the ledger is the package's.
    infoone_formats::ledger::to_ledger(pkg, &[])
}

/// The exported roster with some rows edited, written back through the roster writer.
fn edited(path: &Path, out: &Path, edit: impl Fn(&mut Vec<RosterRow>)) -> PathBuf {
    let mut rows = roster::read_roster(path).unwrap().rows;
    edit(&mut rows);
    roster::write_roster_rows(rows, out).unwrap();
    out.to_path_buf()
}

#[test]
fn an_edited_roster_proposes_the_changes_for_review() {
    let mut c = Case::new();
    let path = c.export_roster();
    let before = c.changes().len();
    let file = edited(&path, &c.dir.path().join("edited.xlsx"), |rows| {
        for r in rows.iter_mut() {
            let id = r.enrollment.as_ref().map(|e| e.id.clone()).unwrap_or_default();
            match (r.member.employee_no.as_str(), id.as_str()) {
                // Name (both rows of the member: they agree) and e-mail; MED plan S → L.
                ("000101", "E0001") => {
                    r.member.name = "山田　太朗".into();
                    r.member.email = "taro@example.jp".into();
                }
                ("000101", "E0002") => {
                    r.member.name = "山田 太朗".into();
                    r.member.email = "taro@example.jp".into();
                    if let Some(e) = r.enrollment.as_mut() {
                        e.plan = "L".into();
                    }
                }
                // Withdrawal of GTL at the end of December, lump sum; transfer to 大阪支店 edited
                // on one row only.
                ("000102", "E0003") => {
                    r.member.office = "O002".into();
                    if let Some(e) = r.enrollment.as_mut() {
                        e.end_month = Some("2026-12".parse().unwrap());
                        e.withdrawal_option = Some(infoone_domain::ledger::WithdrawalOption::LumpSum);
                    }
                }
                // Units 20 → 15 on GTL: proposed; the review refuses it (no mid-term change).
                ("000201", "E0005") => {
                    if let Some(e) = r.enrollment.as_mut() {
                        e.units = 15;
                    }
                }
                _ => {}
            }
        }
        // A new row: the spouse of 000101 joins GTL from January; a new employee with a join.
        let mut join = rows[0].clone();
        join.row = 0;
        if let Some(e) = join.enrollment.as_mut() {
            e.id = String::new();
            e.insured = InsuredKind::Spouse;
            e.insured_name = "山田 花子".into();
            e.insured_birth_date = None;
            e.units = 3;
            e.start_month = Some("2027-01".parse().unwrap());
            e.premium = None;
        }
        join.member.name = "山田 太朗".into();
        join.member.email = "taro@example.jp".into();
        rows.insert(2, join);
        let mut hire = rows[0].clone();
        hire.member.employee_no = "000301".into();
        hire.member.name = "鈴木 次郎".into();
        hire.member.name_kana = "ｽｽﾞｷ ｼﾞﾛｳ".into();
        hire.member.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 6, 1).unwrap();
        hire.member.office = "O002".into();
        hire.member.email = String::new();
        if let Some(e) = hire.enrollment.as_mut() {
            e.id = String::new();
            e.units = 5;
            e.start_month = None;
        }
        rows.push(hire);
    });
    let s = infoone_app::export::import_roster(&mut c.store, &dec(), &file, now()).unwrap();
    assert_eq!(s.records, 8);
    assert_eq!(
        s.notes,
        [
            "プラン変更 2件",
            "事業所異動 1件",
            "入社 1件",
            "加入 2件",
            "氏名・住所等の変更 1件",
            "脱退 1件"
        ]
    );
    let new: Vec<String> = c.changes().split_off(before);
    assert_eq!(
        new,
        [
            "proposed hire 入社: 000301 鈴木 次郎 事業所O002",
            "proposed update 変更: 000101（山田 太郎） 氏名→山田 太朗 メール→taro@example.jp",
            "proposed transfer 事業所異動: 000102（髙橋 美咲） → O002 異動日2026-12-01",
            "proposed plan_change プラン変更: 加入E0002 → プランL 1口 2026-11-01",
            "proposed plan_change プラン変更: 加入E0005 → プランA 15口 2026-11-01",
            "proposed withdrawal 脱退: 加入E0003 2026-12-31 選択lump_sum",
            "proposed join 加入: 000101（山田 太郎） GTL プランA 3口 被保険者S 申込日2026-12-01",
            "proposed join 加入: 000301 GTL プランA 5口 被保険者self 申込日2026-11-01",
        ]
    );
    // The same file again proposes nothing.
    let again = infoone_app::export::import_roster(&mut c.store, &dec(), &file, now()).unwrap();
    assert_eq!(again.records, 0);

    // Review: the GTL units change is refused (no mid-term change); the rest applies.
    let ids: Vec<(i64, String)> = infoone_app::list_changes(&mut c.store, &dec())
        .unwrap()
        .into_iter()
        .filter(|x| x.status == "proposed")
        .map(|x| (x.id, x.summary))
        .collect();
    let err = infoone_app::accept(&mut c.store, &dec(), &Selection::All, now()).unwrap_err();
    assert!(err.message.contains("C4002"), "{}", err.message);
    let keep: Vec<i64> = ids
        .iter()
        .filter(|(_, s)| !s.contains("E0005"))
        .map(|(i, _)| *i)
        .collect();
    infoone_app::accept(&mut c.store, &dec(), &Selection::Ids(keep), now()).unwrap();
    let ledger = c.ledger();
    let med = &ledger.enrollments["N202612-RE0002"];
    assert_eq!(
        (med.plan.as_str(), med.start_month.to_string()),
        ("L", "2026-12".to_string())
    );
    assert_eq!(
        ledger.enrollments["E0002"].end_month.map(|m| m.to_string()).as_deref(),
        Some("2026-11")
    );
    assert_eq!(ledger.members["000101"].name, "山田 太朗");
    assert_eq!(ledger.members["000102"].office_in("2026-12".parse().unwrap()), "O002");
    assert!(ledger.enrollments.contains_key("N202612-R000101-GTL-S"));
    assert!(ledger.enrollments.contains_key("N202612-R000301-GTL-self"));
    // The roster exported now round-trips again and proposes nothing.
    let path = c.export_roster();
    assert_round_trip(&path, &ledger);
    let s = infoone_app::export::import_roster(&mut c.store, &dec(), &path, now()).unwrap();
    assert_eq!(s.records, 0);
}

/// A hand-made roster (as a clerk might type it), every cell a string.
fn xlsx_of(path: &Path, rows: &[&[&str]]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row.iter()) {
            if !cell.is_empty() {
                ws.write_string(r, c, *cell).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn a_bad_roster_is_refused_with_positioned_problems_and_changes_nothing() {
    let mut c = Case::new();
    let path = c.dir.path().join("名簿.xlsx");
    // Columns in another order, an extra column (備考), derived columns left out.
    xlsx_of(
        &path,
        &[
            &[
                "加入ID",
                "社員番号",
                "氏名",
                "生年月日",
                "性別",
                "事業所コード",
                "商品コード",
                "プラン",
                "口数",
                "加入終了月",
                "備考",
            ],
            &[
                "E0001",
                "000101",
                "山田 太郎",
                "1980-10-02",
                "男",
                "O001",
                "GTL",
                "A",
                "10",
                "",
                "ok",
            ],
            &[
                "E0002",
                "000101",
                "山田 太郎",
                "1980-10-03",
                "X",
                "O001",
                "MED",
                "S",
                "0",
                "2026-13",
            ],
            &[
                "E0099",
                "000102",
                "髙橋 美咲",
                "1975-03-31",
                "女",
                "O009",
                "GTL",
                "A",
                "5",
            ],
            &[
                "E0003",
                "000201",
                "佐藤 一郎",
                "1962-01-15",
                "男",
                "O002",
                "GTL",
                "Z",
                "5",
            ],
            &[],
            &[
                "",
                "000102",
                "髙橋 美咲",
                "1975-03-31",
                "女",
                "O001",
                "GTL",
                "A",
                "1",
                "2027-03",
            ],
        ],
    );
    let before = c.fingerprint();
    let err = infoone_app::export::import_roster(&mut c.store, &dec(), &path, now()).unwrap_err();
    assert_eq!(err.code, infoone_app::ErrorCode::BadInput);
    assert_eq!(
        err.message,
        "名簿.xlsx 3行目 「性別」列: 値「X」— 性別（男/女、M/F、1/2）\n\
         名簿.xlsx 3行目 「口数」列: 値「0」— 口数（1以上の整数）\n\
         名簿.xlsx 3行目 「加入終了月」列: 値「2026-13」— 年月（例: 2026-12、2026/12、2026年12月。日付ならその月）"
    );
    assert_eq!(c.fingerprint(), before);

    // With the cells readable, the comparison with the ledger finds the rest.
    xlsx_of(
        &path,
        &[
            &[
                "加入ID",
                "社員番号",
                "氏名",
                "生年月日",
                "性別",
                "事業所コード",
                "商品コード",
                "プラン",
                "口数",
                "加入終了月",
                "備考",
            ],
            &[
                "E0001",
                "000101",
                "山田 太郎",
                "1980-10-02",
                "男",
                "O001",
                "GTL",
                "A",
                "10",
                "",
                "ok",
            ],
            &[
                "E0002",
                "000101",
                "山田 太郎",
                "1980-10-03",
                "男",
                "O001",
                "MED",
                "S",
                "1",
            ],
            &[
                "E0099",
                "000102",
                "髙橋 美咲",
                "1975-03-31",
                "女",
                "O009",
                "GTL",
                "A",
                "5",
            ],
            &[
                "E0003",
                "000201",
                "佐藤 一郎",
                "1962-01-15",
                "男",
                "O002",
                "GTL",
                "Z",
                "5",
            ],
            &[],
            &[
                "",
                "000102",
                "髙橋 美咲",
                "1975-03-31",
                "女",
                "O001",
                "GTL",
                "A",
                "1",
                "2027-03",
            ],
            &[
                "E0005",
                "000201",
                "佐藤 一郎",
                "1962-01-15",
                "男",
                "O002",
                "GTL",
                "A",
                "20",
            ],
        ],
    );
    let err = infoone_app::export::import_roster(&mut c.store, &dec(), &path, now()).unwrap_err();
    assert_eq!(
        err.message,
        "名簿.xlsx 3行目 「生年月日」列: 値「1980-10-03」— 生年月日は名簿では変更できません（台帳は1980-10-02。訂正は保険会社に連絡してください）\n\
         名簿.xlsx 4行目 「事業所コード」列: 値「O009」— 台帳にない事業所コードです（登録済み: O001、O002）\n\
         名簿.xlsx 4行目 「加入ID」列: 値「E0099」— 台帳にない加入IDです（新しい加入は加入IDを空欄にしてください）\n\
         名簿.xlsx 5行目 「加入ID」列: 値「E0003」— 加入ID「E0003」は社員番号000102の加入です\n\
         名簿.xlsx 7行目 「加入終了月」列: 値「2027-03」— 新しい加入（加入IDが空欄）に加入終了月・脱退月・脱退時の選択は入れられません"
    );
    assert_eq!(c.fingerprint(), before);

    // A month that is confirmed takes no roster either.
    let mut c = Case::confirmed();
    let path = c.export_roster();
    let before = c.fingerprint();
    let err = infoone_app::export::import_roster(&mut c.store, &dec(), &path, now()).unwrap_err();
    assert_eq!(err.code, infoone_app::ErrorCode::WrongState);
    assert_eq!(c.fingerprint(), before);
}

/// Python's openpyxl reads the roster and the extract: headers, values, Excel dates, number
/// formats, the frozen header row and the autofilter. Skipped (with a message) only when
/// openpyxl is not installed; tests/run-all.sh installs it (Debian package python3-openpyxl).
#[test]
fn openpyxl_reads_the_roster_and_the_extract() {
    // The first Python that has openpyxl (a pyenv `python3` may not see Debian's packages).
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        eprintln!(
            "SKIPPED openpyxl_reads_the_roster_and_the_extract: Python's openpyxl is not installed \
             (tests/run-all.sh installs python3-openpyxl; or `pip install openpyxl`)"
        );
        return;
    };
    let mut c = Case::confirmed();
    let roster = c.export_roster();
    let s = infoone_app::export::extract(&mut c.store, &dec(), &c.dir.path().join("out"), true, now()).unwrap();
    let script = r#"
import sys, openpyxl
def show(v):
    return v.isoformat()[:10] if hasattr(v, "isoformat") else repr(v)
for path in sys.argv[1:]:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        print("[%s] freeze=%s filter=%s rows=%d" % (ws.title, ws.freeze_panes, ws.auto_filter.ref, ws.max_row))
        print("widths " + " ".join("%s=%g" % (k, d.width) for k, d in sorted(ws.column_dimensions.items()) if d.width))
        for row in ws.iter_rows(min_row=1, max_row=3):
            print(" | ".join("" if c.value is None else "%s%s" % (show(c.value), "" if c.number_format == "General" else "{%s}" % c.number_format) for c in row))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&roster)
        .arg(&s.files[0])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    check_golden("openpyxl-worked-example.txt", &out.stdout);
}
