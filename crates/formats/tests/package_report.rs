//! The result report: the published example, round trips, semantic checks and positioned errors.

use infoone_formats::package::{PackageError, UndeductedHandling, UndeductedReason};
use infoone_formats::report::*;
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/schemas/result-report.example.json"
));
const PACKAGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/bill-package.example.json"
));
const FILE: &str = "result-report.json";

fn example() -> ResultReport {
    parse_report(FILE, EXAMPLE.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(f: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    f(&mut v);
    match parse_report(FILE, &serde_json::to_vec_pretty(&v).unwrap()) {
        Err(e @ PackageError::Invalid { .. }) => e.lines(),
        Err(e) => panic!("expected semantic problems, got {e}"),
        Ok(_) => panic!("expected semantic problems, the report was accepted"),
    }
}

/// The example with every kind of entry filled in.
fn full() -> ResultReport {
    let mut r = example();
    r.changes.push(ReportChange {
        id: "C0002".into(),
        kind: ChangeKind::BankTransferSwitch,
        employee_no: "000102".into(),
        enrollment: Some("E0003".into()),
        effective_date: "2027-01-01".into(),
        details: json!({"bank_account": {"bank_code": "0005", "account_no": "0012345"}, "note": null}),
    });
    r.changes.push(ReportChange {
        id: "C0003".into(),
        kind: ChangeKind::Update,
        employee_no: "000101".into(),
        enrollment: None,
        effective_date: "2026-11-20".into(),
        details: Value::Null,
    });
    r.individual_bills.push(IndividualBill {
        employee_no: "000102".into(),
        kind: IndividualBillKind::LumpSum,
        amount: 1884,
        due_date: "2027-01-31".into(),
        lines: vec![
            IndividualBillLine {
                enrollment: "E0003".into(),
                month: "2027-01".into(),
                amount: 942,
            },
            IndividualBillLine {
                enrollment: "E0003".into(),
                month: "2027-02".into(),
                amount: 942,
            },
        ],
    });
    r.account_transfers.push(AccountTransfer {
        employee_no: "000102".into(),
        enrollment: "E0004".into(),
        month: "2027-01".into(),
        amount: 4780,
    });
    r
}

#[test]
fn the_published_example_parses() {
    let r = example();
    assert_eq!(r.format, REPORT_FORMAT);
    assert_eq!((r.group.as_str(), r.month.as_str()), ("G0001", "2026-12"));
    assert_eq!(r.package_version, "sha256:example");
    assert_eq!(r.changes[0].kind, ChangeKind::Join);
    assert_eq!(r.changes[0].details["application"], "W0001");
    assert_eq!(r.deductions[1].reason, Some(UndeductedReason::InsufficientPay));
    assert_eq!(r.deductions[0].reason, None);
    assert_eq!(r.offices[0].payable, 3008);
    assert_eq!(r.totals, ReportTotals::sum(&r.offices));
    assert_eq!(r.totals.invoice_amount, 13689);
    assert_eq!(r.undeducted[0].handling, UndeductedHandling::CarryOver);
    let (_, warnings) = parse_report_with_warnings(FILE, EXAMPLE.as_bytes()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn round_trip_is_lossless() {
    for r in [example(), full()] {
        let written = write_report(&r);
        let again = parse_report(FILE, &written).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, r);
        assert_eq!(write_report(&again), written);
        let (_, warnings) = parse_report_with_warnings(FILE, &written).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let text = String::from_utf8(written).unwrap();
        assert!(text.contains("\"kind\": \"join\""));
        assert!(text.contains("\"reason\": \"給与不足\""));
        assert!(text.ends_with("}\n"));
    }
    let text = String::from_utf8(write_report(&full())).unwrap();
    for needle in [
        "\"kind\": \"bank_transfer_switch\"",
        "\"kind\": \"lump_sum\"",
        "\"enrollment\": null",
        "\"details\": null",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[test]
fn unknown_fields_are_warned() {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["receipt"] = json!("R-1");
    v["offices"][1]["bank"] = json!("x");
    v["changes"][0]["details"]["anything"] = json!(1);
    let (r, warnings) = parse_report_with_warnings(FILE, v.to_string().as_bytes()).unwrap();
    assert_eq!(r.offices, example().offices);
    let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "result-report.json offices[1].bank: この版では使わない項目です（読み飛ばしました）",
            "result-report.json receipt: この版では使わない項目です（読み飛ばしました）",
        ]
    );
}

#[test]
fn semantic_problems_are_all_reported() {
    let lines = problems(|v| {
        v["format"] = json!("infoone.result-report/2");
        v["idempotency_key"] = json!("");
        v["month"] = json!("2026-13");
        v["generated_on"] = json!("2027-02-29");
        v["changes"][0]["effective_date"] = json!("2026-12");
        v["deductions"][1]["deducted"] = json!(900);
        v["deductions"][1]["reason"] = json!(null);
        v["deductions"][2]["undeducted"] = json!(-1);
        v["offices"][1]["code"] = json!("O001");
        v["totals"]["payable"] = json!(9040);
        v["undeducted"][0]["amount"] = json!(0);
    });
    assert_eq!(
        lines,
        [
            "result-report.json format: 値「infoone.result-report/2」— 結果報告（infoone.result-report/1）のファイルではありません",
            "result-report.json idempotency_key: 値「」— 冪等キーが空です",
            "result-report.json month: 値「2026-13」— 年月は YYYY-MM の形で書いてください（例: 2026-12）",
            "result-report.json generated_on: 値「2027-02-29」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）",
            "result-report.json changes[0].effective_date: 値「2026-12」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）",
            "result-report.json deductions[1]: 控除額 deducted「900」と控除不能額 undeducted「4780」の和が請求額 billed「5722」と合いません",
            "result-report.json deductions[1].reason: 控除不能額があるときは理由（休職・退職・給与不足・その他）が必要です",
            "result-report.json deductions[2].undeducted: 値「-1」— 控除不能額は 0 以上です",
            "result-report.json offices[1].code: 値「O001」— 事業所コードが重複しています（offices[0] と同じ）",
            "result-report.json totals.payable: 値「9040」— 事業所ごとの payable の合計「9041」と合いません",
            "result-report.json undeducted[0].amount: 値「0」— 控除不能額は 1 円以上です",
        ]
    );
}

#[test]
fn individual_bills_and_transfers_are_checked() {
    let mut r = full();
    r.individual_bills[0].amount = 1000;
    r.individual_bills[0].lines[1].month = "2027-2".into();
    r.individual_bills[0].due_date = "2027-01-32".into();
    r.account_transfers[0].month = "202701".into();
    r.changes[2].id = "C0001".into();
    let e = parse_report(FILE, &write_report(&r)).unwrap_err();
    assert_eq!(
        e.lines(),
        [
            "result-report.json changes[2].id: 値「C0001」— 変更IDが重複しています（changes[0] と同じ）",
            "result-report.json individual_bills[0].due_date: 値「2027-01-32」— 日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）",
            "result-report.json individual_bills[0].lines[1].month: 値「2027-2」— 年月は YYYY-MM の形で書いてください（例: 2026-12）",
            "result-report.json individual_bills[0].amount: 値「1000」— 明細 lines の合計「1884」と合いません",
            "result-report.json account_transfers[0].month: 値「202701」— 年月は YYYY-MM の形で書いてください（例: 2026-12）",
        ]
    );
    assert_eq!(validate_report(FILE, &full()), Ok(()));
}

#[test]
fn a_bill_package_is_not_a_result_report() {
    let e = parse_report("bill-package.json", PACKAGE.as_bytes()).unwrap_err();
    assert_eq!(
        e.lines(),
        ["bill-package.json format: 値「infoone.bill-package/1」— 結果報告（infoone.result-report/1）のファイルではありません"]
    );
}

#[test]
fn type_and_syntax_errors_are_positioned() {
    let broken = EXAMPLE.replacen("\"kind\": \"join\"", "\"kind\": \"joined\"", 1);
    let line = 1 + broken[..broken.find("\"joined\"").unwrap()].matches('\n').count();
    match parse_report(FILE, broken.as_bytes()).unwrap_err() {
        PackageError::Syntax {
            file,
            path,
            line: l,
            column,
            message,
        } => {
            assert_eq!(
                (file.as_str(), path.as_str(), l, column),
                (FILE, "changes[0].kind", line, 22)
            );
            assert_eq!(
                message,
                "値「joined」— 使える値は join, withdrawal, retirement, transfer, plan_change, update, hire, bank_transfer_switch です"
            );
        }
        other => panic!("{other}"),
    }
    let broken = EXAMPLE.replacen("\"payable\": 3008", "\"payable\": 3008.0", 1);
    let e = parse_report(FILE, broken.as_bytes()).unwrap_err();
    let line = 1 + broken[..broken.find("3008.0").unwrap()].matches('\n').count();
    assert_eq!(
        e.to_string(),
        format!("result-report.json {line}行23列 offices[0].payable: 値「3008.0」— 整数で書いてください")
    );
    let broken = EXAMPLE.replacen("\"totals\": {", "\"totals\" {", 1);
    match parse_report(FILE, broken.as_bytes()).unwrap_err() {
        PackageError::Syntax {
            path, line, message, ..
        } => {
            assert_eq!(
                path, "",
                "the key was read but not its value: the error is the top level's"
            );
            assert_eq!(
                line,
                1 + broken[..broken.find("\"totals\" {").unwrap()].matches('\n').count()
            );
            assert_eq!(message, "項目名の後に「:」が必要です");
        }
        other => panic!("{other}"),
    }
}
