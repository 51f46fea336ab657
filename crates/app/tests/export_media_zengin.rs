//! Payroll media (電子媒体) and the Zengin account-transfer request through the application layer
//! on the worked example: golden files byte for byte, Python's cp932 codec as an independent
//! reader, a retired member switched to bank transfer in the next request file, account checks on
//! the switch, and the bank's result file read back (unpaid, held, refused).
//!
//! Golden files live in crates/formats/tests/data/{media,zengin}/; `INFOONE_UPDATE_GOLDEN=1`
//! rewrites them (look at the diff before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use infoone_app::export::{self, MediaOptions};
use infoone_app::infoone_store::Store;
use infoone_app::{ErrorCode, MonthRef, Selection};
use infoone_domain::change::Change;
use infoone_domain::ledger::{AccountType, BankAccount, WithdrawalOption};

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().unwrap()
}

fn dec() -> MonthRef {
    MonthRef::new("2026-12".parse().unwrap())
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../formats/tests/data")
        .join(rel)
}

fn golden(rel: &str, actual: &[u8]) {
    let path = data(rel);
    if std::env::var_os("INFOONE_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (INFOONE_UPDATE_GOLDEN=1 to create)", path.display()));
    assert!(expected == actual, "{} differs from the golden file", path.display());
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
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    fn media(&mut self, opts: &MediaOptions) -> infoone_app::Result<export::ExportSummary> {
        let out = self.out();
        export::media(&mut self.store, &dec(), &out, opts, now())
    }
    fn zengin(&mut self) -> infoone_app::Result<export::ExportSummary> {
        let out = self.out();
        export::zengin(&mut self.store, &dec(), &out, now())
    }
    fn fingerprint(&mut self) -> String {
        self.store.read(|tx| tx.fingerprint()).unwrap()
    }
    fn add(&mut self, c: Change) -> Result<infoone_app::ChangeView, infoone_app::AppError> {
        infoone_app::add_change(&mut self.store, &dec(), c, false, now())
    }
    /// The worked example as confirmed without W0001 (WORKED-EXAMPLE.md).
    fn confirmed() -> Case {
        let mut c = Case::new();
        infoone_app::reject(&mut c.store, &dec(), &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
        c
    }
    /// 000201 retires in 2026-11 choosing bank transfer, the account is registered, confirmed.
    fn bank_transfer() -> Case {
        let mut c = Case::new();
        infoone_app::reject(&mut c.store, &dec(), &Selection::All, now()).unwrap();
        c.add(Change::Retirement {
            employee_no: "000201".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            option: WithdrawalOption::BankTransfer,
        })
        .unwrap();
        c.add(switch(account("0005", "001", "1234567", "サトウ　イチロウ")))
            .unwrap();
        infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
        c
    }
}

fn account(bank: &str, branch: &str, no: &str, holder: &str) -> BankAccount {
    BankAccount {
        bank_code: bank.into(),
        branch_code: branch.into(),
        account_type: AccountType::Ordinary,
        account_no: no.into(),
        holder_kana: holder.into(),
    }
}

fn switch(a: BankAccount) -> Change {
    Change::BankTransferSwitch {
        employee_no: "000201".into(),
        account: a,
    }
}

fn python_cp932(path: &Path) -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; sys.stdout.buffer.write(open(sys.argv[1], encoding='cp932', newline='').read().encode('utf-8'))"])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 cp932: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn media_of_the_worked_example_matches_the_golden_files_and_python_reads_it() {
    let mut c = Case::confirmed();
    let s = c.media(&MediaOptions::default()).unwrap();
    assert_eq!(s.records, 3);
    assert_eq!(s.files.len(), 2, "one file per deduction destination: {:?}", s.files);
    let d01 = c.out().join("media_G0001_2026-12_D01.csv");
    let d02 = c.out().join("media_G0001_2026-12_D02.csv");
    golden("media/G0001_2026-12_D01.cp932.csv", &std::fs::read(&d01).unwrap());
    golden("media/G0001_2026-12_D02.cp932.csv", &std::fs::read(&d02).unwrap());
    // An independent reader: Python's cp932 codec.
    assert_eq!(
        python_cp932(&d01),
        "控除先コード,事業所コード,社員番号,氏名,控除額合計,団体定期保険,団体医療保険\r\n\
         D01,O001,000101,山田 太郎,2159,779,1380\r\n\
         D01,O001,000102,髙橋 美咲,5722,942,4780\r\n"
    );
    assert_eq!(
        python_cp932(&d02),
        "控除先コード,事業所コード,社員番号,氏名,控除額合計,団体定期保険,団体医療保険\r\n\
         D02,O002,000201,佐藤 一郎,3769,3769,0\r\n"
    );

    let utf8 = c.dir.path().join("utf8");
    let s = export::media(
        &mut c.store,
        &dec(),
        &utf8,
        &MediaOptions { utf8: true, xlsx: true },
        now(),
    )
    .unwrap();
    assert_eq!(s.files.len(), 4);
    let bytes = std::fs::read(utf8.join("media_G0001_2026-12_D01.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    golden("media/G0001_2026-12_D01.utf8bom.csv", &bytes);
    assert!(utf8.join("media_G0001_2026-12_D01.xlsx").exists());
}

#[test]
fn media_replaces_cp932_twins_and_refuses_other_characters_naming_the_member() {
    let mut c = Case::new();
    infoone_app::reject(&mut c.store, &dec(), &Selection::All, now()).unwrap();
    let rename = |no: &str, name: &str| Change::Update {
        employee_no: no.into(),
        name: Some(name.into()),
        name_kana: None,
        email: None,
        postal_code: None,
        address: None,
    };
    c.add(rename("000101", "山田〜太郎")).unwrap();
    c.add(rename("000102", "𠮷田 美咲")).unwrap();
    infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
    let err = c.media(&MediaOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Refused);
    assert!(err.message.contains("社員番号000102"), "{}", err.message);
    assert!(err.message.contains("3行目"), "{}", err.message);
    assert!(err.message.contains("U+20BB7"), "{}", err.message);
    assert!(err.message.contains("𠮷"), "{}", err.message);
    assert!(!c.out().exists(), "nothing written when refused");

    // UTF-8 holds every character; 〜 stays as written there.
    let s = c
        .media(&MediaOptions {
            utf8: true,
            xlsx: false,
        })
        .unwrap();
    let text = std::fs::read_to_string(c.out().join("media_G0001_2026-12_D01.csv")).unwrap();
    assert!(text.contains("山田〜太郎") && text.contains("𠮷田 美咲"));
    assert!(s.notes.iter().all(|n| !n.contains("U+301C")));
}

#[test]
fn media_normalises_the_wave_dash_for_cp932_and_says_so() {
    let mut c = Case::new();
    infoone_app::reject(&mut c.store, &dec(), &Selection::All, now()).unwrap();
    c.add(Change::Update {
        employee_no: "000101".into(),
        name: Some("山田〜太郎−".into()),
        name_kana: None,
        email: None,
        postal_code: None,
        address: None,
    })
    .unwrap();
    infoone_app::confirm(&mut c.store, &dec(), now()).unwrap();
    let s = c.media(&MediaOptions::default()).unwrap();
    let path = c.out().join("media_G0001_2026-12_D01.csv");
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(2).any(|w| w == b"&#"), "never &#NNNN;");
    assert!(python_cp932(&path).contains("山田～太郎－"));
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("U+301C") && n.contains("U+FF5E") && n.contains("000101")),
        "{:?}",
        s.notes
    );
    assert!(
        s.notes.iter().any(|n| n.contains("U+2212") && n.contains("U+FF0D")),
        "{:?}",
        s.notes
    );
}

#[test]
fn switch_refuses_a_wrong_account_with_a_clear_message_and_changes_nothing() {
    let mut c = Case::new();
    c.add(Change::Retirement {
        employee_no: "000201".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        option: WithdrawalOption::BankTransfer,
    })
    .unwrap();
    let before = c.fingerprint();
    let cases = [
        (account("0004", "001", "1234567", "ｻﾄｳ ｲﾁﾛｳ"), "銀行コード「0004」"),
        (account("0005", "999", "1234567", "ｻﾄｳ ｲﾁﾛｳ"), "支店コード「999」"),
        (account("0005", "001", "123456", "ｻﾄｳ ｲﾁﾛｳ"), "7桁"),
        (account("0005", "001", "12345A7", "ｻﾄｳ ｲﾁﾛｳ"), "7桁"),
        (account("0005", "001", "1234567", "佐藤 一郎"), "U+4F50"),
        (account("0005", "001", "1234567", " "), "空"),
    ];
    for (a, needle) in cases {
        let err = c.add(switch(a)).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadInput);
        assert!(err.message.contains(needle), "{needle}: {}", err.message);
    }
    assert_eq!(c.fingerprint(), before);
    // Full-width digits and kana are put in the Zengin form.
    let v = c
        .add(switch(account(
            "０００５",
            "００１",
            "１２３４５６７",
            "さとう　いちろう",
        )))
        .unwrap();
    assert_eq!(v.change["account"]["holder_kana"], "ｻﾄｳ ｲﾁﾛｳ", "{}", v.change);
    assert_eq!(v.change["account"]["bank_code"], "0005");
}

fn record(file: &[u8], i: usize) -> &[u8] {
    &file[i * 122..i * 122 + 120]
}

#[test]
fn a_retired_member_switched_to_bank_transfer_is_in_the_next_request() {
    let mut c = Case::bank_transfer();
    let bill = infoone_app::bill(&mut c.store, &dec()).unwrap();
    assert_eq!(bill.account_transfers.len(), 1);
    let s = c.zengin().unwrap();
    assert_eq!(s.records, 1);
    // 2026-12-27 is a Sunday.
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("2026-12-27") && n.contains("2026-12-28")),
        "{:?}",
        s.notes
    );
    let path = c.out().join("zengin_G0001_2026-12.txt");
    let bytes = std::fs::read(&path).unwrap();
    golden("zengin/G0001_2026-12_bank-transfer.txt", &bytes);

    assert_eq!(bytes.len(), 4 * 122);
    for i in 0..4 {
        assert_eq!(&bytes[i * 122 + 120..i * 122 + 122], b"\r\n");
    }
    let cp932 = |s: &str| encoding_rs::SHIFT_JIS.encode(s).0.into_owned();
    let mut header = b"19101234567890".to_vec();
    header.extend(cp932(&format!("{:<40}", "ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ(ｶ")));
    header.extend(b"12280001");
    header.extend(cp932(&format!("{:<15}", "ﾐｽﾞﾎ")));
    header.extend(b"001");
    header.extend(cp932(&format!("{:<15}", "ﾄｳｷﾖｳ")));
    header.extend(b"17654321");
    header.extend([b' '; 17]);
    assert_eq!(record(&bytes, 0), &header[..]);
    let mut data = b"20005".to_vec();
    data.extend(cp932(&format!("{:<15}", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ")));
    data.extend(b"001");
    data.extend(cp932(&format!("{:<15}", "ﾎﾝﾃﾝ")));
    data.extend(b"    11234567");
    data.extend(cp932(&format!("{:<30}", "ｻﾄｳ ｲﾁﾛｳ")));
    data.extend(b"0000003769120261200000000000201");
    data.extend(b"0        ");
    assert_eq!(record(&bytes, 1), &data[..]);
    let mut trailer = b"8000001000000003769".to_vec();
    trailer.extend(b"000000000000000000000000000000000000");
    trailer.extend([b' '; 65]);
    assert_eq!(record(&bytes, 2), &trailer[..]);
    let mut end = b"9".to_vec();
    end.extend([b' '; 119]);
    assert_eq!(record(&bytes, 3), &end[..]);

    // Paid by bank transfer, so not deducted by payroll: D02's file has only its header.
    let s = c.media(&MediaOptions::default()).unwrap();
    assert_eq!(s.records, 2);
    assert!(s.notes.iter().any(|n| n.contains("控除先D02")), "{:?}", s.notes);
    let d02 = python_cp932(&c.out().join("media_G0001_2026-12_D02.csv"));
    assert_eq!(d02.lines().count(), 1, "{d02}");
}

/// The request turned into a result file: codes set per data record, trailer recounted.
fn result_file(request: &[u8], codes: &[u8]) -> Vec<u8> {
    let mut recs: Vec<Vec<u8>> = request
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l[..120].to_vec())
        .collect();
    let (mut n, mut sum, mut ok, mut ok_sum, mut ng, mut ng_sum) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for (k, r) in recs.iter_mut().filter(|r| r[0] == b'2').enumerate() {
        r[111] = codes[k];
        let amount: u64 = std::str::from_utf8(&r[80..90]).unwrap().parse().unwrap();
        n += 1;
        sum += amount;
        if r[111] == b'0' {
            ok += 1;
            ok_sum += amount;
        } else {
            ng += 1;
            ng_sum += amount;
        }
    }
    let t = recs.iter_mut().find(|r| r[0] == b'8').unwrap();
    let trailer = format!("8{n:06}{sum:012}{ok:06}{ok_sum:012}{ng:06}{ng_sum:012}{:65}", "");
    t.copy_from_slice(trailer.as_bytes());
    recs.iter().flat_map(|r| r.iter().copied().chain(*b"\r\n")).collect()
}

#[test]
fn the_bank_result_file_is_read_back() {
    let mut c = Case::bank_transfer();
    c.zengin().unwrap();
    let request = std::fs::read(c.out().join("zengin_G0001_2026-12.txt")).unwrap();
    let results = c.dir.path().join("results");
    std::fs::create_dir_all(&results).unwrap();

    // 1 資金不足 → unpaid, kept in the JSON file next to the result file.
    let f = results.join("result-1.txt");
    std::fs::write(&f, result_file(&request, b"1")).unwrap();
    let s = export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("振替不能 社員番号000201 2026-12分 3769円: 1 資金不足")),
        "{:?}",
        s.notes
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("zengin-result_G0001_2026-12.json")).unwrap()).unwrap();
    assert_eq!(json["unpaid"][0]["employee_no"], "000201");
    assert_eq!(json["unpaid"][0]["enrollments"][0], "E0005");
    assert_eq!(json["debited"].as_array().unwrap().len(), 0);
    let log = c.store.read(|tx| tx.audit_log(None)).unwrap();
    assert!(log.iter().any(|a| a.action == "zengin.result"));

    // 0 → debited.
    std::fs::write(&f, result_file(&request, b"0")).unwrap();
    export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("zengin-result_G0001_2026-12.json")).unwrap()).unwrap();
    assert_eq!(json["debited"][0]["customer_no"], "20261200000000000201");

    // An unknown code is held with a message, not a crash.
    std::fs::write(&f, result_file(&request, b"7")).unwrap();
    let s = export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("保留 2行目") && n.contains("「7」")),
        "{:?}",
        s.notes
    );

    // A trailer that disagrees refuses the file and changes nothing.
    let mut bad = result_file(&request, b"0");
    let t = 2 * 122;
    bad[t + 1..t + 7].copy_from_slice(b"000002");
    std::fs::write(&f, &bad).unwrap();
    let before = c.fingerprint();
    let err = export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadInput);
    assert!(
        err.message
            .contains("result-1.txt 3行目 「合計件数」列: 値「000002」— データレコードから数えると1です"),
        "{}",
        err.message
    );
    assert_eq!(c.fingerprint(), before);

    // Another consignor's file is refused.
    let mut other = result_file(&request, b"0");
    other[4..14].copy_from_slice(b"9999999999");
    std::fs::write(&f, &other).unwrap();
    let err = export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap_err();
    assert!(err.message.contains("委託者コード"), "{}", err.message);
}

#[test]
fn no_request_file_without_account_transfers() {
    let mut c = Case::confirmed();
    let s = c.zengin().unwrap();
    assert_eq!((s.records, s.files.len()), (0, 0));
    assert_eq!(s.notes, [export::NOBODY_TO_DEBIT]);
}

fn at(s: &str) -> NaiveDateTime {
    format!("{s}T09:00:00").parse().unwrap()
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; tests/run-all.sh installs it)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// 振替不能 goes to the unpaid list (in the database, due on the debit date); importing the same
/// result again does not list it twice; the first reminder is due the day after, the second 30
/// days after the first; marking it paid takes it off the list. Every step is in the audit log.
#[test]
fn a_failed_debit_goes_to_the_unpaid_list_and_gets_its_reminders() {
    use infoone_app::unpaid;
    let mut c = Case::bank_transfer();
    c.zengin().unwrap();
    let request = std::fs::read(c.out().join("zengin_G0001_2026-12.txt")).unwrap();
    let f = c.dir.path().join("result.txt");
    std::fs::write(&f, result_file(&request, b"1")).unwrap();
    for _ in 0..2 {
        export::import_zengin_result(&mut c.store, &dec(), &f, now()).unwrap();
    }
    // Debit day 27: 2026-12-27 is a Sunday, so the debit (and the due date) is Monday 12-28.
    let list = unpaid::unpaid_list(&mut c.store, None, false, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let u = &list[0];
    assert_eq!(
        (
            u.code.as_str(),
            u.name.as_str(),
            u.office.as_str(),
            u.month.as_str(),
            u.amount
        ),
        ("000201", "佐藤 一郎", "O002", "2026-12", 3769)
    );
    assert_eq!((u.due_date.as_str(), u.days_overdue), ("2026-12-28", 8));
    assert_eq!(u.reason, "1 資金不足");
    assert_eq!(u.reference, "20261200000000000201");
    assert_eq!(u.reminder_due.as_deref(), Some("first"));

    let letters = c.dir.path().join("letters");
    // On the due date itself: no letter yet.
    let s = unpaid::reminders(&mut c.store, &dec(), &letters, at("2026-12-28")).unwrap();
    assert!(s.files.is_empty());
    assert!(
        s.notes.iter().any(|n| n.contains("第1回の督促状は2026-12-29から")),
        "{:?}",
        s.notes
    );

    // 2027-01-05: the first notice, new due date two weeks later (01-19, a Tuesday).
    let s = unpaid::reminders(&mut c.store, &dec(), &letters, at("2027-01-05")).unwrap();
    assert_eq!(s.files.len(), 1, "{s:?}");
    let first = letters.join("reminder_000201_2026-12_1.pdf");
    let t = pdf_text(&first);
    for want in [
        "督促状",
        "佐藤 一郎",
        "様",
        "資金不足",
        "3,769 円",
        "2026年12月28日",
        "2027年1月19日",
    ] {
        assert!(t.contains(want), "{want} not in:\n{t}");
    }
    // Same day again: nothing new; the second from 30 days after the first.
    let s = unpaid::reminders(&mut c.store, &dec(), &letters, at("2027-01-05")).unwrap();
    assert!(s.files.is_empty());
    assert!(
        s.notes.iter().any(|n| n.contains("第2回の督促状は2027-02-04から")),
        "{:?}",
        s.notes
    );
    let s = unpaid::reminders(&mut c.store, &dec(), &letters, at("2027-02-04")).unwrap();
    assert_eq!(s.files.len(), 1);
    let t = pdf_text(&letters.join("reminder_000201_2026-12_2.pdf"));
    assert!(t.contains("督促状（再通知）") && t.contains("2027年2月18日"), "{t}");

    // Paid at the counter: off the list, kept with its date; twice is refused.
    let id = list[0].id;
    let day = NaiveDate::from_ymd_opt(2027, 2, 10).unwrap();
    unpaid::mark_paid(&mut c.store, id, day, Some("窓口で現金"), at("2027-02-10")).unwrap();
    assert!(unpaid::unpaid_list(&mut c.store, None, false, day).unwrap().is_empty());
    let all = unpaid::unpaid_list(&mut c.store, None, true, day).unwrap();
    assert_eq!(
        (
            all[0].paid_at.as_deref(),
            all[0].first_notice.as_deref(),
            all[0].second_notice.as_deref()
        ),
        (Some("2027-02-10"), Some("2027-01-05"), Some("2027-02-04"))
    );
    let err = unpaid::mark_paid(&mut c.store, id, day, None, at("2027-02-10")).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    assert_eq!(
        unpaid::mark_paid(&mut c.store, 999, day, None, at("2027-02-10"))
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    let log = c.store.read(|tx| tx.audit_log(None)).unwrap();
    let actions: Vec<&str> = log
        .iter()
        .map(|a| a.action.as_str())
        .filter(|a| a.starts_with("unpaid."))
        .collect();
    assert_eq!(actions, ["unpaid.reminder", "unpaid.reminder", "unpaid.paid"]);
    let imports: Vec<&str> = log
        .iter()
        .filter(|a| a.action == "zengin.result")
        .filter_map(|a| a.detail.as_deref())
        .collect();
    assert!(
        imports[0].contains("追加1件") && imports[1].contains("更新1件"),
        "{imports:?}"
    );
}
