//! Reading and writing the bill package: the example, round trips, decimals, defaults, versions,
//! warnings, and syntax and type errors with their path and position.

use infoone_formats::package::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/bill-package.example.json"
));
const FILE: &str = "bill-package.json";

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn example() -> BillPackage {
    parse_package(FILE, EXAMPLE.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn example_value() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

fn parse_value(v: &Value) -> Result<BillPackage, PackageError> {
    parse_package(FILE, &serde_json::to_vec_pretty(v).unwrap())
}

/// Line (1-based) of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle} not in text"));
    1 + text[..at].matches('\n').count()
}

fn syntax(e: PackageError) -> (String, usize, usize, String, String) {
    let shown = e.to_string();
    match e {
        PackageError::Syntax {
            path,
            line,
            column,
            message,
            ..
        } => (path, line, column, message, shown),
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn the_example_parses_with_its_values() {
    let p = example();
    assert_eq!(p.format, PACKAGE_FORMAT);
    assert_eq!(p.month, "2026-12");
    assert_eq!(p.version, "sha256:example");
    assert_eq!(p.issued_on, "2026-11-25");
    assert_eq!(p.group.code, "G0001");
    assert_eq!(p.group.name_kana, "ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ");
    let s = &p.group.settings;
    assert_eq!(
        (s.cutoff_day, s.policy_anniversary_month, s.retro_limit_months),
        (20, 4, 6)
    );
    assert_eq!(s.payment_due, PaymentDue::EndOfNextMonth);
    assert_eq!(s.fee_settlement, FeeSettlement::Offset);
    assert_eq!(s.undeducted_handling, UndeductedHandling::CarryOver);
    assert_eq!(s.tax_rate.to_string(), "0.10");
    assert_eq!(p.group.payee_account.account_type, AccountType::Ordinary);
    let ca = p.group.collection_account.as_ref().unwrap();
    assert_eq!((ca.consignor_code.as_str(), ca.debit_day), ("1234567890", 27));
    assert_eq!(p.offices.len(), 2);
    assert_eq!(p.offices[1].deduction_destination, "D02");
    assert_eq!(p.offices[1].postal_code.as_deref(), Some("530-0001"));

    let gtl = p.group_product("GTL").unwrap();
    assert_eq!(gtl.age_method, AgeMethod::InsuranceAge);
    assert_eq!((gtl.min_age, gtl.max_age, gtl.min_members), (15, 70, 10));
    assert_eq!(gtl.discount_rate, dec("0.05"));
    assert_eq!(gtl.rounding, Rounding::Floor);
    assert!(!gtl.mid_term_change);
    assert_eq!(gtl.rates[0].rate, dec("37.5"));
    assert_eq!(gtl.rates[2].rate, dec("198.4"));
    assert_eq!(gtl.rates[0].gender, RateGender::U);
    assert_eq!(gtl.agent_code, "A001");
    let med = p.group_product("MED").unwrap();
    assert_eq!(med.rounding, Rounding::HalfUp);
    assert!(med.mid_term_change);
    assert_eq!(
        med.plans.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        ["S", "L"]
    );
    assert_eq!(med.rates.len(), 8);

    assert_eq!(p.members.len(), 3);
    let m = p.member("000101").unwrap();
    assert_eq!((m.gender, m.status), (Gender::M, MemberStatus::Active));
    assert_eq!(m.dependents[0].relation, Relation::Spouse);
    assert_eq!(m.dependents[0].gender, Gender::F);
    assert!(m.bank_account.is_none() && m.retired_on.is_none());
    assert_eq!(parse_date(&m.birth_date), chrono::NaiveDate::from_ymd_opt(1980, 10, 2));

    assert_eq!(p.enrollments.len(), 5);
    assert_eq!(p.enrollments[1].insured_dependent(), Some("S"));
    assert_eq!(p.enrollments[0].insured_dependent(), None);
    assert_eq!(p.enrollments[4].units, 20);
    assert_eq!(p.enrollments[4].end_month, None);
    assert_eq!(p.enrollments[4].withdrawal_option, None);
    assert_eq!(p.pending_applications[0].applied_on, "2026-11-18");
    assert!(p.carry_over.is_empty());
    assert_eq!(p.billed.len(), 10);
    assert_eq!(p.billed[4].amount, 3769);
    assert_eq!(parse_month(&p.billed[9].month), Some((2026, 11)));
}

#[test]
fn the_example_has_no_warnings() {
    let (_, warnings) = parse_package_with_warnings(FILE, EXAMPLE.as_bytes()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

/// The example plus every optional field, so that round trips and the field tables see them all.
fn full_value() -> Value {
    let mut v = example_value();
    v["members"][2]["status"] = json!("retired");
    v["members"][2]["retired_on"] = json!("2026-11-30");
    v["members"][2]["bank_account"] = json!({
        "bank_code": "0005", "branch_code": "123", "account_type": "2",
        "account_no": "0012345", "holder_kana": "ｻﾄｳ ｲﾁﾛｳ"
    });
    v["members"][0]["dependents"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "C1", "relation": "child", "name": "山田 一", "birth_date": "2012-02-29", "gender": "M"}));
    v["enrollments"][4]["end_month"] = json!("2027-03");
    v["enrollments"][4]["withdrawal_option"] = json!("bank_transfer");
    v["enrollments"][4]["withdrawal_month"] = json!("2026-11");
    v["carry_over"] = json!([{
        "enrollment": "E0003", "office": "O001", "month": "2026-11", "amount": 942,
        "reason": "給与不足", "times_carried": 0
    }]);
    v
}

#[test]
fn every_optional_field_is_read_and_known() {
    let bytes = serde_json::to_vec(&full_value()).unwrap();
    let (p, warnings) = parse_package_with_warnings(FILE, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let m = &p.members[2];
    assert_eq!(m.status, MemberStatus::Retired);
    assert_eq!(m.retired_on.as_deref(), Some("2026-11-30"));
    assert_eq!(m.bank_account.as_ref().unwrap().account_type, AccountType::Current);
    assert_eq!(p.members[0].dependents[1].relation, Relation::Child);
    let e = &p.enrollments[4];
    assert_eq!(e.withdrawal_option, Some(WithdrawalOption::BankTransfer));
    assert_eq!(e.withdrawal_month.as_deref(), Some("2026-11"));
    assert_eq!(p.carry_over[0].reason, UndeductedReason::InsufficientPay);
    // What we write is all known too.
    let (_, warnings) = parse_package_with_warnings(FILE, &write_package(&p)).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn round_trip_is_lossless_and_keeps_decimal_text() {
    for p in [example(), parse_value(&full_value()).unwrap()] {
        let written = write_package(&p);
        let again = parse_package(FILE, &written).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, p);
        assert_eq!(write_package(&again), written, "writing is stable");
        let text = String::from_utf8(written).unwrap();
        for needle in [
            "\"tax_rate\": \"0.10\"",
            "\"discount_rate\": \"0.05\"",
            "\"discount_rate\": \"0\"",
            "\"fee_rate\": \"0.025\"",
            "\"rate\": \"37.5\"",
            "\"rate\": \"198.4\"",
            "\"amount\": 779",
            "\"account_type\": \"1\"",
            "\"end_month\": null",
            "\"bank_account\": null",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        assert!(text.ends_with("}\n"));
        // Scale survives: 0.10 stays 0.10, not 0.1.
        assert_eq!(again.group.settings.tax_rate.scale(), 2);
    }
}

#[test]
fn rates_may_be_json_numbers_without_float_rounding() {
    let mut v = example_value();
    let raw = EXAMPLE
        .replacen("\"rate\": \"37.5\"", "\"rate\": 37.50", 1)
        .replacen("\"discount_rate\": \"0.05\"", "\"discount_rate\": 0.05", 1)
        .replacen("\"fee_rate\": \"0.03\"", "\"fee_rate\": 3e-2", 1)
        .replacen(
            "\"tax_rate\": \"0.10\"",
            "\"tax_rate\": 0.1000000000000000000000000001",
            1,
        );
    let p = parse_package(FILE, raw.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let gtl = &p.group_products[0];
    assert_eq!(gtl.rates[0].rate.to_string(), "37.50");
    assert_eq!(gtl.discount_rate.to_string(), "0.05");
    assert_eq!(gtl.fee_rate, dec("0.03"));
    // 28 decimal places: an f64 would have made this 0.1.
    assert_eq!(p.group.settings.tax_rate.to_string(), "0.1000000000000000000000000001");
    // Written back as strings.
    let text = String::from_utf8(write_package(&p)).unwrap();
    assert!(text.contains("\"rate\": \"37.50\""));
    v["group_products"][0]["rates"][0]["rate"] = json!(82);
    assert_eq!(parse_value(&v).unwrap().group_products[0].rates[0].rate, dec("82"));
}

#[test]
fn absent_settings_and_product_options_take_their_defaults() {
    let mut v = example_value();
    v["group"].as_object_mut().unwrap().remove("settings");
    for key in ["min_members", "rounding", "mid_term_change"] {
        v["group_products"][1].as_object_mut().unwrap().remove(key);
    }
    for key in ["pending_applications", "carry_over", "billed"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v["group"].as_object_mut().unwrap().remove("collection_account");
    let p = parse_value(&v).unwrap_or_else(|e| panic!("{e}"));
    let s = &p.group.settings;
    assert_eq!(*s, Settings::default());
    assert_eq!(s.cutoff_day, 20);
    assert_eq!(s.policy_anniversary_month, 4);
    assert_eq!(s.payment_due, PaymentDue::EndOfNextMonth);
    assert_eq!(s.retro_limit_months, 6);
    assert_eq!(s.fee_settlement, FeeSettlement::Offset);
    assert_eq!(s.undeducted_handling, UndeductedHandling::CarryOver);
    assert_eq!(s.tax_rate.to_string(), "0.10");
    let med = &p.group_products[1];
    assert_eq!(
        (med.min_members, med.rounding, med.mid_term_change),
        (10, Rounding::Floor, false)
    );
    assert!(p.pending_applications.is_empty() && p.billed.is_empty() && p.carry_over.is_empty());
    assert!(p.group.collection_account.is_none());
}

#[test]
fn partial_settings_keep_the_given_values() {
    let mut v = example_value();
    v["group"]["settings"] = json!({"cutoff_day": 25, "fee_settlement": "separate", "tax_rate": "0.08"});
    let s = parse_value(&v).unwrap().group.settings;
    assert_eq!((s.cutoff_day, s.policy_anniversary_month), (25, 4));
    assert_eq!(s.fee_settlement, FeeSettlement::Separate);
    assert_eq!(s.tax_rate, dec("0.08"));
}

#[test]
fn unknown_fields_are_allowed_and_warned() {
    let mut v = example_value();
    v["extension"] = json!({"a": 1});
    v["members"][1]["nickname"] = json!("みさき");
    v["group_products"][0]["rates"][2]["note"] = json!(null);
    v["group"]["settings"]["new_setting"] = json!(true);
    let bytes = serde_json::to_vec(&v).unwrap();
    let (p, warnings) = parse_package_with_warnings(FILE, &bytes).unwrap();
    assert_eq!(p, example());
    let mut shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            "bill-package.json extension: この版では使わない項目です（読み飛ばしました）",
            "bill-package.json group.settings.new_setting: この版では使わない項目です（読み飛ばしました）",
            "bill-package.json group_products[0].rates[2].note: この版では使わない項目です（読み飛ばしました）",
            "bill-package.json members[1].nickname: この版では使わない項目です（読み飛ばしました）",
        ]
    );
}

#[test]
fn package_version_is_a_content_hash() {
    let p = example();
    let v = package_version(EXAMPLE.as_bytes());
    assert!(v.starts_with("sha256:"));
    assert_eq!(v.len(), 7 + 64);
    assert!(v[7..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // Layout, spelling of numbers and the version field itself do not matter.
    assert_eq!(package_version(&write_package(&p)), v);
    assert_eq!(package_version(&write_package_compact(&p)), v);
    let mut stamped = p.clone();
    stamped.version = v.clone();
    assert_eq!(stamped.content_version(), v);
    assert_eq!(p.content_version(), v);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(EXAMPLE.as_bytes());
    assert_eq!(package_version(&bom), v);
    // Content does.
    let mut changed = p.clone();
    changed.billed[0].amount += 1;
    assert_ne!(changed.content_version(), v);
    // The canonical bytes are the compact form with version "".
    let mut canonical = p.clone();
    canonical.version.clear();
    use sha2::Digest;
    let digest = sha2::Sha256::digest(write_package_compact(&canonical));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v, format!("sha256:{hex}"));
    // Not a package: the bytes themselves.
    let hex: String = sha2::Sha256::digest(b"junk")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(package_version(b"junk"), format!("sha256:{hex}"));
}

#[test]
fn a_bom_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(EXAMPLE.as_bytes());
    assert_eq!(parse_package(FILE, &bytes).unwrap(), example());
}

#[test]
fn a_syntax_error_gives_line_column_and_path() {
    // Drop the comma after E0003's units.
    let broken = EXAMPLE.replacen("\"units\": 5,", "\"units\": 5", 1);
    let line = line_of(&broken, "\"units\": 5\n") + 1; // detected at the next key
    let (path, l, column, message, shown) = syntax(parse_package(FILE, broken.as_bytes()).unwrap_err());
    assert_eq!(l, line);
    assert_eq!(column, 4);
    assert_eq!(path, "enrollments[2]");
    assert_eq!(message, "「,」か「}」が必要です");
    assert_eq!(
        shown,
        format!("bill-package.json {line}行4列 enrollments[2]: 「,」か「}}」が必要です")
    );
}

#[test]
fn a_truncated_file_is_refused() {
    let (path, line, _, message, _) = syntax(parse_package(FILE, &EXAMPLE.as_bytes()[..2000]).unwrap_err());
    assert!(path.starts_with("group_products[0]"), "{path}");
    assert_eq!(line, 1 + EXAMPLE[..2000].matches('\n').count());
    assert_eq!(
        message,
        "ファイルが途中で終わっています（括弧や \" の閉じ忘れがないか確認してください）"
    );
    let (path, line, column, message, shown) = syntax(parse_package(FILE, b"").unwrap_err());
    assert_eq!((path.as_str(), line, column), ("", 1, 0));
    assert_eq!(
        message,
        "ファイルが途中で終わっています（括弧や \" の閉じ忘れがないか確認してください）"
    );
    assert!(shown.starts_with("bill-package.json 1行0列: "), "{shown}");
}

#[test]
fn trailing_text_and_trailing_commas_are_refused() {
    let (_, _, _, message, _) = syntax(parse_package(FILE, format!("{EXAMPLE}\n}}").as_bytes()).unwrap_err());
    assert_eq!(message, "JSON の終わりの後に余分な文字があります");
    let broken = EXAMPLE.replacen("\"agent_code\": \"A001\"", "\"agent_code\": \"A001\",", 1);
    let (path, _, _, message, _) = syntax(parse_package(FILE, broken.as_bytes()).unwrap_err());
    assert_eq!(message, "最後の要素の後ろに余分な「,」があります");
    assert!(path.starts_with("group_products[0]"), "{path}");
}

#[test]
fn a_wrong_enum_value_names_the_allowed_values() {
    let broken = EXAMPLE.replacen(
        "\"gender\": \"F\",\n   \"office\"",
        "\"gender\": \"女\",\n   \"office\"",
        1,
    );
    let line = line_of(&broken, "\"gender\": \"女\"");
    let (path, l, column, message, shown) = syntax(parse_package(FILE, broken.as_bytes()).unwrap_err());
    assert_eq!((path.as_str(), l), ("members[1].gender", line));
    assert_eq!(
        column, 16,
        "columns count characters: `   \"gender\": \"女\"` ends at 16"
    );
    assert_eq!(message, "値「女」— 使える値は M, F です");
    assert_eq!(
        shown,
        format!("bill-package.json {line}行16列 members[1].gender: 値「女」— 使える値は M, F です")
    );
}

#[test]
fn type_errors_are_positioned_and_in_japanese() {
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Mutation, &str, &str)> = vec![
        (
            Box::new(|v| v["enrollments"][3]["units"] = json!("1")),
            "enrollments[3].units",
            "値「1」— 0 以上の整数で書いてください",
        ),
        (
            Box::new(|v| v["enrollments"][3]["units"] = json!(-1)),
            "enrollments[3].units",
            "値「-1」— 0 以上の整数で書いてください",
        ),
        (
            Box::new(|v| v["billed"][2]["amount"] = json!(942.5)),
            "billed[2].amount",
            "値「942.5」— 整数で書いてください",
        ),
        (
            Box::new(|v| {
                v["group"].as_object_mut().unwrap().remove("code");
            }),
            "group.code",
            "必須の項目「code」がありません",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("members");
            }),
            "members",
            "必須の項目「members」がありません",
        ),
        (
            Box::new(|v| v["group_products"][1]["rates"][4]["rate"] = json!("2,420")),
            "group_products[1].rates[4].rate",
            "値「2,420」— 小数を \"0.05\" のような文字列で書いてください",
        ),
        (
            Box::new(|v| v["group_products"][0]["fee_rate"] = json!(null)),
            "group_products[0].fee_rate",
            "値「null」— 小数を \"0.05\" のような文字列で書いてください",
        ),
        (
            Box::new(|v| v["group"]["settings"]["fee_settlement"] = json!("monthly")),
            "group.settings.fee_settlement",
            "値「monthly」— 使える値は offset, separate です",
        ),
        (
            Box::new(
                |v| v["carry_over"] = json!([{"enrollment": "E0001", "office": "O001", "month": "2026-11", "amount": 779, "reason": "病気"}]),
            ),
            "carry_over[0].reason",
            "値「病気」— 使える値は 休職, 退職, 給与不足, その他 です",
        ),
        (
            Box::new(|v| v["members"][0]["dependents"] = json!({"id": "S"})),
            "members[0].dependents",
            "値「{…}」— […] の配列で書いてください",
        ),
        (
            Box::new(|v| v["group_products"][0]["mid_term_change"] = json!("no")),
            "group_products[0].mid_term_change",
            "値「no」— true か false の値で書いてください",
        ),
        (
            Box::new(|v| v["members"][0]["gender"] = json!(1)),
            "members[0].gender",
            "値「1」— \"…\" で囲んだ決められた文字列で書いてください",
        ),
    ];
    for (mutate, want_path, want_message) in cases {
        let mut v = example_value();
        mutate(&mut v);
        let (path, line, column, message, _) = syntax(parse_value(&v).unwrap_err());
        assert_eq!((path.as_str(), message.as_str()), (want_path, want_message));
        assert!(line > 1 && column > 0, "{want_path}: {line}:{column}");
    }
}

#[test]
fn a_result_report_is_not_a_bill_package() {
    let mut v = example_value();
    v["format"] = json!("infoone.result-report/1");
    v.as_object_mut().unwrap().remove("group");
    let e = parse_value(&v).unwrap_err();
    assert_eq!(
        e.lines(),
        ["bill-package.json format: 値「infoone.result-report/1」— 請求パッケージ（infoone.bill-package/1）のファイルではありません"]
    );
}

#[test]
fn not_utf8_is_refused_with_its_position() {
    // "本社" in Shift_JIS (cp932) on line 2.
    let bytes = b"{\n \"name\": \"\x96\x7b\x8e\xd0\"}";
    let (path, line, column, message, _) = syntax(parse_package(FILE, bytes).unwrap_err());
    assert_eq!((path.as_str(), line, column), ("", 2, 11));
    assert_eq!(
        message,
        "文字コードが UTF-8 ではありません（Shift_JIS などで保存し直されていないか確認してください）"
    );
}

#[test]
fn strict_month_and_date_helpers() {
    assert_eq!(parse_month("2026-12"), Some((2026, 12)));
    for bad in [
        "2026-13",
        "2026-00",
        "2026-1",
        "202612",
        "2026/12",
        "２０２６-12",
        "2026-12-01",
    ] {
        assert_eq!(parse_month(bad), None, "{bad}");
    }
    assert_eq!(parse_date("2028-02-29"), chrono::NaiveDate::from_ymd_opt(2028, 2, 29));
    for bad in [
        "2026-02-29",
        "2026-04-31",
        "2026-4-1",
        "2026/04/01",
        "20260401",
        "2026-04-01T00:00",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn a_stored_package_reads_as_at_load_and_a_bad_one_gets_the_same_positioned_error() {
    assert_eq!(parse_stored_package(FILE, EXAMPLE.as_bytes()).unwrap(), example());
    // A type error: the same message, path and position as parse_package gives.
    let mut v = example_value();
    v["members"][0]["birth_date"] = json!(19800101);
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    let stored = parse_stored_package(FILE, &bytes).unwrap_err().to_string();
    assert_eq!(stored, parse_package(FILE, &bytes).unwrap_err().to_string());
    assert!(stored.contains("members[0].birth_date"), "{stored}");
    // A package that reads but breaks a rule is still refused.
    let mut v = example_value();
    v["month"] = json!("2026-13");
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    assert!(parse_stored_package(FILE, &bytes).is_err());
}
