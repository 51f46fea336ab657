//! The semantic checks of `parse_package`: each case with its exact message, and all problems
//! collected at once in document order.

use infoone_formats::package::*;
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/bill-package.example.json"
));

/// The example changed by `f`: the problem lines `parse_package` refuses it with.
fn problems(f: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    f(&mut v);
    match parse_package("bill-package.json", &serde_json::to_vec_pretty(&v).unwrap()) {
        Err(e @ PackageError::Invalid { .. }) => {
            let lines = e.lines();
            assert_eq!(
                e.to_string(),
                format!(
                    "bill-package.json: {} 件の問題があるため読み込みませんでした\n{}",
                    lines.len(),
                    lines.join("\n")
                )
            );
            lines
        }
        Err(e) => panic!("expected semantic problems, got {e}"),
        Ok(_) => panic!("expected semantic problems, the package was accepted"),
    }
}

fn one(f: impl FnOnce(&mut Value)) -> String {
    let mut lines = problems(f);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    lines.remove(0)
}

fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key);
}

#[test]
fn the_format_must_be_exact() {
    assert_eq!(
        one(|v| v["format"] = json!("infoone.bill-package/2")),
        "bill-package.json format: 値「infoone.bill-package/2」— 請求パッケージ（infoone.bill-package/1）のファイルではありません"
    );
}

#[test]
fn months_and_dates_must_be_real() {
    assert_eq!(
        one(|v| v["month"] = json!("2026-13")),
        "bill-package.json month: 値「2026-13」— 年月は YYYY-MM の形で書いてください（例: 2026-12）"
    );
    assert_eq!(
        one(|v| v["issued_on"] = json!("2026-02-30")),
        "bill-package.json issued_on: 値「2026-02-30」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）"
    );
    assert_eq!(
        one(|v| v["members"][2]["birth_date"] = json!("1962/01/15")),
        "bill-package.json members[2].birth_date: 値「1962/01/15」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）"
    );
    assert_eq!(
        one(|v| v["members"][0]["dependents"][0]["birth_date"] = json!("1982-5-20")),
        "bill-package.json members[0].dependents[0].birth_date: 値「1982-5-20」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）"
    );
    assert_eq!(
        one(|v| v["members"][0]["retired_on"] = json!("2026-11-31")),
        "bill-package.json members[0].retired_on: 値「2026-11-31」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）"
    );
    assert_eq!(
        one(|v| v["enrollments"][1]["start_month"] = json!("2023-7")),
        "bill-package.json enrollments[1].start_month: 値「2023-7」— 年月は YYYY-MM の形で書いてください（例: 2026-12）"
    );
    assert_eq!(
        one(|v| v["pending_applications"][0]["applied_on"] = json!("令和8年11月18日")),
        "bill-package.json pending_applications[0].applied_on: 値「令和8年11月18日」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）"
    );
}

#[test]
fn settings_must_be_in_range() {
    assert_eq!(
        one(|v| v["group"]["settings"]["cutoff_day"] = json!(31)),
        "bill-package.json group.settings.cutoff_day: 値「31」— 締日は 1〜28 の日です"
    );
    assert_eq!(
        one(|v| v["group"]["settings"]["cutoff_day"] = json!(0)),
        "bill-package.json group.settings.cutoff_day: 値「0」— 締日は 1〜28 の日です"
    );
    assert_eq!(
        one(|v| v["group"]["settings"]["policy_anniversary_month"] = json!(13)),
        "bill-package.json group.settings.policy_anniversary_month: 値「13」— 更新月は 1〜12 の月です"
    );
    assert_eq!(
        one(|v| v["group"]["settings"]["tax_rate"] = json!("1")),
        "bill-package.json group.settings.tax_rate: 値「1」— 率は 0 以上 1 未満の小数です（例: \"0.05\"）"
    );
}

#[test]
fn product_rates_must_be_in_zero_to_one() {
    assert_eq!(
        one(|v| v["group_products"][0]["discount_rate"] = json!("1.05")),
        "bill-package.json group_products[0].discount_rate: 値「1.05」— 率は 0 以上 1 未満の小数です（例: \"0.05\"）"
    );
    assert_eq!(
        one(|v| v["group_products"][1]["commission_rate"] = json!("-0.08")),
        "bill-package.json group_products[1].commission_rate: 値「-0.08」— 率は 0 以上 1 未満の小数です（例: \"0.05\"）"
    );
    assert_eq!(
        one(|v| v["group_products"][1]["fee_rate"] = json!(2.5)),
        "bill-package.json group_products[1].fee_rate: 値「2.5」— 率は 0 以上 1 未満の小数です（例: \"0.05\"）"
    );
    // 0 is allowed (MED has no discount), so is 0.999.
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["group_products"][0]["fee_rate"] = json!("0.999");
    parse_package("bill-package.json", v.to_string().as_bytes()).unwrap();
}

#[test]
fn rate_tables_are_checked() {
    assert_eq!(
        one(|v| {
            v["group_products"][0]["rates"][1]["min_age"] = json!(49);
            v["group_products"][0]["rates"][1]["max_age"] = json!(40);
        }),
        "bill-package.json group_products[0].rates[1].max_age: 値「40」— 年齢の上限が下限 min_age「49」より小さくなっています"
    );
    assert_eq!(
        one(|v| v["group_products"][1]["rates"][7]["plan"] = json!("XL")),
        "bill-package.json group_products[1].rates[7].plan: 値「XL」— この商品の plans にないプランコードです"
    );
    assert_eq!(
        one(|v| v["group_products"][0]["rates"][1]["min_age"] = json!(39)),
        "bill-package.json group_products[0].rates[1]: rates[0] とプラン「A」・性別・年齢の範囲が重なっています（どちらの料率を使うか決められません）"
    );
    assert_eq!(
        one(|v| v["group_products"][1]["rates"][1]["gender"] = json!("U")),
        "bill-package.json group_products[1].rates[1]: rates[0] とプラン「S」・性別・年齢の範囲が重なっています（どちらの料率を使うか決められません）"
    );
    assert_eq!(
        one(|v| v["group_products"][0]["rates"][2]["rate"] = json!("-198.4")),
        "bill-package.json group_products[0].rates[2].rate: 値「-198.4」— 保険料率は 0 以上です"
    );
    assert_eq!(
        one(|v| v["group_products"][0]["max_age"] = json!(14)),
        "bill-package.json group_products[0].max_age: 値「14」— 加入年齢の上限が下限 min_age「15」より小さくなっています"
    );
}

#[test]
fn ids_must_be_unique() {
    // O002 is gone, so what named it is reported too.
    assert_eq!(
        problems(|v| v["offices"][1]["code"] = json!("O001")),
        [
            "bill-package.json offices[1].code: 値「O001」— 事業所コードが重複しています（offices[0] と同じ）",
            "bill-package.json members[2].office: 値「O002」— offices にない事業所コードです",
            "bill-package.json billed[4].office: 値「O002」— offices にない事業所コードです",
            "bill-package.json billed[9].office: 値「O002」— offices にない事業所コードです",
        ]
    );
}

#[test]
fn duplicate_keys_of_every_list() {
    let lines = problems(|v| {
        v["offices"][1]["code"] = json!("O001");
        v["group_products"][1]["code"] = json!("GTL");
        v["group_products"][1]["plans"][1]["code"] = json!("S");
        v["members"][1]["employee_no"] = json!("000101");
        v["members"][0]["dependents"].as_array_mut().unwrap().push(
            json!({"id": "S", "relation": "child", "name": "山田 一", "birth_date": "2012-04-01", "gender": "M"}),
        );
        v["enrollments"][4]["id"] = json!("E0001");
        v["pending_applications"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "W0001", "employee_no": "000101", "product": "GTL", "plan": "A", "units": 1, "insured": "self", "applied_on": "2026-11-19"}));
    });
    let expected = [
        "bill-package.json offices[1].code: 値「O001」— 事業所コードが重複しています（offices[0] と同じ）",
        "bill-package.json group_products[1].code: 値「GTL」— 商品コードが重複しています（group_products[0] と同じ）",
        "bill-package.json group_products[1].plans[1].code: 値「S」— プランコードが重複しています（group_products[1].plans[0] と同じ）",
        "bill-package.json members[0].dependents[1].id: 値「S」— 家族のIDが重複しています（members[0].dependents[0] と同じ）",
        "bill-package.json members[1].employee_no: 値「000101」— 社員番号が重複しています（members[0] と同じ）",
        "bill-package.json enrollments[4].id: 値「E0001」— 加入IDが重複しています（enrollments[0] と同じ）",
        "bill-package.json pending_applications[1].id: 値「W0001」— 申込IDが重複しています（pending_applications[0] と同じ）",
    ];
    // The renamed product and office also leave references dangling: reported too.
    for e in expected {
        assert!(lines.iter().any(|l| l == e), "missing {e} in {lines:#?}");
    }
}

#[test]
fn empty_keys_are_refused() {
    assert_eq!(
        one(|v| v["pending_applications"][0]["id"] = json!("")),
        "bill-package.json pending_applications[0].id: 値「」— 申込IDが空です"
    );
    assert_eq!(
        one(|v| v["group"]["code"] = json!(" ")),
        "bill-package.json group.code: 値「 」— 団体コードが空です"
    );
}

#[test]
fn self_is_not_a_dependent_id() {
    assert_eq!(
        one(|v| {
            v["members"][0]["dependents"][0]["id"] = json!("self");
            v["enrollments"][1]["insured"] = json!("self");
        }),
        "bill-package.json members[0].dependents[0].id: 値「self」— 「self」は本人を表すので家族の id には使えません"
    );
}

#[test]
fn a_member_office_must_exist() {
    assert_eq!(
        one(|v| v["members"][2]["office"] = json!("O009")),
        "bill-package.json members[2].office: 値「O009」— offices にない事業所コードです"
    );
}

#[test]
fn enrollment_references_must_resolve() {
    assert_eq!(
        one(|v| v["enrollments"][3]["product"] = json!("XYZ")),
        "bill-package.json enrollments[3].product: 値「XYZ」— group_products にない商品コードです"
    );
    assert_eq!(
        one(|v| v["enrollments"][3]["plan"] = json!("A")),
        "bill-package.json enrollments[3].plan: 値「A」— 商品「MED」の plans にないプランコードです"
    );
    assert_eq!(
        one(|v| v["enrollments"][0]["employee_no"] = json!("999999")),
        "bill-package.json enrollments[0].employee_no: 値「999999」— members にない社員番号です"
    );
    assert_eq!(
        one(|v| v["enrollments"][1]["insured"] = json!("C1")),
        "bill-package.json enrollments[1].insured: 値「C1」— 本人は「self」、家族は社員番号「000101」の dependents の id で書いてください"
    );
    // S is 000101's spouse, not 000102's.
    assert_eq!(
        one(|v| v["enrollments"][2]["insured"] = json!("S")),
        "bill-package.json enrollments[2].insured: 値「S」— 本人は「self」、家族は社員番号「000102」の dependents の id で書いてください"
    );
}

#[test]
fn units_must_be_at_least_one() {
    assert_eq!(
        one(|v| v["enrollments"][4]["units"] = json!(0)),
        "bill-package.json enrollments[4].units: 値「0」— 口数は 1 以上です"
    );
    assert_eq!(
        one(|v| v["pending_applications"][0]["units"] = json!(0)),
        "bill-package.json pending_applications[0].units: 値「0」— 口数は 1 以上です"
    );
}

#[test]
fn coverage_months_must_be_in_order() {
    assert_eq!(
        one(|v| v["enrollments"][0]["end_month"] = json!("2020-03")),
        "bill-package.json enrollments[0].end_month: 値「2020-03」— 終了月が開始月「2020-04」より前です"
    );
    // A single month is fine.
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["enrollments"][0]["end_month"] = json!("2020-04");
    parse_package("p.json", v.to_string().as_bytes()).unwrap();
}

#[test]
fn withdrawals_are_checked() {
    assert_eq!(
        one(|v| v["enrollments"][4]["withdrawal_option"] = json!("lump_sum")),
        "bill-package.json enrollments[4].withdrawal_month: 脱退の扱い「lump_sum」には脱退月 withdrawal_month が必要です"
    );
    assert_eq!(
        one(|v| {
            v["enrollments"][4]["withdrawal_option"] = json!("end");
            v["enrollments"][4]["withdrawal_month"] = json!("2019-03");
        }),
        "bill-package.json enrollments[4].withdrawal_month: 値「2019-03」— 脱退月が開始月「2019-04」より前です"
    );
    assert_eq!(
        one(|v| {
            v["enrollments"][4]["end_month"] = json!("2026-11");
            v["enrollments"][4]["withdrawal_month"] = json!("2026-12");
        }),
        "bill-package.json enrollments[4].withdrawal_month: 値「2026-12」— 脱退月が終了月「2026-11」より後です"
    );
    assert_eq!(
        one(|v| v["enrollments"][4]["withdrawal_month"] = json!("2026/11")),
        "bill-package.json enrollments[4].withdrawal_month: 値「2026/11」— 年月は YYYY-MM の形で書いてください（例: 2026-12）"
    );
}

#[test]
fn pending_applications_are_checked() {
    assert_eq!(
        problems(|v| {
            v["pending_applications"][0]["employee_no"] = json!("000999");
            v["pending_applications"][0]["product"] = json!("MEDX");
        }),
        [
            "bill-package.json pending_applications[0].employee_no: 値「000999」— members にない社員番号です",
            "bill-package.json pending_applications[0].product: 値「MEDX」— group_products にない商品コードです",
        ]
    );
    assert_eq!(
        one(|v| v["pending_applications"][0]["insured"] = json!("S")),
        "bill-package.json pending_applications[0].insured: 値「S」— 本人は「self」、家族は社員番号「000201」の dependents の id で書いてください"
    );
}

#[test]
fn billed_entries_are_checked() {
    assert_eq!(
        problems(|v| {
            v["billed"][3]["enrollment"] = json!("E0099");
            v["billed"][3]["office"] = json!("O003");
        }),
        [
            "bill-package.json billed[3].enrollment: 値「E0099」— enrollments にない加入IDです",
            "bill-package.json billed[3].office: 値「O003」— offices にない事業所コードです",
        ]
    );
    assert_eq!(
        one(|v| v["billed"][9]["month"] = json!("2026-12")),
        "bill-package.json billed[9].month: 値「2026-12」— 請求済みの月は請求月「2026-12」より前でなければなりません"
    );
    assert_eq!(
        one(|v| v["billed"][5]["month"] = json!("2026-10")),
        "bill-package.json billed[5]: 加入「E0001」の 2026-10 分が重複しています（billed[0] と同じ）"
    );
    assert_eq!(
        one(|v| v["billed"][0]["month"] = json!("2026-1")),
        "bill-package.json billed[0].month: 値「2026-1」— 年月は YYYY-MM の形で書いてください（例: 2026-12）"
    );
}

#[test]
fn carry_over_entries_are_checked() {
    let carry = |amount: i64, month: &str, enrollment: &str, office: &str| json!([{"enrollment": enrollment, "office": office, "month": month, "amount": amount, "reason": "休職", "times_carried": 1}]);
    assert_eq!(
        problems(|v| v["carry_over"] = carry(0, "2027-01", "E0100", "O100")),
        [
            "bill-package.json carry_over[0].month: 値「2027-01」— 発生月は請求月「2026-12」より前でなければなりません",
            "bill-package.json carry_over[0].enrollment: 値「E0100」— enrollments にない加入IDです",
            "bill-package.json carry_over[0].office: 値「O100」— offices にない事業所コードです",
            "bill-package.json carry_over[0].amount: 値「0」— 繰越額は 1 円以上です",
        ]
    );
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["carry_over"] = carry(779, "2026-10", "E0001", "O001");
    let p = parse_package("p.json", v.to_string().as_bytes()).unwrap();
    assert_eq!(p.carry_over[0].reason, UndeductedReason::Leave);
    assert_eq!(p.carry_over[0].times_carried, 1);
}

#[test]
fn bank_accounts_are_checked() {
    assert_eq!(
        problems(|v| {
            v["members"][1]["bank_account"] = json!({"bank_code": "5", "branch_code": "0123", "account_type": "1", "account_no": "12345678", "holder_kana": ""});
        }),
        [
            "bill-package.json members[1].bank_account.bank_code: 値「5」— 銀行コードは数字4桁です",
            "bill-package.json members[1].bank_account.branch_code: 値「0123」— 支店コードは数字3桁です",
            "bill-package.json members[1].bank_account.account_no: 値「12345678」— 口座番号は数字7桁以内です",
            "bill-package.json members[1].bank_account.holder_kana: 値「」— 口座名義（カナ）が空です",
        ]
    );
    assert_eq!(
        problems(|v| {
            v["group"]["collection_account"]["consignor_code"] = json!("12345");
            v["group"]["collection_account"]["debit_day"] = json!(32);
        }),
        [
            "bill-package.json group.collection_account.consignor_code: 値「12345」— 委託者コードは数字10桁です",
            "bill-package.json group.collection_account.debit_day: 値「32」— 引落日は 1〜31 の日です",
        ]
    );
    assert_eq!(
        one(|v| v["group"]["payee_account"]["account_no"] = json!("12-4567")),
        "bill-package.json group.payee_account.account_no: 値「12-4567」— 口座番号は数字7桁以内です"
    );
}

#[test]
fn every_problem_is_collected_in_document_order() {
    let lines = problems(|v| {
        v["month"] = json!("2026-00");
        v["group"]["settings"]["cutoff_day"] = json!(29);
        v["members"][1]["office"] = json!("O404");
        v["enrollments"][3]["product"] = json!("XYZ");
        v["enrollments"][3]["units"] = json!(0);
        remove(&mut v["billed"][0], "office");
        v["billed"][0]["office"] = json!("");
    });
    assert_eq!(
        lines,
        [
            "bill-package.json month: 値「2026-00」— 年月は YYYY-MM の形で書いてください（例: 2026-12）",
            "bill-package.json group.settings.cutoff_day: 値「29」— 締日は 1〜28 の日です",
            "bill-package.json members[1].office: 値「O404」— offices にない事業所コードです",
            "bill-package.json enrollments[3].product: 値「XYZ」— group_products にない商品コードです",
            "bill-package.json enrollments[3].units: 値「0」— 口数は 1 以上です",
            "bill-package.json billed[0].office: 値「」— offices にない事業所コードです",
        ]
    );
}

#[test]
fn validate_package_checks_a_model_built_in_code() {
    let mut p = parse_package("p.json", EXAMPLE.as_bytes()).unwrap();
    assert_eq!(validate_package("p.json", &p), Ok(()));
    p.enrollments[2].units = 0;
    let e = validate_package("p.json", &p).unwrap_err();
    assert_eq!(e.lines(), ["p.json enrollments[2].units: 値「0」— 口数は 1 以上です"]);
}
