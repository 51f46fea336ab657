//! What the window waits for on a big group (issue 10): the session's side of each screen on the
//! 300,000-member, 2,000-office sample group.
//!
//! ```text
//! cargo run --release -p infoone-desk --example bench_desk -- [DIR [MEMBERS]]
//! ```
//!
//! Prepares DIR/bench-desk-MEMBERS/ (the sample written and loaded once, not timed), then times,
//! in a fresh session as the window opens it:
//! - opening the session and the dashboard (`overview`): what the window shows first, right
//!   after the load (the bill computed) and in a new process the next morning (a window started
//!   again: the summary kept in the database), then `warm` (what the window does while the clerk
//!   reads the dashboard) with the members table's first page and the dashboard asked for while
//!   it runs (the rows kept in the database), and the members and changes after it;
//! - the members table's first page (the ledger replayed and the table indexed, cold), a page
//!   when scrolled, a search by kana, an office filter;
//! - the HR file's import and accepting all of its changes;
//! - the preview of a selection's effect per office.
//!
//! Each timed step runs three times where repeating it does not change the data; the best is
//! reported (the machine may be busy).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use infoone_desk::{MemberQuery, Session};

fn ok<T>(r: infoone_app::Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{:?}: {}", e.code, e.message),
    }
}

fn time<T>(label: &str, rounds: usize, mut f: impl FnMut() -> T) -> T {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..rounds {
        let t = Instant::now();
        out = Some(f());
        best = best.min(t.elapsed());
    }
    println!("{label:<58} {:>9.1} ms", best.as_secs_f64() * 1000.0);
    out.expect("at least one round")
}

/// A window started again on the prepared database: a new process, so nothing is in memory.
fn cold_start(db: &std::path::Path, when: &str) {
    let t = Instant::now();
    let session = ok(Session::open(db));
    ok(session.overview());
    println!(
        "{:<58} {:>9.1} ms",
        format!("window started again {when}: session + dashboard"),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let first_page = || {
        ok(session.members(&MemberQuery {
            limit: 200,
            ..MemberQuery::default()
        }))
    };
    // The window calls warm right after the dashboard; the clerk clicks meanwhile.
    std::thread::scope(|scope| {
        let warm = scope.spawn(|| {
            let t = Instant::now();
            ok(session.warm());
            t.elapsed()
        });
        std::thread::sleep(Duration::from_millis(20));
        time("  members: first page, warm running", 1, first_page);
        time("  dashboard again, warm running", 1, || ok(session.overview()));
        let took = warm.join().expect("warm");
        println!(
            "{:<58} {:>9.1} ms",
            "  warm (members kept, package, ledger)",
            took.as_secs_f64() * 1000.0
        );
    });
    time("  then members: first page", 1, first_page);
    time("  then the changes list", 1, || ok(session.changes(&first_pages())));
}

fn restart(db: &std::path::Path, when: &str) {
    let exe = std::env::current_exe().expect("this program");
    let status = std::process::Command::new(exe)
        .env("BENCH_DESK_COLD", db)
        .env("BENCH_DESK_WHEN", when)
        .status()
        .expect("the cold start");
    assert!(status.success(), "the cold start failed");
}

fn main() {
    if let Some(db) = std::env::var_os("BENCH_DESK_COLD") {
        let when = std::env::var("BENCH_DESK_WHEN").unwrap_or_default();
        cold_start(std::path::Path::new(&db), &when);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or_else(|| PathBuf::from("target/bench"), PathBuf::from);
    let members: usize = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(300_000);
    let work = dir.join(format!("bench-desk-{members}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("bench dir");
    let spec = infoone_sample::SampleSpec {
        members,
        offices: (members / 150).max(1),
        ..infoone_sample::SampleSpec::default()
    };
    let sample = infoone_sample::generate(&spec);
    infoone_sample::write_all(&sample, &work).expect("sample files");
    let db = work.join("infoone.db");
    println!("{members} members, {} offices", spec.offices);
    let session = time("open the session (a new database)", 1, || ok(Session::open(&db)));
    ok(session.load_file(&work.join("bill-package.json")));
    time("dashboard right after the load (the bill computed)", 1, || {
        ok(session.overview())
    });
    restart(&db, "(loaded)");
    let q = |text: &str, office: Option<String>, offset: u32| MemberQuery {
        text: text.into(),
        office,
        offset,
        limit: 200,
        ..MemberQuery::default()
    };
    let first = time("members: first page (ledger replayed, table indexed)", 1, || {
        ok(session.members(&q("", None, 0)))
    });
    time("members: a page further down (offset 150,000)", 3, || {
        ok(session.members(&q("", None, 150_000)))
    });
    let kana: String = first.rows[0].name_kana.chars().take(4).collect();
    let found = time(&format!("members: search 「{kana}」"), 3, || {
        ok(session.members(&q(&kana, None, 0)))
    });
    println!("{:>58} {} found", "", found.total);
    let office = first.offices.get(first.offices.len() / 2).cloned();
    time("members: filter by one office", 3, || {
        ok(session.members(&q("", office.clone(), 0)))
    });

    let hr = time("HR import (xlsx) → proposed changes", 1, || {
        ok(session.import_hr(&work.join("hr.xlsx"), &|_| {}))
    });
    println!("{:>58} {} rows, {} proposed", "", hr.rows, hr.proposed);
    let ids: Vec<i64> = ok(session.changes(&first_pages()))
        .groups
        .iter()
        .flat_map(|g| g.open.iter().copied())
        .take(50)
        .collect();
    time("preview of 50 selected changes per office", 3, || {
        ok(session.preview(&ids))
    });
    let decided = time("accept all of the HR file's changes", 1, || {
        ok(session.accept(None, &|_| {}))
    });
    println!("{:>58} {} accepted", "", decided.accepted);
    time("dashboard after accepting (bill recomputed)", 1, || {
        ok(session.overview())
    });
    time("members: first page after the changes", 1, || {
        ok(session.members(&q("", None, 0)))
    });
    restart(&db, "(9,300 accepted)");
}

/// Every group's first page, as the review screen opens.
fn first_pages() -> infoone_desk::ChangeQuery {
    infoone_desk::ChangeQuery {
        group: None,
        offset: 0,
        limit: 300,
    }
}
