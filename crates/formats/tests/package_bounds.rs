//! The numeric bounds of a bill package (formats::package_bounds): a value the domain could
//! overflow on is refused at load, positioned by its JSON path (issue 9: a rate of
//! 79228162514264337593543950335 loaded, then `bill show` panicked).

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
        Err(e @ PackageError::Invalid { .. }) => e.lines(),
        Err(e) => panic!("expected semantic problems, got {e}"),
        Ok(_) => panic!("expected semantic problems, the package was accepted"),
    }
}

#[test]
fn the_largest_decimal_as_a_rate_is_refused() {
    assert_eq!(
        problems(|v| v["group_products"][0]["rates"][0]["rate"] = json!("79228162514264337593543950335")),
        ["bill-package.json group_products[0].rates[0].rate: 値「79228162514264337593543950335」— 保険料率が大きすぎます（1口 1000000 円以内）"]
    );
    // The bound itself is accepted.
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["group_products"][0]["rates"][0]["rate"] = json!("1000000");
    assert!(parse_package("p.json", &serde_json::to_vec(&v).unwrap()).is_ok());
}

#[test]
fn units_ages_months_and_amounts_are_bounded() {
    let lines = problems(|v| {
        v["group"]["settings"]["retro_limit_months"] = json!(4294967295u32);
        v["group_products"][0]["max_age"] = json!(4294967295u32);
        v["enrollments"][0]["units"] = json!(4294967295u32);
        v["billed"][0]["amount"] = json!(i64::MIN);
    });
    assert_eq!(
        lines,
        [
            "bill-package.json group.settings.retro_limit_months: 値「4294967295」— 遡及限度は 120 か月以内です",
            "bill-package.json group_products[0].max_age: 値「4294967295」— 年齢は 150 歳以内です",
            "bill-package.json enrollments[0].units: 値「4294967295」— 口数は 10000 以内です",
            "bill-package.json billed[0].amount: 値「-9223372036854775808」— 金額が大きすぎます（9999999999 円以内）",
        ]
    );
}
