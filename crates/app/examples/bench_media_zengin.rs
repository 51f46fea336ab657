//! Benchmark of the payroll media (電子媒体) and the Zengin request on the 300,000-member,
//! 2,000-office sample group (issue 3: each under 0.5 s).
//!
//! ```text
//! cargo run --release -p infoone-app --example bench_media_zengin -- [DIR [MEMBERS]]
//! cargo run --release -p infoone-app --example bench_media_zengin -- --direct [MEMBERS]
//! ```
//!
//! Without `--direct`: prepares DIR/bench-mz-MEMBERS.db once (sample → load → confirm, not
//! timed; MEMBERS defaults to 300,000, offices = MEMBERS / 150), then times
//! - `export::zengin` and `export::media` end to end (read the month, build, write the files):
//!   the first call of a process reads the month cold, the next ones find the ledger cached;
//! - `month_data`, the read every output of the month shares;
//! - the media alone (rows + one cp932 csv per 控除先, in memory) and its xlsx;
//! - the Zengin request alone for the sample's bank-transfer withdrawers, and for a worst case
//!   where every member pays by bank transfer (one data record each).
//!
//! `--direct` times the outputs alone on a bill computed in memory (no database), seven rounds
//! (the machine may be busy: take the best). Times are wall and on-CPU time of the thread.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use infoone_app::export::{self, MediaOptions};
use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_domain::ledger::{AccountType, BankAccount};
use infoone_formats::bill_doc::AccountTransferDoc;
use infoone_formats::media::{self, Encoding};
use infoone_formats::zengin::{self, codes};

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().expect("a date")
}

fn at() -> MonthRef {
    MonthRef::new("2026-12".parse().expect("a month"))
}

/// On-CPU time of this thread (the machine may be busy with other work; wall time is shown too).
fn cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(text.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Wall and CPU time since a start.
struct Clock(Instant, Duration);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu())
    }
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0?} wall, {:.0?} CPU",
            self.0.elapsed(),
            cpu().saturating_sub(self.1)
        )
    }
}

fn prepare(db: &Path, members: usize) {
    let _ = std::fs::remove_file(db);
    let t = Instant::now();
    let sample = infoone_sample::generate(&infoone_sample::SampleSpec::new(members, (members / 150).max(1), 1));
    let json = infoone_sample::package_json(&sample);
    drop(sample);
    eprintln!("prepare (not timed): sample {:.2?}", t.elapsed());
    let mut store = Store::open(db).expect("store");
    infoone_app::load_package_bytes(&mut store, "bill-package.json", &json, now()).expect("load");
    eprintln!("prepare (not timed): loaded {:.2?}", t.elapsed());
    infoone_app::reject(&mut store, &at(), &Selection::All, now()).expect("reject");
    eprintln!("prepare (not timed): rejected the Web applications {:.2?}", t.elapsed());
    infoone_app::confirm(&mut store, &at(), now()).expect("confirm");
    eprintln!("prepare (not timed): confirmed {:.2?}", t.elapsed());
}

/// The outputs alone, without the database: sample → ledger → bill (not timed) → media, Zengin.
fn direct(members: usize) {
    let t = Instant::now();
    let sample = infoone_sample::generate(&infoone_sample::SampleSpec::new(members, (members / 150).max(1), 1));
    let pkg = sample.package;
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let bill = infoone_domain::bill::compute(&ledger);
    let names = |code: &str| {
        pkg.offices
            .iter()
            .find(|o| o.code == code)
            .map(|o| (o.name.clone(), o.deduction_destination.clone()))
            .unwrap_or_default()
    };
    let doc = infoone_formats::bill_doc::from_bill(&bill, "confirmed", 1, &names);
    eprintln!("direct (not timed): sample, ledger and bill in {:.2?}", t.elapsed());
    let lines: usize = doc.offices.iter().map(|o| o.lines.len()).sum();
    println!(
        "{} members, {} offices, {lines} bill lines, {} account transfers",
        ledger.members.len(),
        doc.offices.len(),
        doc.account_transfers.len()
    );
    let month = ledger.month;
    for round in 0..7 {
        let t = Clock::start();
        let products: Vec<(String, String)> = pkg
            .group_products
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect();
        let people = ledger.members.values().map(|m| media::Person {
            employee_no: &m.employee_no,
            name: &m.name,
            office: m.office_in(month),
        });
        let m = media::build(&doc, &products, people);
        let built = t.to_string();
        let (mut bytes, mut rows) = (0, 0);
        for (dest, r) in &m.destinations {
            bytes += media::csv(dest, &m.products, r, Encoding::Cp932).expect("csv").0.len();
            rows += r.len();
        }
        println!(
            "[{round}] media rows + cp932 csv: {t} (rows {built}; {rows} rows, {} files, {} MB)",
            m.destinations.len(),
            bytes / 1_000_000
        );
        let t = Clock::start();
        for (dest, r) in &m.destinations {
            media::csv(dest, &m.products, r, Encoding::Utf8Bom).expect("csv");
        }
        println!("[{round}] media UTF-8 csv (rows already built): {t}");
    }
    let t = Clock::start();
    let people = ledger.members.values().map(|m| media::Person {
        employee_no: &m.employee_no,
        name: &m.name,
        office: m.office_in(month),
    });
    let m = media::build(
        &doc,
        &pkg.group_products
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect::<Vec<_>>(),
        people,
    );
    for (dest, r) in &m.destinations {
        media::xlsx(dest, &m.products, r).expect("xlsx");
    }
    println!("media xlsx (rows + workbooks): {t}");
    zengin_worst_case(&pkg, ledger, month);
}

/// Zengin with every member paying by bank transfer (one data record each).
fn zengin_worst_case(
    pkg: &infoone_formats::package::BillPackage,
    mut ledger: infoone_domain::ledger::Ledger,
    month: infoone_domain::month::YearMonth,
) {
    let branches: Vec<(String, String)> = codes::all()
        .map(|(b, _, br, _)| (format!("{b:04}"), format!("{br:03}")))
        .take(5_000)
        .collect();
    let mut transfers = Vec::with_capacity(ledger.members.len());
    for (i, (no, member)) in ledger.members.iter_mut().enumerate() {
        let (bank, branch) = branches[i % branches.len()].clone();
        member.bank_account = Some(BankAccount {
            bank_code: bank,
            branch_code: branch,
            account_type: AccountType::Ordinary,
            account_no: format!("{:07}", 1_000_000 + i),
            holder_kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
        });
        transfers.push(AccountTransferDoc {
            employee_no: no.clone(),
            enrollment: format!("E{i}"),
            product: "GTL".into(),
            month: month.to_string(),
            amount: 1_000 + (i as i64 % 5_000),
        });
    }
    for round in 0..7 {
        let t = Clock::start();
        let plan = zengin::plan(pkg, &ledger, month, &transfers).expect("plan");
        let planned = t.to_string();
        let file = zengin::write_request(&plan.header, &plan.records);
        println!(
            "[{round}] zengin plan + write, all {} members by bank transfer: {t} (plan {planned}; {} records, {} MB)",
            ledger.members.len(),
            plan.records.len(),
            file.len() / 1_000_000
        );
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--direct") {
        direct(std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(300_000));
        return;
    }
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| std::env::temp_dir().join("infoone-bench-mz"), PathBuf::from);
    let members = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(300_000);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join(format!("bench-mz-{members}.db"));
    if !db.exists() {
        prepare(&db, members);
    }
    let mut store = Store::open(&db).expect("store");

    // End to end as the CLI runs it: the first call of a process reads the month cold (parses
    // the package, builds the ledger); the next ones find the ledger in the process's cache.
    let out = dir.join("out");
    let t = Clock::start();
    let s = export::zengin(&mut store, &at(), &out, now()).expect("zengin");
    println!("export::zengin end to end, cold process: {t} ({} records)", s.records);
    let t = Clock::start();
    let s = export::zengin(&mut store, &at(), &out, now()).expect("zengin");
    println!("export::zengin end to end, ledger cached: {t} ({} records)", s.records);
    for n in s.notes.iter().filter(|n| n.contains("依頼に入れていません")).take(3) {
        println!("  e.g. {n}");
    }
    // Three rounds (the first creates the files, the next ones replace them): take the best.
    for round in 0..2 {
        let t = Clock::start();
        export::media(&mut store, &at(), &out, &MediaOptions::default(), now()).expect("media");
        println!("[{round}] export::media (cp932 csv) end to end, ledger cached: {t}");
    }
    let t = Clock::start();
    let s = export::media(&mut store, &at(), &out, &MediaOptions::default(), now()).expect("media");
    println!(
        "[2] export::media (cp932 csv) end to end, ledger cached: {t} ({} files, {} rows)",
        s.files.len(),
        s.records
    );
    let t = Clock::start();
    let s = export::media(
        &mut store,
        &at(),
        &out,
        &MediaOptions {
            utf8: false,
            xlsx: true,
        },
        now(),
    )
    .expect("media");
    println!(
        "export::media (csv + xlsx) end to end, ledger cached: {t} this thread ({} files)",
        s.files.len()
    );

    let t = Clock::start();
    let d = export::month_data(&mut store, &at()).expect("month");
    let read = t.to_string();
    let lines: usize = d.bill.offices.iter().map(|o| o.lines.len()).sum();
    println!(
        "month_data: {read} ({} members, {lines} bill lines, {} account transfers)",
        d.ledger.members.len(),
        d.bill.account_transfers.len()
    );

    // Media alone.
    let t = Clock::start();
    let products: Vec<(String, String)> = d
        .package
        .group_products
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect();
    let month = d.row.month;
    let people = d.ledger.members.values().map(|m| media::Person {
        employee_no: &m.employee_no,
        name: &m.name,
        office: m.office_in(month),
    });
    let m = media::build(&d.bill, &products, people);
    let built = t.to_string();
    let mut bytes = 0;
    let mut rows = 0;
    for (dest, r) in &m.destinations {
        let (b, _) = media::csv(dest, &m.products, r, Encoding::Cp932).expect("csv");
        bytes += b.len();
        rows += r.len();
    }
    println!(
        "media rows + cp932 csv (in memory): {} (rows {built}; {rows} rows, {} files, {} MB)",
        t,
        m.destinations.len(),
        bytes / 1_000_000
    );
    let t = Clock::start();
    for (dest, r) in &m.destinations {
        media::xlsx(dest, &m.products, r).expect("xlsx");
    }
    println!("media xlsx (in memory): {}", t);

    // Zengin alone, the sample's withdrawers.
    let t = Clock::start();
    let plan = zengin::plan(&d.package, &d.ledger, month, &d.bill.account_transfers).expect("plan");
    let file = zengin::write_request(&plan.header, &plan.records);
    println!(
        "zengin plan + write, sample: {} ({} records, {} set aside, {} bytes)",
        t,
        plan.records.len(),
        plan.set_aside.len(),
        file.len()
    );

    zengin_worst_case(&d.package, d.ledger.clone(), month);
}
