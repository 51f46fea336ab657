//! The month-end benchmark: `cargo run --release -p infoone-app --example bench_month_end -- DIR`
//! where DIR holds `infoone sample --members 300000 --offices 2000` output. Prints each step's
//! time; the database is a fresh file in the system temp folder.

use std::path::PathBuf;
use std::time::Instant;

use infoone_app::infoone_store::Store;
use infoone_app::{MonthRef, Selection};
use infoone_domain::deduction::Mode;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: bench_month_end SAMPLE_DIR")?);
    let work = std::env::temp_dir().join("infoone-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let now = chrono::Local::now().naive_local();
    let mut store = Store::open(&work.join("bench.db"))?;
    let all = Instant::now();
    let mut t = Instant::now();
    let mut step = |name: &str| {
        println!("{name:<24} {:>8.2} s", t.elapsed().as_secs_f64());
        t = Instant::now();
    };
    let loaded = infoone_app::load_package(&mut store, &dir.join("bill-package.json"), now)?;
    step("load package");
    let at = MonthRef {
        group: Some(loaded.group.clone()),
        month: loaded.month.parse()?,
    };
    let hr = infoone_app::import_hr(&mut store, &at, &dir.join("hr.csv"), now)?;
    step("import HR (csv)");
    let accepted = infoone_app::accept(&mut store, &at, &Selection::All, now)?;
    step("accept all");
    let doc = infoone_app::confirm(&mut store, &at, now)?;
    step("confirm");
    let ded = infoone_app::import_deductions(&mut store, &at, &dir.join("deductions.csv"), Mode::Exceptions, now)?;
    step("import deductions");
    infoone_app::write_report(&mut store, &at, &work.join("report.json"), now)?;
    step("write report");
    let shown = infoone_app::bill(&mut store, &at)?;
    step("bill show");
    println!(
        "total {:.2} s: {} members, {} offices, {} HR rows → {} changes accepted, premium_total {} payable {:?}, {} not deducted in full",
        all.elapsed().as_secs_f64(),
        loaded.members,
        doc.offices.len(),
        hr.rows,
        accepted.accepted,
        doc.totals.premium_total,
        shown.totals.payable,
        ded.not_in_full
    );
    Ok(())
}
