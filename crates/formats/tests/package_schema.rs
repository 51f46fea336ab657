//! The published JSON Schemas (docs/schemas) agree with the readers: the examples and what we
//! write are valid, and invalid documents are refused by both the schema and the reader.

use infoone_formats::package::{parse_package, write_package, BillPackage};
use infoone_formats::report::{parse_report, write_report};
use serde_json::{json, Value};

const PACKAGE_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/bill-package.example.json"
));
const PACKAGE_SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/schemas/bill-package.schema.json"
));
const REPORT_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/schemas/result-report.example.json"
));
const REPORT_SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/schemas/result-report.schema.json"
));

fn validator(schema: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema itself is valid draft 2020-12"
    );
    jsonschema::draft202012::new(&schema).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors = schema_errors(v, doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

fn package_example() -> Value {
    serde_json::from_str(PACKAGE_EXAMPLE).unwrap()
}

fn report_example() -> Value {
    serde_json::from_str(REPORT_EXAMPLE).unwrap()
}

#[test]
fn the_package_example_and_written_packages_are_valid() {
    let v = validator(PACKAGE_SCHEMA);
    assert_valid(&v, &package_example());
    let p: BillPackage = parse_package("p.json", PACKAGE_EXAMPLE.as_bytes()).unwrap();
    let written: Value = serde_json::from_slice(&write_package(&p)).unwrap();
    assert_valid(&v, &written);

    // Every optional field filled, and rates as JSON numbers: valid for both.
    let mut full = package_example();
    full["members"][2]["status"] = json!("retired");
    full["members"][2]["retired_on"] = json!("2026-11-30");
    full["members"][2]["bank_account"] = json!({
        "bank_code": "0005", "branch_code": "123", "account_type": "2", "account_no": "12345", "holder_kana": "ｻﾄｳ ｲﾁﾛｳ"
    });
    full["enrollments"][4]["end_month"] = json!("2027-03");
    full["enrollments"][4]["withdrawal_option"] = json!("lump_sum");
    full["enrollments"][4]["withdrawal_month"] = json!("2026-11");
    full["carry_over"] = json!([{"enrollment": "E0003", "office": "O001", "month": "2026-11", "amount": 942, "reason": "休職", "times_carried": 0}]);
    full["group_products"][0]["rates"][0]["rate"] = json!(37.5);
    full["group_products"][0]["discount_rate"] = json!(0.05);
    assert_valid(&v, &full);
    let p = parse_package("p.json", full.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_valid(&v, &serde_json::from_slice(&write_package(&p)).unwrap());

    // Defaults: settings, optional lists and product options may be absent.
    let mut minimal = package_example();
    minimal["group"].as_object_mut().unwrap().remove("settings");
    minimal["group"].as_object_mut().unwrap().remove("collection_account");
    for key in ["pending_applications", "carry_over", "billed"] {
        minimal.as_object_mut().unwrap().remove(key);
    }
    for key in ["min_members", "rounding", "mid_term_change"] {
        minimal["group_products"][0].as_object_mut().unwrap().remove(key);
    }
    assert_valid(&v, &minimal);
    parse_package("p.json", minimal.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn invalid_packages_are_refused_by_schema_and_reader() {
    let v = validator(PACKAGE_SCHEMA);
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 14] = [
        ("wrong format", |d| d["format"] = json!("infoone.bill-package/2")),
        ("bad month", |d| d["month"] = json!("2026-13")),
        ("bad date", |d| d["issued_on"] = json!("2026/11/25")),
        ("cutoff day 31", |d| d["group"]["settings"]["cutoff_day"] = json!(31)),
        ("anniversary 0", |d| {
            d["group"]["settings"]["policy_anniversary_month"] = json!(0)
        }),
        ("discount 1.5", |d| {
            d["group_products"][0]["discount_rate"] = json!("1.5")
        }),
        ("fee rate as number 1", |d| {
            d["group_products"][1]["fee_rate"] = json!(1)
        }),
        ("gender X", |d| d["members"][0]["gender"] = json!("X")),
        ("no group code", |d| {
            d["group"].as_object_mut().unwrap().remove("code");
        }),
        ("units 0", |d| d["enrollments"][0]["units"] = json!(0)),
        ("yen with decimals", |d| d["billed"][0]["amount"] = json!(779.5)),
        ("dependent called self", |d| {
            d["members"][0]["dependents"][0]["id"] = json!("self")
        }),
        ("account number too long", |d| {
            d["group"]["payee_account"]["account_no"] = json!("12345678")
        }),
        (
            "carry-over of 0 yen",
            |d| {
                d["carry_over"] = json!([{"enrollment": "E0001", "office": "O001", "month": "2026-11", "amount": 0, "reason": "その他"}])
            },
        ),
    ];
    for (name, mutate) in cases {
        let mut doc = package_example();
        mutate(&mut doc);
        assert!(!v.is_valid(&doc), "{name}: the schema accepted it");
        assert!(
            parse_package("p.json", doc.to_string().as_bytes()).is_err(),
            "{name}: the reader accepted it"
        );
    }
    // What only the reader can see: references between lists.
    let mut doc = package_example();
    doc["enrollments"][3]["product"] = json!("XYZ");
    assert_valid(&v, &doc);
    assert!(parse_package("p.json", doc.to_string().as_bytes()).is_err());
}

#[test]
fn the_report_example_and_written_reports_are_valid() {
    let v = validator(REPORT_SCHEMA);
    assert_valid(&v, &report_example());
    let r = parse_report("r.json", REPORT_EXAMPLE.as_bytes()).unwrap();
    assert_valid(&v, &serde_json::from_slice(&write_report(&r)).unwrap());
}

#[test]
fn invalid_reports_are_refused_by_schema_and_reader() {
    let v = validator(REPORT_SCHEMA);
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 7] = [
        ("wrong format", |d| d["format"] = json!("infoone.bill-package/1")),
        ("bad month", |d| d["month"] = json!("12-2026")),
        ("unknown change kind", |d| d["changes"][0]["kind"] = json!("death")),
        ("negative undeducted", |d| d["deductions"][0]["undeducted"] = json!(-5)),
        ("no totals", |d| {
            d.as_object_mut().unwrap().remove("totals");
        }),
        ("bad handling", |d| d["undeducted"][0]["handling"] = json!("ignore")),
        ("empty idempotency key", |d| d["idempotency_key"] = json!("")),
    ];
    for (name, mutate) in cases {
        let mut doc = report_example();
        mutate(&mut doc);
        assert!(!v.is_valid(&doc), "{name}: the schema accepted it");
        assert!(
            parse_report("r.json", doc.to_string().as_bytes()).is_err(),
            "{name}: the reader accepted it"
        );
    }
}
