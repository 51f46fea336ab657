//! Benchmark (issue 3, "Performance"): every office invoice of a 2,000-office, 300,000-line group
//! in one combined PDF, target under 3 s; then the 2,000 per-office PDFs as `export invoices`
//! writes them.
//!
//! `cargo run --release -p infoone-app --example bench_invoices [OFFICES] [LINES_PER_OFFICE]
//! [--combined-only]`
//!
//! The bill is synthetic (the shape of the sample group: 2,000 offices × 150 lines, two products,
//! a few retroactive and carry-over lines per office); the PDFs go to a temporary directory.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use infoone_formats::bill_doc::{BillDoc, LineDoc, OfficeDoc, TotalsDoc};
use infoone_formats::package::parse_package;
use infoone_formats::pdf::{self, Address, Context, Person};

const FAMILY: [&str; 8] = ["山田", "髙橋", "佐藤", "鈴木", "田中", "伊藤", "渡辺", "中村"];
const GIVEN: [&str; 8] = ["太郎", "美咲", "一郎", "花子", "健太", "陽菜", "翔", "さくら"];

/// CPU seconds used so far, from /proc on Linux (0 elsewhere): by the whole process (all
/// threads) with `"self"`, by the calling thread with `"thread-self"`.
fn cpu_seconds(of: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{of}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and
    // 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    if f.len() > 12 {
        (f[11] + f[12]) / 100.0
    } else {
        0.0
    }
}

fn main() {
    let combined_only = std::env::args().any(|a| a == "--combined-only");
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let offices = args.first().copied().unwrap_or(2000);
    let per_office = args.get(1).copied().unwrap_or(150);

    // Group, payee account, products and settings of the worked example; offices and members
    // are made up below.
    let package = include_bytes!("../../../tests/data/worked-example/bill-package.json");
    let package = match parse_package("bill-package.json", package) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut ctx = Context::from_package(&package, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default());
    ctx.offices.clear();
    ctx.members.clear();
    let mut docs = Vec::with_capacity(offices);
    let mut employee = 0usize;
    for o in 0..offices {
        let code = format!("O{:04}", o + 1);
        ctx.offices.insert(
            code.clone(),
            Address {
                name: format!("第{}営業所", o + 1),
                postal_code: "100-0001".into(),
                address: format!("東京都千代田区千代田{}-1-1", o % 9 + 1),
            },
        );
        let mut lines = Vec::with_capacity(per_office);
        for i in 0..per_office {
            employee += 1;
            let no = format!("{employee:06}");
            ctx.members.insert(
                no.clone(),
                Person {
                    name: format!("{} {}", FAMILY[employee % 8], GIVEN[employee / 8 % 8]),
                    office: code.clone(),
                    ..Person::default()
                },
            );
            let (kind, month) = match i % 50 {
                48 => ("retro", "2026-10"),
                49 => ("carry_over", "2026-11"),
                _ => ("regular", "2026-12"),
            };
            lines.push(LineDoc {
                kind: kind.into(),
                enrollment: format!("E{employee:07}"),
                employee_no: no,
                product: if i % 3 == 0 { "MED".into() } else { "GTL".into() },
                month: month.into(),
                amount: 500 + (employee % 40) as i64 * 97,
                reason: None,
            });
        }
        let mut by_product = BTreeMap::new();
        for l in &lines {
            *by_product.entry(l.product.clone()).or_insert(0) += l.amount;
        }
        let premium_total: i64 = lines.iter().map(|l| l.amount).sum();
        let fee = premium_total * 3 / 100;
        let fee_tax = fee / 10;
        docs.push(OfficeDoc {
            code: code.clone(),
            name: format!("第{}営業所", o + 1),
            deduction_destination: "D01".into(),
            totals: TotalsDoc {
                premium_total,
                fee,
                fee_tax,
                invoice_amount: premium_total - fee - fee_tax,
                ..TotalsDoc::default()
            },
            by_product,
            lines,
        });
    }
    let bill = BillDoc {
        group: "G9000".into(),
        month: "2026-12".into(),
        state: "confirmed".into(),
        revision: 1,
        due_date: NaiveDate::from_ymd_opt(2027, 1, 29).unwrap_or_default(),
        offices: docs,
        totals: TotalsDoc::default(),
        findings: Vec::new(),
        individual_bills: Vec::new(),
        account_transfers: Vec::new(),
        commissions: Vec::new(),
    };
    let dir = std::env::temp_dir().join("infoone-bench-invoices");
    std::fs::create_dir_all(&dir).unwrap_or_default();

    let (t, cpu, main_cpu) = (Instant::now(), cpu_seconds("self"), cpu_seconds("thread-self"));
    let combined = match pdf::group_invoices(&ctx, &bill) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let path = dir.join("invoices_G9000_2026-12.pdf");
    if let Err(e) = std::fs::write(&path, &combined) {
        eprintln!("{}: {e}", path.display());
    }
    let combined_s = t.elapsed().as_secs_f64();
    let combined_cpu = cpu_seconds("self") - cpu;
    let combined_main = cpu_seconds("thread-self") - main_cpu;

    let (t, cpu) = (Instant::now(), cpu_seconds("self"));
    let mut total = 0usize;
    for o in bill.offices.iter().filter(|_| !combined_only) {
        if let Ok(b) = pdf::office_invoice(&ctx, &bill, o) {
            total += b.len();
            let _ = std::fs::write(dir.join(format!("invoice_{}_2026-12.pdf", o.code)), &b);
        }
    }
    let each_s = t.elapsed().as_secs_f64();
    let each_cpu = cpu_seconds("self") - cpu;

    println!(
        "combined PDF: {offices} offices × {per_office} lines = {} lines: {combined_s:.2} s ({combined_cpu:.2} s CPU, {combined_main:.2} s of it on the main thread), {:.1} MB ({})",
        offices * per_office,
        combined.len() as f64 / 1e6,
        path.display()
    );
    println!(
        "per-office PDFs: {offices} files in {each_s:.2} s ({each_cpu:.2} s CPU), {:.1} MB in all ({:.1} KB each on average)",
        total as f64 / 1e6,
        total as f64 / 1e3 / offices.max(1) as f64
    );
    println!(
        "target: combined under 3 s — {}",
        if combined_s < 3.0 { "met" } else { "NOT met" }
    );
}
