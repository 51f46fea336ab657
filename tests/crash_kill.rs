//! Crash safety (issue 9, item 3; docs/RELIABILITY.md "Crash safety"): the real `infoone`
//! binary is killed with SIGKILL at random points of each month-end step that writes, and after
//! every kill the database is sound (`PRAGMA integrity_check` = ok) and holds exactly what it
//! held before the command or exactly what an uninterrupted run of the same command leaves
//! (every row of every table, compared in full), and no output file is half written under its
//! final name (a final-name file is absent or byte-identical to the uninterrupted run's), and a
//! backup made before a confirm is either complete (it passes `check_database`) or absent.
//!
//! Timestamps differ between two runs of the same command, so the compared dumps mask every
//! column named `at` or ending in `_at` (the audit log's `at`, `created_at`, `decided_at`,
//! `updated_at` …). For `report submit` (the report queued in the outbox for an insurer that
//! cannot be reached) the outbox's attempt bookkeeping — `attempts`, `last_error`, the claim —
//! is masked too: after queueing, the command retries with backoff, each retry its own commit.
//! The time in the name of the backup a confirm makes, which its audit row names, is masked
//! as well.
//!
//! The kill delay is uniform over 0–110 % of the uninterrupted run's duration (over its first
//! 15 % for `report submit`, whose write and queueing come first and whose rest is backoff).
//!
//! Default: a short run (`INFOONE_KILLS`, 2 per command) on a 5,000-member sample group
//! (`INFOONE_KILL_MEMBERS`); the full run: `INFOONE_KILLS=200 INFOONE_KILL_MEMBERS=20000`.
//! The random delays come from a seeded generator; the seed is printed
//! (`INFOONE_KILL_SEED` repeats a run).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use infoone_app::infoone_store::backup::Value;
use infoone_app::infoone_store::backup::{check_database, Dump};
use infoone_app::infoone_store::{DbKey, Store};
use infoone_formats::atomic::is_temporary_name;

const MONTH: &str = "2026-12";
const TOKEN: &str = "crash-kill-token-0123456789";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// splitmix64: small, seeded, good enough to spread kill points.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const DB_KEY: &str = "2f1e8d7c6b5a49382716f5e4d3c2b1a0ffeeddccbbaa99887766554433221100";

fn key() -> DbKey {
    DbKey::from_hex(DB_KEY).unwrap()
}

fn infoone(db: &Path, cwd: &Path, args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_infoone"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .current_dir(cwd)
        .env("INFOONE_TOKEN", TOKEN)
        .env("INFOONE_GROUP", "G0002")
        // Encrypted as a clerk's database is; the key given so copies of it open anywhere.
        .env("INFOONE_DB_KEY", DB_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_ok(db: &Path, cwd: &Path, args: &[String]) {
    let out = infoone(db, cwd, args).output().unwrap();
    assert!(
        out.status.success(),
        "infoone {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// One step under test: the database state it starts from and its arguments (`{OUT}` is
/// replaced by the run's output folder).
struct Step {
    name: &'static str,
    base: &'static str,
    args: Vec<String>,
    /// Exits non-zero although it did its work (the report queued, the insurer unreachable).
    fails_when_done: bool,
    mask_outbox_attempts: bool,
    /// The kill delay is drawn uniformly over this fraction of the uninterrupted run's duration.
    window: f64,
}

fn masked_dump(db: &Path, outbox_attempts: bool) -> (String, Dump) {
    let (store, _) = Store::open_encrypted(db, &key()).unwrap_or_else(|e| panic!("{}: {e}", db.display()));
    let integrity = store.integrity_check().unwrap();
    let dump = store
        .dump(|table, column| {
            column == "at"
                || column.ends_with("_at")
                || (outbox_attempts
                    && table == "outbox"
                    && matches!(column, "attempts" | "last_error" | "claimed_by" | "claimed_until"))
        })
        .unwrap();
    (integrity, dump.into_iter().map(mask_backup_times).collect())
}

/// The backup a confirm makes is named after the time (`2026-12-05T121500_…`), and the
/// confirm's audit row names it: that time is masked like the others.
fn mask_backup_times(
    (table, columns, rows): (String, Vec<String>, Vec<Vec<Value>>),
) -> (String, Vec<String>, Vec<Vec<Value>>) {
    if table != "audit_log" {
        return (table, columns, rows);
    }
    let is_stamp = |w: &[u8]| {
        w.len() == 17
            && w.iter().enumerate().all(|(i, &b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                _ => b.is_ascii_digit(),
            })
    };
    let rows = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|v| match v {
                    Value::Text(t) if t.contains("before-confirm") => {
                        let b = t.as_bytes();
                        let mut out = String::with_capacity(t.len());
                        let mut i = 0;
                        while i < b.len() {
                            if i + 17 <= b.len() && is_stamp(&b[i..i + 17]) {
                                out.push_str("<time>");
                                i += 17;
                            } else {
                                let ch = t[i..].chars().next().unwrap_or(' ');
                                out.push(ch);
                                i += ch.len_utf8();
                            }
                        }
                        Value::Text(out)
                    }
                    other => other,
                })
                .collect()
        })
        .collect();
    (table, columns, rows)
}

/// The first difference between two dumps, for a failure message.
fn first_difference(a: &Dump, b: &Dump) -> String {
    for ((ta, ca, ra), (tb, _, rb)) in a.iter().zip(b) {
        if ta != tb {
            return format!("tables {ta} ≠ {tb}");
        }
        if ra.len() != rb.len() {
            return format!("{ta}: {} rows ≠ {} rows", ra.len(), rb.len());
        }
        for (x, y) in ra.iter().zip(rb) {
            if x != y {
                let cols: Vec<_> = ca
                    .iter()
                    .zip(x.iter().zip(y))
                    .filter(|(_, (p, q))| p != q)
                    .map(|(c, _)| c.as_str())
                    .collect();
                return format!("{ta}: a row differs in {cols:?}");
            }
        }
    }
    "the table lists differ".into()
}

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_db(from: &Path, to: &Path) {
    for ext in ["-wal", "-shm"] {
        assert!(
            !Path::new(&format!("{}{ext}", from.display())).exists(),
            "{} has a {ext}",
            from.display()
        );
        let _ = std::fs::remove_file(format!("{}{ext}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
}

#[derive(Default)]
struct Tally {
    kills: usize,
    before: usize,
    after: usize,
    finished_first: usize,
    temp_left: usize,
    final_files_seen: usize,
    backups_checked: usize,
}

#[test]
fn killed_at_random_points_every_step_leaves_the_month_as_before_or_as_after() {
    let started = Instant::now();
    let kills_total = env_num("INFOONE_KILLS", 18);
    let members = env_num("INFOONE_KILL_MEMBERS", 5000);
    let seed = env_num(
        "INFOONE_KILL_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    );
    println!("crash_kill: seed {seed} (INFOONE_KILL_SEED={seed} repeats it), {kills_total} kills, {members} members");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let sample = root.join("sample");
    let out = Command::new(env!("CARGO_BIN_EXE_infoone"))
        .args([
            "sample",
            "--members",
            &members.to_string(),
            "--offices",
            "12",
            "--month",
            MONTH,
            "--out",
        ])
        .arg(&sample)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = |n: &str| sample.join(n).display().to_string();

    // The month's states, each a database file the steps start from.
    let states = root.join("states");
    std::fs::create_dir_all(&states).unwrap();
    let work = root.join("work.db");
    let chain: [(&str, Vec<String>); 5] = [
        ("loaded", s(&["month", "load", &file("bill-package.json")])),
        ("hr", s(&["hr", "import", &file("hr.csv"), "--month", MONTH])),
        ("accepted", s(&["changes", "accept", "--all", "--month", MONTH])),
        ("confirmed", s(&["month", "confirm", "--month", MONTH])),
        (
            "deducted",
            s(&[
                "deductions",
                "import",
                &file("deductions.csv"),
                "--month",
                MONTH,
                "--mode",
                "exceptions",
            ]),
        ),
    ];
    for (name, args) in &chain {
        run_ok(&work, root, args);
        copy_db(&work, &states.join(format!("{name}.db")));
    }
    // The report's queue: an insurer configured that cannot be reached (nothing listens on
    // port 9), so `report submit` writes the report, queues it and retries.
    let queued = states.join("deducted-online.db");
    copy_db(&states.join("deducted.db"), &queued);
    {
        let (mut store, _) = Store::open_encrypted(&queued, &key()).unwrap();
        store
            .transaction(|tx| tx.set_server("G0002", "https://127.0.0.1:9", None, "2026-12-05T00:00:00"))
            .unwrap();
    }

    let step = |name, base, args: Vec<String>| Step {
        name,
        base,
        args,
        fails_when_done: false,
        mask_outbox_attempts: false,
        window: 1.1,
    };
    let steps = vec![
        step(
            "hr import",
            "loaded",
            s(&["hr", "import", &file("hr.csv"), "--month", MONTH]),
        ),
        step(
            "changes accept --all",
            "hr",
            s(&["changes", "accept", "--all", "--month", MONTH]),
        ),
        step("month confirm", "accepted", s(&["month", "confirm", "--month", MONTH])),
        step(
            "deductions import",
            "confirmed",
            s(&[
                "deductions",
                "import",
                &file("deductions.csv"),
                "--month",
                MONTH,
                "--mode",
                "exceptions",
            ]),
        ),
        step(
            "export invoices",
            "confirmed",
            s(&["export", "invoices", "--month", MONTH, "--out", "{OUT}"]),
        ),
        step(
            "export roster",
            "confirmed",
            s(&["export", "roster", "--month", MONTH, "--out", "{OUT}"]),
        ),
        step(
            "export extract --xlsx",
            "confirmed",
            s(&["export", "extract", "--month", MONTH, "--out", "{OUT}", "--xlsx"]),
        ),
        step(
            "report write",
            "deducted",
            s(&["report", "write", "--month", MONTH, "--out", "{OUT}/report.json"]),
        ),
        // Writing and queueing the report takes the first ~0.5 s; the rest of the run is the
        // retries' backoff. Over the whole run nearly every kill would land after the queueing,
        // so the kills are drawn over its first 15 %.
        Step {
            fails_when_done: true,
            mask_outbox_attempts: true,
            window: 0.15,
            ..step(
                "report submit (queued)",
                "deducted-online",
                s(&["report", "submit", "--month", MONTH]),
            )
        },
    ];

    let per_step = (kills_total as usize).div_ceil(steps.len()).max(1);
    let mut report = Vec::new();
    for st in &steps {
        let base = states.join(format!("{}.db", st.base));
        let with_out = |out: &Path| -> Vec<String> {
            st.args
                .iter()
                .map(|a| a.replace("{OUT}", &out.display().to_string()))
                .collect()
        };
        let (_, before) = masked_dump(&base, st.mask_outbox_attempts);

        // The uninterrupted run, on a copy: the "after" state, its files and its duration.
        // Run where the killed runs run (the output path is in the audit log), then moved aside.
        let (run, db) = (root.join("run"), root.join("run.db"));
        let _ = std::fs::remove_dir_all(&run);
        std::fs::create_dir_all(&run).unwrap();
        copy_db(&base, &db);
        let t = Instant::now();
        let status = infoone(&db, &run, &with_out(&run)).status().unwrap();
        let duration = t.elapsed();
        let (ref_dir, ref_db) = (root.join("ref"), root.join("ref.db"));
        let _ = std::fs::remove_dir_all(&ref_dir);
        std::fs::rename(&run, &ref_dir).unwrap();
        std::fs::rename(&db, &ref_db).unwrap();
        assert_eq!(status.success(), !st.fails_when_done, "{}: {status}", st.name);
        let (integrity, after) = masked_dump(&ref_db, st.mask_outbox_attempts);
        assert_eq!(integrity, "ok");
        // The outputs write files only (the database is as before either way).
        let writes_db = before != after;
        let ref_files = files_of(&ref_dir);

        let mut tally = Tally::default();
        for k in 0..per_step {
            let _ = std::fs::remove_dir_all(&run);
            std::fs::create_dir_all(&run).unwrap();
            copy_db(&base, &db);
            // The backups a confirm makes beside the database (each a copy of it).
            let _ = std::fs::remove_dir_all(root.join("backups"));
            let delay = duration.mul_f64(rng.unit() * st.window);
            let mut child = infoone(&db, &run, &with_out(&run)).spawn().unwrap();
            std::thread::sleep(delay);
            let finished = child.try_wait().unwrap().is_some();
            // Child::kill is SIGKILL on Unix: no handler, no cleanup, no flush.
            let _ = child.kill();
            let _ = child.wait();
            tally.kills += 1;
            if finished {
                tally.finished_first += 1;
            }
            let (integrity, now) = masked_dump(&db, st.mask_outbox_attempts);
            assert_eq!(
                integrity, "ok",
                "{} kill {k} after {delay:?}: integrity_check (seed {seed})",
                st.name
            );
            if now == before {
                tally.before += 1;
                if !writes_db && finished {
                    tally.after += 1;
                    tally.before -= 1;
                }
            } else if now == after {
                tally.after += 1;
            } else {
                panic!(
                    "{} kill {k} after {delay:?} (seed {seed}): the database is neither as before nor as after: \
                     vs before: {}; vs after: {}",
                    st.name,
                    first_difference(&now, &before),
                    first_difference(&now, &after)
                );
            }
            // A backup (confirm) is complete under its final name or not there at all.
            if let Ok(entries) = std::fs::read_dir(root.join("backups")) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if is_temporary_name(&name) {
                        tally.temp_left += 1;
                    } else {
                        check_database(&e.path(), Some(&key())).unwrap_or_else(|err| {
                            panic!(
                                "{} kill {k} after {delay:?} (seed {seed}): backup {name}: {err}",
                                st.name
                            )
                        });
                        tally.backups_checked += 1;
                    }
                }
            }
            for (name, bytes) in files_of(&run) {
                let base_name = Path::new(&name).file_name().unwrap().to_string_lossy().into_owned();
                if is_temporary_name(&base_name) {
                    tally.temp_left += 1;
                    continue;
                }
                tally.final_files_seen += 1;
                let expected = ref_files.get(&name);
                assert!(
                    expected == Some(&bytes),
                    "{} kill {k} after {delay:?} (seed {seed}): {name} is under its final name but {}",
                    st.name,
                    if expected.is_some() {
                        "differs from the uninterrupted run's (half written?)"
                    } else {
                        "the uninterrupted run has no such file"
                    }
                );
            }
        }
        let line = format!(
            "{:<24} {:>6.2} s (kills over {:>3.0} %)  kills {:>3}: as before {:>3}, as after {:>3} (finished before the kill {:>2}){}; \
             final-name files checked {:>4}, backups checked {:>3}, temporary files left {:>3}",
            st.name,
            duration.as_secs_f64(),
            st.window * 100.0,
            tally.kills,
            tally.before,
            tally.after,
            tally.finished_first,
            if writes_db { "" } else { " (writes no database row)" },
            tally.final_files_seen,
            tally.backups_checked,
            tally.temp_left
        );
        println!("{line}");
        report.push((st.name, tally));
    }
    let total: usize = report.iter().map(|(_, t)| t.kills).sum();
    let before: usize = report.iter().map(|(_, t)| t.before).sum();
    let after: usize = report.iter().map(|(_, t)| t.after).sum();
    println!(
        "crash_kill: {total} kills, {before} as before, {after} as after, in {:.0} s (seed {seed})",
        started.elapsed().as_secs_f64()
    );
}
