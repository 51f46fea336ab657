//! The Zengin request (口座振替依頼データ): debit dates over weekends and holidays in 2026 and 2027,
//! what a month's request contains (one record per person and month, 顧客番号, 新規コード, accounts
//! set aside), and the file itself: 120-byte records, CRLF, only allowed bytes, trailer = records.

use chrono::NaiveDate;
use infoone_domain::bill;
use infoone_domain::ledger::{self as d, Ledger};
use infoone_domain::month::YearMonth;
use infoone_formats::bill_doc::{self, AccountTransferDoc};
use infoone_formats::kana::{self, Field};
use infoone_formats::package::{parse_package, BillPackage};
use infoone_formats::zengin::{self, codes, Header, Planned, RECORD_LEN};
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/worked-example/bill-package.json"
));

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn debit_dates_move_to_the_next_bank_business_day_2026() {
    let cases = [
        ("2026-01", 1, "2026-01-05"),  // 元日, 1/2–1/3 closed, 1/3 Sat, 1/4 Sun
        ("2026-01", 12, "2026-01-13"), // 成人の日 (2nd Monday)
        ("2026-02", 11, "2026-02-12"), // 建国記念の日 (Wed)
        ("2026-02", 30, "2026-03-02"), // the month's last day (2/28 Sat) → Monday 3/2
        ("2026-05", 3, "2026-05-07"),  // 憲法記念日 (Sun), みどりの日, こどもの日, 振替休日 5/6
        ("2026-05", 6, "2026-05-07"),  // 振替休日
        ("2026-09", 21, "2026-09-24"), // 敬老の日, 国民の休日 9/22, 秋分の日 9/23
        ("2026-10", 27, "2026-10-27"), // an ordinary Tuesday stays
        ("2026-11", 23, "2026-11-24"), // 勤労感謝の日 (Mon)
        ("2026-12", 27, "2026-12-28"), // Sunday
        ("2026-12", 31, "2027-01-04"), // 12/31 and 1/1–1/3 closed
    ];
    for (m, day, want) in cases {
        assert_eq!(zengin::debit_date(ym(m), day), date(want), "{m} day {day}");
    }
}

#[test]
fn debit_dates_move_to_the_next_bank_business_day_2027() {
    let cases = [
        ("2027-01", 1, "2027-01-04"),  // 元日 (Fri), 1/2 Sat, 1/3 Sun
        ("2027-01", 11, "2027-01-12"), // 成人の日
        ("2027-02", 11, "2027-02-12"), // 建国記念の日 (Thu)
        ("2027-02", 23, "2027-02-24"), // 天皇誕生日 (Tue)
        ("2027-02", 31, "2027-03-01"), // 2/28 Sunday
        ("2027-03", 21, "2027-03-23"), // 春分の日 (Sun) → 振替休日 3/22
        ("2027-05", 3, "2027-05-06"),  // 3–5 May
        ("2027-07", 19, "2027-07-20"), // 海の日 (3rd Monday)
        ("2027-09", 20, "2027-09-21"), // 敬老の日
        ("2027-09", 23, "2027-09-24"), // 秋分の日 (Thu)
        ("2027-11", 3, "2027-11-04"),  // 文化の日 (Wed)
        ("2027-12", 27, "2027-12-27"), // Monday
        ("2027-12", 31, "2028-01-04"), // 12/31 Fri, 1/1–1/3 closed
    ];
    for (m, day, want) in cases {
        assert_eq!(zengin::debit_date(ym(m), day), date(want), "{m} day {day}");
    }
}

/// The worked example with E0005 (000201) withdrawn in `withdrawal_month` by bank transfer, and
/// the package's account of 000201.
fn package(withdrawal_month: &str, account: Option<Value>) -> BillPackage {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["pending_applications"] = json!([]);
    let e = v["enrollments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["id"] == "E0005")
        .unwrap();
    e["withdrawal_option"] = json!("bank_transfer");
    e["withdrawal_month"] = json!(withdrawal_month);
    let m = v["members"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["employee_no"] == "000201")
        .unwrap();
    m["status"] = json!("retired");
    m["retired_on"] = json!(format!("{withdrawal_month}-15"));
    m["bank_account"] = account.unwrap_or(Value::Null);
    parse_package("bill-package.json", &serde_json::to_vec(&v).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn mufg() -> Value {
    json!({"bank_code": "0005", "branch_code": "001", "account_type": "1", "account_no": "123", "holder_kana": "ｻﾄｳ ｲﾁﾛｳ"})
}

fn transfers(ledger: &Ledger) -> Vec<AccountTransferDoc> {
    let b = bill::compute(ledger);
    bill_doc::from_bill(&b, "confirmed", 1, &|_| (String::new(), String::new())).account_transfers
}

#[test]
fn plan_one_record_per_person_and_month_with_the_first_request_marked() {
    let pkg = package("2026-11", Some(mufg()));
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let t = transfers(&ledger);
    assert_eq!(t.len(), 1);
    let plan = zengin::plan(&pkg, &ledger, ym("2026-12"), &t).unwrap();
    assert_eq!(plan.header.debit_date, date("2026-12-28"));
    assert_eq!(plan.records.len(), 1);
    let r = &plan.records[0];
    assert_eq!(
        (r.employee_no.as_str(), r.month, r.amount, r.new_code),
        ("000201", ym("2026-12"), 3769, 1)
    );
    assert_eq!(r.customer_no, "20261200000000000201");
    assert_eq!(
        r.account.account_no, "0000123",
        "a package's short account number is zero-filled"
    );
    assert_eq!(kana::to_unicode(r.account.bank_name), "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ");
    assert_eq!(kana::to_unicode(r.account.branch_name), "ﾎﾝﾃﾝ");

    // A withdrawer of an earlier month was requested before: 新規コード 0.
    let pkg = package("2026-09", Some(mufg()));
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let plan = zengin::plan(&pkg, &ledger, ym("2026-12"), &transfers(&ledger)).unwrap();
    assert_eq!(plan.records[0].new_code, 0);

    // The account changed this month: 新規コード 2.
    let mut changed = ledger.clone();
    changed.members.get_mut("000201").unwrap().bank_account = Some(d::BankAccount {
        bank_code: "0001".into(),
        branch_code: "001".into(),
        account_type: d::AccountType::Current,
        account_no: "7777777".into(),
        holder_kana: "ｻﾄｳ ｲﾁﾛｳ".into(),
    });
    let plan = zengin::plan(&pkg, &changed, ym("2026-12"), &transfers(&changed)).unwrap();
    assert_eq!((plan.records[0].new_code, plan.records[0].account.account_type), (2, 2));
}

#[test]
fn several_months_make_several_records_each_with_its_own_customer_number() {
    let pkg = package("2026-11", Some(mufg()));
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let doc = |month: &str, enrollment: &str, amount| AccountTransferDoc {
        employee_no: "000201".into(),
        enrollment: enrollment.into(),
        product: "GTL".into(),
        month: month.into(),
        amount,
    };
    // Two enrollments in one month are one record; another month another record.
    let t = vec![
        doc("2026-12", "E0005", 3769),
        doc("2026-12", "E0009", 100),
        doc("2027-01", "E0005", 3769),
    ];
    let plan = zengin::plan(&pkg, &ledger, ym("2026-12"), &t).unwrap();
    assert_eq!(plan.records.len(), 2);
    assert_eq!(plan.records[0].amount, 3869);
    assert_eq!(plan.records[0].enrollments, vec!["E0005", "E0009"]);
    assert_eq!(plan.records[0].new_code, 1);
    assert_eq!(plan.records[1].new_code, 0);
    assert_ne!(plan.records[0].customer_no, plan.records[1].customer_no);
    for r in &plan.records {
        let (m, no) = zengin::parse_customer_no(&r.customer_no).unwrap();
        assert_eq!((m, no.as_str()), (r.month, "00000000000201"));
    }
}

#[test]
fn persons_without_a_usable_account_are_set_aside_with_the_reason() {
    let pkg = package("2026-11", None);
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let plan = zengin::plan(&pkg, &ledger, ym("2026-12"), &transfers(&ledger)).unwrap();
    assert!(plan.records.is_empty());
    assert_eq!(plan.set_aside.len(), 1);
    assert!(
        plan.set_aside[0].reason.contains("口座が登録されていません"),
        "{}",
        plan.set_aside[0].reason
    );

    let mut bad = mufg();
    bad["branch_code"] = json!("999");
    let pkg = package("2026-11", Some(bad));
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let plan = zengin::plan(&pkg, &ledger, ym("2026-12"), &transfers(&ledger)).unwrap();
    assert!(
        plan.set_aside[0].reason.contains("支店コード「999」"),
        "{}",
        plan.set_aside[0].reason
    );
}

#[test]
fn a_group_without_a_usable_contract_or_with_ambiguous_numbers_is_refused() {
    let mut pkg = package("2026-11", Some(mufg()));
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let t = transfers(&ledger);
    let mut collision = t.clone();
    collision.push(AccountTransferDoc {
        employee_no: "0000201".into(),
        ..t[0].clone()
    });
    let e = zengin::plan(&pkg, &ledger, ym("2026-12"), &collision).unwrap_err();
    assert!(e.0.contains("0000201") && e.0.contains("000201"), "{e}");

    pkg.group.collection_account.as_mut().unwrap().consignor_name_kana = "サンプル工業".into();
    let e = zengin::plan(&pkg, &ledger, ym("2026-12"), &t).unwrap_err();
    assert!(e.0.contains("委託者名") && e.0.contains("U+5DE5"), "{e}");
    pkg.group.collection_account = None;
    assert!(zengin::plan(&pkg, &ledger, ym("2026-12"), &t).is_err());
}

fn header() -> Header {
    Header {
        consignor_code: "1234567890".into(),
        consignor_name: kana::to_zengin("サンプルコウギョウ（カ", Field::Name).unwrap(),
        debit_date: date("2027-01-04"),
        bank_code: "0001".into(),
        bank_name: codes::bank_name("0001").unwrap().to_vec(),
        branch_code: "001".into(),
        branch_name: codes::branch_name("0001", "001").unwrap().to_vec(),
        account_type: 1,
        account_no: "0000123".into(),
    }
}

fn planned(i: u32, holder: &str, amount: i64) -> Planned {
    let bank = ["0001", "0005", "0009"][i as usize % 3];
    let branch = codes::all().find(|(b, ..)| format!("{b:04}") == bank).unwrap().2;
    let branch = format!("{branch:03}");
    let no = format!("{:06}", 100 + i);
    Planned {
        employee_no: no.clone(),
        month: ym("2026-12"),
        customer_no: zengin::customer_no(ym("2026-12"), &no).unwrap(),
        amount,
        new_code: (i % 3) as u8,
        account: std::sync::Arc::new(
            zengin::check_account(&d::BankAccount {
                bank_code: bank.into(),
                branch_code: branch,
                account_type: d::AccountType::Ordinary,
                account_no: format!("{:07}", 1_000_000 + i),
                holder_kana: holder.into(),
            })
            .unwrap(),
        ),
        enrollments: vec![format!("E{i}")],
    }
}

fn allowed_record(rec: &[u8]) -> bool {
    rec.iter().all(|&b| kana::allowed(b, Field::Name))
}

#[test]
fn every_record_is_120_bytes_of_allowed_bytes_and_the_trailer_adds_up() {
    let holders = [
        "ヤマダ　タロウ",
        "ジョン・スミス",
        "きょうこ・ぱーかー",
        "カブシキガイシャ　サンプルコウギョウ　ダイヒョウド",
    ];
    let records: Vec<Planned> = (0..40)
        .map(|i| planned(i, holders[i as usize % 4], 1000 + i64::from(i) * 37))
        .collect();
    let bytes = zengin::write_request(&header(), &records);
    assert_eq!(bytes.len(), (records.len() + 3) * (RECORD_LEN + 2));
    let recs: Vec<&[u8]> = bytes.chunks(RECORD_LEN + 2).collect();
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(&r[RECORD_LEN..], b"\r\n", "record {i}");
        assert!(
            allowed_record(&r[..RECORD_LEN]),
            "record {i}: {:?}",
            kana::to_unicode(r)
        );
    }
    assert_eq!(recs[0][0], b'1');
    assert_eq!(&recs[0][1..4], b"910");
    assert_eq!(&recs[0][54..58], b"0104");
    assert!(recs[1..=records.len()].iter().all(|r| r[0] == b'2'));
    let t = recs[records.len() + 1];
    assert_eq!(t[0], b'8');
    let n = |a: usize, l: usize| std::str::from_utf8(&t[a..a + l]).unwrap().parse::<i64>().unwrap();
    let data: Vec<&[u8]> = recs[1..=records.len()].to_vec();
    let sum: i64 = data
        .iter()
        .map(|r| std::str::from_utf8(&r[80..90]).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(n(1, 6), data.len() as i64);
    assert_eq!(n(7, 12), sum);
    assert_eq!(sum, records.iter().map(|r| r.amount).sum::<i64>());
    assert_eq!((n(19, 6), n(25, 12), n(37, 6), n(43, 12)), (0, 0, 0, 0));
    assert_eq!(recs[records.len() + 2][0], b'9');
    assert!(recs[records.len() + 2][1..RECORD_LEN].iter().all(|b| *b == b' '));
    // Text fields left-aligned space-filled, numbers right-aligned zero-filled.
    let r = data[0];
    assert_eq!(&r[80..90], b"0000001000");
    assert_eq!(kana::to_unicode(&r[50..80]), format!("{:<30}", "ﾔﾏﾀﾞ ﾀﾛｳ"));
    assert_eq!(kana::to_unicode(&data[1][50..80]).trim_end(), "ｼﾞﾖﾝ.ｽﾐｽ");
    assert_eq!(kana::to_unicode(&data[2][50..80]).trim_end(), "ｷﾖｳｺ.ﾊﾟ-ｶ-");
    // Cut at 30 bytes without separating ﾞ from its kana: byte 30 would be the ﾞ of ﾀﾞ.
    assert_eq!(kana::to_unicode(&data[3][50..80]), "ｶﾌﾞｼｷｶﾞｲｼﾔ ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ ﾀﾞｲﾋﾖｳ ");
    assert_eq!(&data[3][78..80], b"\xB3 ");
    // The consignor name of the header keeps its ( and the kana.
    assert_eq!(kana::to_unicode(&recs[0][14..54]).trim_end(), "ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ(ｶ");
}

#[test]
fn the_shipped_bank_codes_are_dated_and_in_the_zengin_character_set() {
    assert_eq!(codes::data_date(), "2026-08-24");
    assert!(codes::data_version().starts_with("zengin-code 1.0.0-p20260824"));
    let (banks, branches) = codes::counts();
    assert!(banks > 1_000 && branches > 25_000, "{banks} banks, {branches} branches");
    assert_eq!(codes::bank_name("0001").map(kana::to_unicode).as_deref(), Some("ﾐｽﾞﾎ"));
    assert_eq!(
        codes::branch_name("0001", "001").map(kana::to_unicode).as_deref(),
        Some("ﾄｳｷﾖｳ")
    );
    assert_eq!(
        codes::branch_name("0005", "001").map(kana::to_unicode).as_deref(),
        Some("ﾎﾝﾃﾝ")
    );
    assert!(codes::bank_name("0004").is_none());
    assert!(codes::bank_name("１").is_none());
    assert!(codes::branch_name("0001", "1").is_none());
    let mut n = 0;
    for (bank, bank_name, branch, branch_name) in codes::all() {
        for name in [bank_name, branch_name] {
            assert!(
                !name.is_empty() && name.iter().all(|&b| kana::allowed(b, Field::BankName)),
                "{bank:04}-{branch:03}"
            );
            // What the shipped data holds is what the converter makes of it.
            assert_eq!(kana::to_zengin(&kana::to_unicode(name), Field::BankName).unwrap(), name);
        }
        n += 1;
    }
    assert_eq!(n, branches);
    // Small enough to ship.
    let size = std::fs::metadata(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/zengin/banks.dat"))
        .unwrap()
        .len();
    assert!(size < 400_000, "{size} bytes");
}
