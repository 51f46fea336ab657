//! Golden test: ../shared/spec/WORKED-EXAMPLE.md through the real `infoone` binary and
//! `bill show --json`. Every expected yen is computed by hand in WORKED-EXAMPLE.md; the
//! computations are repeated here next to the numbers.

mod common;

use common::{data, Env};
use serde_json::Value;

/// (code, premium_total, fee, fee_tax, invoice_amount) of one office.
fn totals(office: &Value) -> (String, i64, i64, i64, i64) {
    (
        office["code"].as_str().unwrap().to_string(),
        office["premium_total"].as_i64().unwrap(),
        office["fee"].as_i64().unwrap(),
        office["fee_tax"].as_i64().unwrap(),
        office["invoice_amount"].as_i64().unwrap(),
    )
}

fn lines(office: &Value) -> Vec<(String, String, String, i64)> {
    office["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["enrollment"].as_str().unwrap().to_string(),
                l["month"].as_str().unwrap().to_string(),
                l["amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

fn loaded() -> Env {
    let env = Env::new();
    env.ok(&["month", "load", &data("worked-example/bill-package.json")]);
    env
}

#[test]
fn december_without_the_web_application() {
    let env = loaded();
    let bill = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    assert_eq!(bill["group"], "G0001");
    assert_eq!(bill["month"], "2026-12");
    let offices = bill["offices"].as_array().unwrap();
    assert_eq!(
        lines(&offices[0]),
        vec![
            // floor(82 × 10 × 0.95) = floor(779.0) = 779 (insurance age 45)
            (s("regular"), s("E0001"), s("2026-12"), 779),
            // half_up(1380 × 1 × 1) = 1380 (spouse, completed years 43, F)
            (s("regular"), s("E0002"), s("2026-12"), 1380),
            // floor(198.4 × 5 × 0.95) = floor(942.4) = 942 (insurance age 51)
            (s("regular"), s("E0003"), s("2026-12"), 942),
            // half_up(4780 × 1) = 4780 (MED L, F, 51)
            (s("regular"), s("E0004"), s("2026-12"), 4780),
        ]
    );
    // O001: GTL 779 + 942 = 1721, MED 1380 + 4780 = 6160 → 7881;
    // fee floor(1721 × 0.03 = 51.63) + floor(6160 × 0.025 = 154) = 205; tax floor(20.5) = 20;
    // offset: 7881 − (205 + 20) = 7656.
    assert_eq!(totals(&offices[0]), (s("O001"), 7881, 205, 20, 7656));
    // O002: floor(198.4 × 20 × 0.95) = floor(3769.6) = 3769; fee floor(113.07) = 113;
    // tax floor(11.3) = 11; 3769 − 124 = 3645.
    assert_eq!(lines(&offices[1]), vec![(s("regular"), s("E0005"), s("2026-12"), 3769)]);
    assert_eq!(totals(&offices[1]), (s("O002"), 3769, 113, 11, 3645));
    // Group: 7881 + 3769 = 11650; 205 + 113 = 318; 20 + 11 = 31; 7656 + 3645 = 11301.
    let t = &bill["totals"];
    assert_eq!(
        (
            t["premium_total"].as_i64(),
            t["fee"].as_i64(),
            t["fee_tax"].as_i64(),
            t["invoice_amount"].as_i64()
        ),
        (Some(11650), Some(318), Some(31), Some(11301))
    );
    let errors: Vec<&Value> = bill["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn december_with_the_web_application_accepted() {
    let env = loaded();
    let list = env.ok(&["changes", "list", "--month", "2026-12", "--json"]).json();
    let web: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["application"] == "W0001")
        .collect();
    assert_eq!(web.len(), 1, "W0001 is proposed as a join: {list}");
    assert_eq!(web[0]["status"], "proposed");
    let id = web[0]["id"].as_i64().unwrap().to_string();
    env.ok(&["changes", "accept", &id, "--month", "2026-12"]);
    let bill = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    let offices = bill["offices"].as_array().unwrap();
    assert_eq!(totals(&offices[0]), (s("O001"), 7881, 205, 20, 7656));
    // W0001 applied 2026-11-18 ≤ cutoff 20 → starts 2026-12. 000201, M, completed years 64:
    // MED S 45–65 M = 2455; half_up(2455 × 1 × 1) = 2455.
    let o2 = lines(&offices[1]);
    assert_eq!(o2.len(), 2);
    assert_eq!(
        (o2[1].0.as_str(), o2[1].2.as_str(), o2[1].3),
        ("regular", "2026-12", 2455)
    );
    // O002: 3769 + 2455 = 6224; fee 113 + floor(2455 × 0.025 = 61.375) = 174; tax floor(17.4) = 17;
    // 6224 − 191 = 6033.
    assert_eq!(totals(&offices[1]), (s("O002"), 6224, 174, 17, 6033));
    let t = &bill["totals"];
    // 7881 + 6224 = 14105; 205 + 174 = 379; 20 + 17 = 37; 7656 + 6033 = 13689.
    assert_eq!(
        (
            t["premium_total"].as_i64(),
            t["fee"].as_i64(),
            t["fee_tax"].as_i64(),
            t["invoice_amount"].as_i64()
        ),
        (Some(14105), Some(379), Some(37), Some(13689))
    );
}

#[test]
fn an_application_after_the_cutoff_starts_in_january() {
    let env = loaded();
    // W0001 as if applied on 2026-11-21 (after cutoff 20): starts 2027-01, December unchanged.
    let r = env.ok(&[
        "changes",
        "add",
        "join",
        "--employee",
        "000201",
        "--product",
        "MED",
        "--plan",
        "S",
        "--applied-on",
        "2026-11-21",
        "--month",
        "2026-12",
        "--json",
    ]);
    assert_eq!(r.json()["change"]["applied_on"], "2026-11-21");
    let bill = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    let offices = bill["offices"].as_array().unwrap();
    assert_eq!(totals(&offices[1]), (s("O002"), 3769, 113, 11, 3645));
    assert_eq!(bill["totals"]["premium_total"].as_i64(), Some(11650));
}

#[test]
fn the_example_package_is_the_shared_spec_file() {
    let shared = common::root().join("../shared/spec/bill-package.example.json");
    // CI always has shared/ beside the clone; a developer's checkout elsewhere may not.
    if std::env::var_os("CI").is_some() {
        assert!(shared.is_file(), "{} is missing", shared.display());
    }
    if let Ok(spec) = std::fs::read(&shared) {
        let ours = std::fs::read(data("worked-example/bill-package.json")).unwrap();
        assert_eq!(
            ours,
            spec,
            "tests/data/worked-example/bill-package.json differs from {}",
            shared.display()
        );
    }
}

#[test]
fn accept_all_is_atomic_one_refused_change_accepts_nothing_and_names_it() {
    let env = loaded();
    // Two proposed transfers of 000101 to O002, each fine alone: once the first is applied, the
    // second moves them to the office they are already in (C4004). W0001 could be accepted.
    for date in ["2026-12-01", "2026-11-20"] {
        env.ok(&[
            "changes",
            "add",
            "transfer",
            "--employee",
            "000101",
            "--office",
            "O002",
            "--date",
            date,
            "--propose-only",
            "--month",
            "2026-12",
        ]);
    }
    let before = env.ok(&["changes", "list", "--month", "2026-12", "--json"]).json();
    let bill_before = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    let r = env.run(&["changes", "accept", "--all", "--month", "2026-12"]);
    assert_eq!(r.code, Some(5), "refused by a business rule: {}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("C4004"), "{}", r.stderr);
    assert!(r.stderr.contains("000101"), "{}", r.stderr);
    // Nothing was accepted, W0001 included: the list and the bill are exactly as before.
    let after = env.ok(&["changes", "list", "--month", "2026-12", "--json"]).json();
    assert_eq!(after, before);
    let statuses: Vec<&str> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["proposed", "proposed", "proposed"]);
    assert_eq!(
        env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json(),
        bill_before
    );
}
