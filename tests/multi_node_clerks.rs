//! Clerks of many groups working their months through nginx in front of three `infoone server`
//! nodes on one PostgreSQL ledger, while one node is killed (SIGKILL) mid-run and started again
//! (issue 8). `tests/multi-node.sh` starts the nodes and nginx and runs this test with:
//!
//! - `INFOONE_LB_URL`, `INFOONE_LB_CA`: nginx's URL and the CA it is trusted with;
//! - `INFOONE_STAFF`: the staff token; `INFOONE_TEST_PG`: the ledger, read at the end;
//! - `INFOONE_KILL_PID`, `INFOONE_KILL_URL`: the node to kill once a third of the months are
//!   recorded (the script starts it again when it is gone), and its own URL: the kill comes while
//!   that node is recomputing a 2,000-member report sent to it directly, which its clerk then
//!   sends again through nginx with the same idempotency key;
//! - `MULTI_NODE_GROUPS` × `MULTI_NODE_MONTHS` (10 × 5 in CI, 50 × 20 outside).
//!
//! Each clerk is `infoone_client` and `infoone_app` as the desktop uses them (token in memory):
//! the month's package fetched from the server, every proposal accepted, the bill confirmed,
//! payroll's results (no exceptions) imported, the report submitted through the outbox, which
//! sends again with the same idempotency key until the insurer answers. Then: every month of
//! every group recorded exactly once in the ledger with the clerk's receipt, every receipt unique.
//! Without `INFOONE_LB_URL` (a plain `cargo test`) it says so and does nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use infoone_app::infoone_store::{LedgerTx, Store};
use infoone_app::{MonthRef, Selection};
use infoone_client::{Client, MemoryTokens, Online, Options, Outcome, Token};
use infoone_domain::deduction::Mode;
use infoone_domain::month::YearMonth;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn now() -> chrono::NaiveDateTime {
    "2026-11-26T10:00:00".parse().unwrap()
}

/// A few tries of `f` while a node is down (nginx may answer 502 for a request that was on it).
fn patiently<T>(what: &str, mut f: impl FnMut() -> Result<T, String>) -> T {
    let mut last = String::new();
    for _ in 0..40 {
        match f() {
            Ok(v) => return v,
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("{what}: {last}");
}

struct Clerk {
    url: String,
    ca: PathBuf,
    group: String,
    token: Token,
}

impl Clerk {
    /// One month, start to end, in a fresh local database; the receipt number.
    fn month(&self, dir: &Path, month: YearMonth) -> String {
        let tokens = MemoryTokens::with(&self.url, &self.group, &self.token);
        let online = Online {
            tokens: &tokens,
            options: Options::default(),
        };
        let mut store = Store::open(&dir.join(format!("clerk-{month}.db"))).unwrap();
        infoone_client::login(&mut store, &tokens, &self.url, &self.group, Some(&self.ca), &self.token).unwrap();
        patiently(&format!("{} {month}: package", self.group), || {
            infoone_client::load_from_server(&mut store, Some(&self.group), month, &online)
                .map(drop)
                .map_err(|e| e.message)
        });
        let at = MonthRef::new(month);
        infoone_app::accept(&mut store, &at, &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut store, &at, now()).unwrap();
        let csv = dir.join(format!("deductions-{month}.csv"));
        std::fs::write(&csv, "社員番号,控除額,理由\n").unwrap();
        infoone_app::import_deductions(&mut store, &at, &csv, Mode::Exceptions, now()).unwrap();
        let report = dir.join(format!("report-{month}.json"));
        let sent = infoone_client::submit_month(&mut store, &at, &report, &online).unwrap();
        let mut outcome = sent.this_month().map(|d| d.outcome.clone());
        for _ in 0..40 {
            match &outcome {
                Some(Outcome::Sent { receipt, .. } | Outcome::AlreadyReported { receipt, .. }) => {
                    return receipt.receipt_no.clone();
                }
                Some(Outcome::Refused { error }) => panic!("{} {month} refused: {}", self.group, error.message),
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(250));
            let again = infoone_client::flush_outbox(&mut store, &online, None).unwrap();
            outcome = again
                .into_iter()
                .find(|d| d.entry.month == month.to_string())
                .map(|d| d.outcome);
        }
        panic!("{} {month}: still not delivered: {outcome:?}", self.group)
    }
}

impl Clerk {
    /// The month worked up to its report (not sent): the report's bytes.
    fn report_only(&self, dir: &Path, month: YearMonth) -> Vec<u8> {
        let tokens = MemoryTokens::with(&self.url, &self.group, &self.token);
        let online = Online {
            tokens: &tokens,
            options: Options::default(),
        };
        let mut store = Store::open(&dir.join(format!("big-{month}.db"))).unwrap();
        infoone_client::login(&mut store, &tokens, &self.url, &self.group, Some(&self.ca), &self.token).unwrap();
        infoone_client::load_from_server(&mut store, Some(&self.group), month, &online).unwrap();
        let at = MonthRef::new(month);
        infoone_app::accept(&mut store, &at, &Selection::All, now()).unwrap();
        infoone_app::confirm(&mut store, &at, now()).unwrap();
        let csv = dir.join("big-deductions.csv");
        std::fs::write(&csv, "社員番号,控除額,理由\n").unwrap();
        infoone_app::import_deductions(&mut store, &at, &csv, Mode::Exceptions, now()).unwrap();
        let out = dir.join("big-report.json");
        infoone_app::write_report(&mut store, &at, &out, now()).unwrap();
        std::fs::read(out).unwrap()
    }
}

/// Send `report` straight to the node at `node_url`, kill the node (`pid`) while it works on it,
/// then send it again through nginx with the same key. Whether the first request was cut, and
/// the receipt number nginx's node answered.
fn cut_mid_report(clerk: &Clerk, node_url: &str, pid: &str, report: &[u8]) -> (bool, String) {
    const KEY: &str = "cut-mid-report";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let direct = Client::new(node_url, Some(&clerk.ca), &clerk.token, &Options::default()).unwrap();
    let first = std::thread::scope(|s| {
        let sent = s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(direct.submit_report(&clerk.group, "2026-12", KEY, report))
        });
        std::thread::sleep(Duration::from_millis(60));
        let status = std::process::Command::new("kill").args(["-9", pid]).status().unwrap();
        assert!(status.success(), "kill -9 {pid}");
        sent.join().unwrap()
    });
    let cut = first.is_err();
    let via_nginx = Client::new(&clerk.url, Some(&clerk.ca), &clerk.token, &Options::default()).unwrap();
    let again = patiently("the report again through nginx", || {
        rt.block_on(via_nginx.submit_report(&clerk.group, "2026-12", KEY, report))
            .map_err(|e| e.message)
    });
    (cut, again.receipt.receipt_no)
}

#[test]
fn every_month_of_every_group_recorded_once_through_nginx_while_a_node_is_killed() {
    let (Some(url), Some(ca), Some(staff), Some(pg)) = (
        env("INFOONE_LB_URL"),
        env("INFOONE_LB_CA"),
        env("INFOONE_STAFF"),
        env("INFOONE_TEST_PG"),
    ) else {
        let _ = writeln!(
            std::io::stderr(),
            "multi_node_clerks: INFOONE_LB_URL is not set, nothing tried (run by tests/multi-node.sh)"
        );
        return;
    };
    let ca = PathBuf::from(ca);
    let groups: usize = env("MULTI_NODE_GROUPS").and_then(|g| g.parse().ok()).unwrap_or(10);
    let months: usize = env("MULTI_NODE_MONTHS").and_then(|m| m.parse().ok()).unwrap_or(5);
    let package = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/worked-example/bill-package.json"),
    )
    .unwrap();

    // The groups loaded and their tokens issued through nginx, as insurer staff.
    let admin = Client::new(&url, Some(&ca), &Token::new(&staff).unwrap(), &Options::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut clerks = Vec::new();
    for g in 0..groups {
        let group = format!("G{}", 1001 + g);
        let body = package.replacen("\"G0001\"", &format!("\"{group}\""), 1);
        rt.block_on(admin.admin_load_package(body.as_bytes())).unwrap();
        let token = rt.block_on(admin.admin_create_token(&group)).unwrap();
        clerks.push(Clerk {
            url: url.clone(),
            ca: ca.clone(),
            group,
            token,
        });
    }
    let first: YearMonth = "2026-12".parse().unwrap();
    // The sample group (G0002, 2,000 members): its December report made now, sent at the kill.
    let big_dir = tempfile::tempdir().unwrap();
    let big = {
        let package =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/bill-package.json")).unwrap();
        let loaded = rt.block_on(admin.admin_load_package(&package)).unwrap();
        let group = loaded["group"].as_str().unwrap().to_string();
        let token = rt.block_on(admin.admin_create_token(&group)).unwrap();
        let clerk = Clerk {
            url: url.clone(),
            ca: ca.clone(),
            group,
            token,
        };
        let report = clerk.report_only(big_dir.path(), first);
        (clerk, report)
    };

    let total = groups * months;
    let recorded = AtomicUsize::new(0);
    let started = Instant::now();
    let receipts = std::thread::scope(|s| {
        // The killer: once a third of the months are recorded, node INFOONE_KILL_PID goes.
        let killer = s.spawn(|| {
            let pid = env("INFOONE_KILL_PID")?;
            let node_url = env("INFOONE_KILL_URL")?;
            let deadline = Instant::now() + Duration::from_secs(600);
            while recorded.load(Ordering::SeqCst) < total / 3 {
                if Instant::now() > deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let at = recorded.load(Ordering::SeqCst);
            let (cut, receipt) = cut_mid_report(&big.0, &node_url, &pid, &big.1);
            Some((at, cut, receipt))
        });
        let workers: Vec<_> = clerks
            .iter()
            .map(|clerk| {
                let recorded = &recorded;
                s.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    let mut month = first;
                    let mut got = Vec::new();
                    for _ in 0..months {
                        got.push(clerk.month(dir.path(), month));
                        recorded.fetch_add(1, Ordering::SeqCst);
                        month = month.next();
                    }
                    (clerk.group.clone(), got)
                })
            })
            .collect();
        let receipts: Vec<(String, Vec<String>)> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        (receipts, killer.join().unwrap())
    });
    let (receipts, killed) = receipts;
    if let Some((at, cut, _)) = &killed {
        let _ = writeln!(
            std::io::stderr(),
            "multi_node_clerks: node killed after {at} of {total} months, {} a 2,000-member report it was working on",
            if *cut { "cutting" } else { "after it answered" }
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "multi_node_clerks: {groups} groups x {months} months recorded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Every receipt unique.
    let all: Vec<&String> = receipts.iter().flat_map(|(_, r)| r).collect();
    let unique: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!((all.len(), unique.len()), (total, total), "every receipt unique");

    // The ledger: each month of each group recorded once, with the receipt its clerk holds.
    let ledger = infoone_ledger_pg::PgLedger::connect(&pg, &infoone_ledger_pg::Options { pool_size: 2 }).unwrap();
    let (stored, accepts) = ledger
        .read(|tx| {
            let mut stored = BTreeMap::new();
            for (group, _) in &receipts {
                let mut month = first;
                for _ in 0..months {
                    let row = tx.srv_report_for_month(group, &month.to_string())?;
                    stored.insert((group.clone(), month.to_string()), row.map(|r| r.receipt_no));
                    month = month.next();
                }
            }
            let big_row = tx.srv_report_for_month(&big.0.group, "2026-12")?.map(|r| r.receipt_no);
            stored.insert((big.0.group.clone(), "2026-12".to_string()), big_row);
            let accepts = tx
                .audit_log(None)?
                .iter()
                .filter(|a| a.action == "server.report.accept")
                .count();
            Ok::<_, infoone_app::infoone_store::StoreError>((stored, accepts))
        })
        .unwrap();
    for (group, got) in &receipts {
        let mut month = first;
        for receipt in got {
            assert_eq!(
                stored[&(group.clone(), month.to_string())].as_ref(),
                Some(receipt),
                "{group} {month}"
            );
            month = month.next();
        }
    }
    let extra = match &killed {
        Some((_, _, receipt)) => {
            // The cut report: recorded once, with the receipt its resend was answered.
            assert_eq!(
                stored[&(big.0.group.clone(), "2026-12".to_string())].as_ref(),
                Some(receipt)
            );
            assert!(!unique.contains(receipt));
            1
        }
        None => 0,
    };
    assert_eq!(accepts, total + extra, "one accepted report per month in the audit log");
}
