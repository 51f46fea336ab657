//! Benchmark of the Excel roster (加入者名簿) and the member extract on the sample group
//! (issue 3: the 300,000-member roster export in under 2 s with under 100 MB).
//!
//! ```text
//! cargo run --release -p infoone-app --example bench_roster                # 300,000 members, 2,000 offices
//! cargo run --release -p infoone-app --example bench_roster -- 20000 200   # other sizes
//! cargo run --release -p infoone-app --example bench_roster -- 20000 200 app   # also through the store
//! /usr/bin/time -v target/release/examples/bench_roster                   # the whole process's peak RSS
//! ```
//!
//! The ledger of the month has to be in memory for any output (the exports read it whole), and
//! the sample generator that makes it needs far more; so the process's peak RSS (what
//! /usr/bin/time -v reports) is the generator's. To measure what an export needs, the bench
//! builds the ledger, drops everything else, then resets the kernel's peak-RSS counter
//! (`echo 5 > /proc/self/clear_refs`) before each step: the peak printed for a step is the
//! ledger plus what that step needed, and "+N MB" is the step's own part.
//!
//! With `app`, the package is also loaded into a database and exported through
//! `infoone_app::export` end to end (reading and parsing the stored package included).

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_app::MonthRef;

fn now() -> NaiveDateTime {
    "2026-11-25T10:00:00".parse().expect("a date")
}

/// (current, peak) resident set size of this process in MB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (kb("VmRSS:") / 1024, kb("VmHWM:") / 1024)
}

/// CPU time (user + system, all threads) of this process so far, in ms.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: state is field 3; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) * 10
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` 5).
fn reset_peak() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("(cannot reset the peak RSS counter: peaks below include earlier steps)");
    }
}

/// Runs one step: its wall time, the peak RSS while it ran and its own part of it.
fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (before, _) = rss();
    reset_peak();
    let cpu = cpu_ms();
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    let cpu = cpu_ms() - cpu;
    let (_, peak) = rss();
    println!(
        "{name:<48} wall {:>6.0} ms  cpu {cpu:>6} ms   peak RSS {peak:>5} MB (+{} MB over the {before} MB before)",
        took.as_secs_f64() * 1000.0,
        peak.saturating_sub(before)
    );
    out
}

fn size(path: &Path) -> String {
    format!("{:.1} MB", std::fs::metadata(path).map_or(0, |m| m.len()) as f64 / 1e6)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let members: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let offices: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let through_app = args.iter().any(|a| a == "app");
    let dir = tempfile::tempdir().expect("temp dir");

    let t = Instant::now();
    let sample = infoone_sample::generate(&infoone_sample::SampleSpec::new(members, offices, 1));
    let ledger = infoone_formats::ledger::to_ledger(&sample.package, &[]);
    let json = through_app.then(|| infoone_sample::package_json(&sample));
    drop(sample);
    let (now_mb, peak_mb) = rss();
    println!(
        "sample: {} members, {} enrollments, {} offices; generated and turned into a ledger in {:.1} s (ledger resident: {now_mb} MB; generator peak {peak_mb} MB)",
        ledger.members.len(),
        ledger.enrollments.len(),
        ledger.offices.len(),
        t.elapsed().as_secs_f64()
    );

    step("(part of it) reading the rows from the ledger", || {
        let mut n = 0usize;
        infoone_formats::roster::for_each_row(&ledger, |_| n += 1);
        n
    });
    let roster = dir.path().join("roster.xlsx");
    let rows = step("roster export (formats::roster::write_roster)", || {
        infoone_formats::roster::write_roster(&ledger, &roster).expect("roster")
    });
    println!("  {rows} rows, {}", size(&roster));
    if let Ok(keep) = std::env::var("BENCH_KEEP") {
        std::fs::copy(&roster, keep).expect("keep");
    }
    let back = step("roster read back (formats::roster::read_roster)", || {
        infoone_formats::roster::read_roster(&roster).expect("read")
    });
    assert_eq!(back.rows.len(), rows);
    drop(back);
    let csv = dir.path().join("extract.csv");
    let n = step("member extract csv", || {
        let f = std::io::BufWriter::new(std::fs::File::create(&csv).expect("file"));
        infoone_formats::extract::write_extract_csv(&ledger, f).expect("csv")
    });
    println!("  {n} rows, {}", size(&csv));
    let rates = step("participation rates csv", || {
        let f = std::io::BufWriter::new(std::fs::File::create(dir.path().join("rates.csv")).expect("file"));
        infoone_formats::extract::write_participation_csv(&ledger, f).expect("csv")
    });
    println!("  {rates} rows");
    let xlsx = dir.path().join("extract.xlsx");
    let n = step("member extract xlsx (with 加入率 sheet)", || {
        infoone_formats::extract::write_extract_xlsx(&ledger, &xlsx).expect("xlsx")
    });
    println!("  {n} rows, {}", size(&xlsx));

    if let Some(json) = json {
        drop(ledger);
        let mut store = Store::open(&dir.path().join("bench.db")).expect("store");
        step("month load (app::load_package_bytes)", || {
            infoone_app::load_package_bytes(&mut store, "bill-package.json", &json, now()).expect("load")
        });
        drop(json);
        let at = MonthRef::new("2026-12".parse().expect("month"));
        let s = step("roster export through the app (store → xlsx)", || {
            infoone_app::export::export_roster(&mut store, &at, dir.path(), now()).expect("export")
        });
        let s = step("roster import through the app (unchanged)", || {
            infoone_app::export::import_roster(&mut store, &at, Path::new(&s.files[0]), now()).expect("import")
        });
        assert_eq!(s.records, 0);
    }
}
