//! `infoone month-end` on the committed sample data completes the month, and its totals match
//! `bill show --json` on the database it leaves.

mod common;

use common::{root, Env};
use serde_json::Value;

fn sample(name: &str) -> String {
    root().join("sample-data").join(name).display().to_string()
}

/// `month-end` on the committed sample data, writing to `out`, with one more flag.
fn month_end_args(out: &str, flag: &str) -> Vec<String> {
    [
        "month-end",
        "--package",
        &sample("bill-package.json"),
        "--hr",
        &sample("hr.xlsx"),
        "--deductions",
        &sample("deductions.csv"),
        "--out",
        out,
        flag,
    ]
    .map(str::to_string)
    .to_vec()
}

fn totals(v: &Value) -> [i64; 8] {
    [
        "premium_total",
        "fee",
        "fee_tax",
        "invoice_amount",
        "undeducted",
        "collected_fee",
        "collected_fee_tax",
        "payable",
    ]
    .map(|k| v[k].as_i64().unwrap_or_else(|| panic!("{k} missing in {v}")))
}

#[test]
fn month_end_on_the_sample_data_matches_bill_show() {
    let env = Env::new();
    let out = env.path("out");
    let out_s = out.display().to_string();
    let args = month_end_args(&out_s, "--json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let doc = env.ok(&args).json();
    assert_eq!(doc["state"], "deducted");
    assert_eq!(doc["revision"], 1);
    let offices = doc["offices"].as_array().unwrap();
    assert_eq!(offices.len(), 12);

    // Σ offices = group totals, Σ lines = office premium_total, for every amount.
    let mut sum = [0i64; 8];
    for o in offices {
        let t = totals(o);
        for (s, x) in sum.iter_mut().zip(t) {
            *s += x;
        }
        let lines: i64 = o["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(lines, t[0], "office {}", o["code"]);
        // offset: invoice = premium_total − fee − fee_tax; payable = collected − collected fee and tax.
        assert_eq!(t[3], t[0] - t[1] - t[2]);
        assert_eq!(t[7], t[0] - t[4] - t[5] - t[6]);
    }
    assert_eq!(sum, totals(&doc["totals"]));
    assert!(
        doc["totals"]["undeducted"].as_i64().unwrap() > 0,
        "the sample has 控除不能"
    );

    // The database month-end worked in shows the same bill.
    let shown = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    assert_eq!(shown, doc);

    // The report is written and agrees.
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["totals"]["payable"], doc["totals"]["payable"]);
    assert_eq!(report["totals"]["premium_total"], doc["totals"]["premium_total"]);

    // Every output of the month is there: invoices (one per office and one combined), payroll
    // media per deduction destination, the Zengin request, the extract and the roster.
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let count = |prefix: &str, suffix: &str| {
        files
            .iter()
            .filter(|f| f.starts_with(prefix) && f.ends_with(suffix))
            .count()
    };
    assert_eq!(count("invoice_O", ".pdf"), 12, "{files:?}");
    assert_eq!(count("invoices_", ".pdf"), 1, "{files:?}");
    assert!(
        count("media_", ".csv") >= 1 && count("media_", ".xlsx") >= 1,
        "{files:?}"
    );
    assert_eq!(count("zengin_", ".txt"), 1, "{files:?}");
    assert_eq!(count("extract-", ".xlsx") + count("roster-", ".xlsx"), 2, "{files:?}");
    let zengin = files.iter().find(|f| f.starts_with("zengin_")).unwrap();
    let bytes = std::fs::read(out.join(zengin)).unwrap();
    assert_eq!(bytes.len() % 122, 0, "120-byte records with CRLF");

    // The human summary prints every office and the total line (a fresh database: the month is
    // already worked in the first one, and month-end refuses to load it again).
    let text = Env::new().ok(&args[..args.len() - 1]).stdout;
    assert!(text.contains("O012") && text.contains("合計"), "{text}");
}

#[test]
fn sample_is_deterministic_and_matches_the_committed_data() {
    let env = Env::new();
    let dir = env.path("s");
    let dir_s = dir.display().to_string();
    env.ok(&[
        "sample",
        "--members",
        "2000",
        "--offices",
        "12",
        "--seed",
        "1",
        "--out",
        &dir_s,
    ]);
    for f in ["bill-package.json", "hr.csv", "deductions.csv"] {
        let ours = std::fs::read(dir.join(f)).unwrap();
        let committed = std::fs::read(sample(f)).unwrap();
        assert!(
            ours == committed,
            "sample-data/{f} is not what `infoone sample --seed 1` makes; regenerate it"
        );
    }
}

#[test]
fn month_end_with_the_demo_server_fetches_and_submits_over_https_with_a_receipt() {
    let env = Env::new();
    let out = env.path("out");
    let out_s = out.display().to_string();
    let args = month_end_args(&out_s, "--demo-server");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.ok(&args);
    assert!(
        run.stderr.contains("保険会社APIサーバー: https://127.0.0.1:"),
        "{}",
        run.stderr
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("結果報告を送信しました: G0002 2026-12 受付番号 R-"))
        .unwrap_or_else(|| panic!("no receipt in:\n{}", run.stdout));

    // The clerk's database: the package came from the server, the month is reported, the outbox
    // holds the one report with the receipt that was printed.
    let outbox = env.ok(&["report", "outbox", "--json"]).json();
    let entries = outbox.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{outbox}");
    assert_eq!(entries[0]["status"], "sent");
    let receipt = entries[0]["receipt_no"].as_str().unwrap();
    assert!(line.contains(receipt), "{line} / {receipt}");
    let shown = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    assert_eq!(shown["state"], "reported");
    let audit = env.ok(&["audit", "--limit", "100000"]).stdout;
    assert!(audit.contains("server.set  https://127.0.0.1:"), "{audit}");
    assert!(audit.contains(&format!("report.submit {receipt}")), "{audit}");

    // The insurer's side: its dev CA and database were made in OUT/insurer.
    assert!(out.join("insurer/tls/ca.pem").is_file());
    assert!(out.join("insurer/insurer.db").is_file());

    // Personal data at rest and out of the logs (issue 9, item 7): no member's name, kana,
    // birth date, e-mail, address or bank account on stderr (the in-process insurer's log is on
    // the same stderr) and no API token; the clerk's database encrypted and owner-only.
    let package: Value = serde_json::from_slice(&std::fs::read(sample("bill-package.json")).unwrap()).unwrap();
    let members = package["members"].as_array().unwrap();
    let mut personal: Vec<String> = Vec::new();
    for m in members {
        for k in ["name", "name_kana", "birth_date", "email", "address"] {
            if let Some(v) = m[k].as_str().filter(|v| v.len() >= 6) {
                personal.push(v.to_string());
            }
        }
        if let Some(a) = m["bank_account"]["account_no"].as_str() {
            personal.push(format!(
                "{}{a}",
                m["bank_account"]["branch_code"].as_str().unwrap_or("")
            ));
        }
    }
    assert!(personal.len() > members.len() * 3, "{} values", personal.len());
    let logs = format!("{}\n{}", run.stderr, env.run(&["audit", "--limit", "5"]).stderr);
    for v in &personal {
        assert!(!logs.contains(v.as_str()), "personal data on stderr: {v}");
    }
    assert!(
        !logs.contains("iog_") && !logs.contains("ios_"),
        "a token on stderr:\n{logs}"
    );
    let db = std::fs::read(env.db()).unwrap();
    assert!(
        !db.starts_with(b"SQLite format 3"),
        "the clerk's database is not encrypted"
    );
    let name = members[0]["name"].as_str().unwrap().as_bytes();
    assert!(
        !db.windows(name.len()).any(|w| w == name),
        "a member's name in the database file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.db()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database's mode");
    }
}

/// The bank's result for a request: the first data record failed with code 1 (資金不足), the
/// trailer's counts and sums recomputed. Returns the file and the failed amount.
fn first_record_failed(request: &[u8]) -> (Vec<u8>, i64) {
    let mut records: Vec<Vec<u8>> = request
        .split(|b| *b == b'\n')
        .filter(|l| l.len() >= 120)
        .map(|l| l[..120].to_vec())
        .collect();
    let amount = |r: &[u8]| -> i64 { std::str::from_utf8(&r[80..90]).unwrap().parse().unwrap() };
    let data: Vec<usize> = (0..records.len()).filter(|&i| records[i][0] == b'2').collect();
    records[data[0]][111] = b'1';
    let failed = amount(&records[data[0]]);
    let total: i64 = data.iter().map(|&i| amount(&records[i])).sum();
    let n = data.len();
    let trailer = format!(
        "8{n:06}{total:012}{:06}{:012}{:06}{failed:012}{:65}",
        n - 1,
        total - failed,
        1,
        ""
    );
    let t = records.iter().position(|r| r[0] == b'8').unwrap();
    records[t] = trailer.into_bytes();
    (
        records.iter().flat_map(|r| r.iter().copied().chain(*b"\r\n")).collect(),
        failed,
    )
}

/// A failed debit in the bank's result file is on the unpaid list (`infoone unpaid list`), and
/// `infoone unpaid paid` takes it off, through the binary.
#[test]
fn a_failed_debit_is_on_the_unpaid_list_until_marked_paid() {
    let env = Env::new();
    let out = env.path("out");
    let out_s = out.display().to_string();
    let args = month_end_args(&out_s, "--json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.ok(&args);
    let request = std::fs::read(out.join("zengin_G0002_2026-12.txt")).unwrap();
    let (result, failed) = first_record_failed(&request);
    let file = env.path("result.txt");
    std::fs::write(&file, result).unwrap();
    let file_s = file.display().to_string();
    let imported = env.ok(&["zengin", "result", &file_s, "--month", "2026-12"]);
    assert!(imported.stdout.contains("→ 未入金"), "{}", imported.stdout);
    // Imported twice: still one row.
    env.ok(&["zengin", "result", &file_s, "--month", "2026-12"]);

    let list = env.ok(&["unpaid", "list", "--json"]).json();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["amount"], failed);
    assert_eq!(rows[0]["due_date"], "2026-12-28");
    assert_eq!(rows[0]["reason"], "1 資金不足");
    assert_eq!(rows[0]["month"], "2026-12");
    let text = env.ok(&["unpaid", "list"]).stdout;
    assert!(
        text.contains("振替不能 1 資金不足") && text.contains("未入金 合計"),
        "{text}"
    );

    let id = rows[0]["id"].to_string();
    let bad = env.run(&["unpaid", "paid", &id, "--date", "2027/01/15"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    env.ok(&["unpaid", "paid", &id, "--date", "2027-01-15", "--note", "窓口で現金"]);
    assert_eq!(env.ok(&["unpaid", "list", "--json"]).json(), serde_json::json!([]));
    let all = env.ok(&["unpaid", "list", "--all", "--json"]).json();
    assert_eq!(all[0]["paid_at"], "2027-01-15");
    let again = env.run(&["unpaid", "paid", &id, "--date", "2027-01-16"]);
    assert_eq!(again.code, Some(4), "{}", again.stderr);
}

/// Issue 9: a group without `collection_account` and with nobody on account transfer finishes
/// `month-end` (it stopped with exit 5 at the Zengin step although there was nothing to debit);
/// the Zengin step says why there is no file.
#[test]
fn month_end_without_a_collection_account_and_nobody_on_account_transfer_finishes() {
    let env = Env::new();
    let mut package: Value =
        serde_json::from_slice(&std::fs::read(common::data("worked-example/bill-package.json")).unwrap()).unwrap();
    package["group"].as_object_mut().unwrap().remove("collection_account");
    let package_path = env.path("bill-package.json");
    std::fs::write(&package_path, serde_json::to_vec_pretty(&package).unwrap()).unwrap();
    let hr = env.path("hr.csv");
    std::fs::write(
        &hr,
        "社員番号,氏名,氏名カナ,生年月日,性別,事業所コード,在籍区分\n\
         000101,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-10-02,男,O001,在籍\n\
         000102,髙橋 美咲,ﾀｶﾊｼ ﾐｻｷ,1975-03-31,女,O001,在籍\n\
         000201,佐藤 一郎,ｻﾄｳ ｲﾁﾛｳ,1962-01-15,男,O002,在籍\n",
    )
    .unwrap();
    let deductions = env.path("deductions.csv");
    std::fs::write(&deductions, "社員番号,控除額,理由\n000102,0,給与不足\n").unwrap();
    let out = env.path("out");
    let args = [
        "month-end",
        "--package",
        &package_path.display().to_string(),
        "--hr",
        &hr.display().to_string(),
        "--deductions",
        &deductions.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.run(&args);
    assert!(run.ok, "exit {:?}: {}{}", run.code, run.stderr, run.stdout);
    assert!(
        run.stdout
            .contains("口座振替の対象者がいないため全銀ファイルは作成しません"),
        "{}",
        run.stdout
    );
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| !f.starts_with("zengin_")), "{files:?}");
    assert!(files.iter().any(|f| f == "report.json"), "{files:?}");
    let status = env.ok(&["bill", "show", "--month", "2026-12", "--json"]).json();
    assert_eq!(status["state"], "deducted");
}
