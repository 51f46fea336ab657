//! Every step the window offers, through the session value the Tauri commands call: the sample
//! group's whole month against the local insurer over real HTTPS (fetch, HR import with a refused
//! file first, preview, accept, a manual withdrawal, confirm, outputs, deductions, submit with
//! a receipt), and the reads in between.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use infoone_app::{ErrorCode, ManualChange};
use infoone_desk::{ChangeQuery, MemberQuery, ReconQuery, Session};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sample(name: &str) -> PathBuf {
    root().join("sample-data").join(name)
}

fn ok<T>(r: infoone_app::Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{:?}: {}", e.code, e.message),
    }
}

#[test]
fn the_whole_month_through_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clerk").join("infoone.db");
    let session = ok(Session::open(&db));

    // Before anything is loaded: an empty window with a message a clerk can act on.
    let empty = ok(session.overview());
    assert!(empty.current.is_none() && empty.months.is_empty());
    let e = session.changes(&first_pages()).err().unwrap();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(
        !e.message.contains("infoone "),
        "no terminal command in the window: {}",
        e.message
    );

    // The insurer over real TLS on loopback; the package fetched from it.
    let cfg = ok(session.start_demo(&dir.path().join("insurer"), &sample("bill-package.json")));
    assert!(cfg.url.starts_with("https://127.0.0.1:"));
    let loaded = ok(session.load_from_server("2026-12"));
    assert_eq!((loaded.group.as_str(), loaded.offices), (cfg.group.as_str(), 12));
    let o = ok(session.overview());
    assert!(o.demo && o.token_saved);
    assert!(o.connection.as_ref().is_some_and(|c| c.ok));
    let d = o.current.unwrap();
    assert!(
        matches!(d.status.state.as_str(), "loaded" | "adjusting"),
        "{}",
        d.status.state
    );
    assert!(d.steps.iter().any(|s| s.current && s.code == d.status.state));
    assert_eq!(d.steps.iter().filter(|s| s.current).count(), 1);

    // A refused HR file changes nothing; the message is positioned.
    let bad = dir.path().join("bad-hr.csv");
    std::fs::write(
        &bad,
        "社員番号,氏名,事業所コード,生年月日\n000001,山田,O001,1990-13-45\n",
    )
    .unwrap();
    let before = ok(session.changes(&first_pages())).counts;
    let e = session.import_hr(&bad, &|_| {}).err().unwrap();
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);
    assert!(e.message.contains("bad-hr.csv"), "{}", e.message);
    assert_eq!(ok(session.changes(&first_pages())).counts, before);

    // The good file: proposed changes, previewed per office, then accepted.
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |p: infoone_desk::Progress| seen.lock().unwrap().push((p.done, p.total, p.label));
    let hr = ok(session.import_hr(&sample("hr.xlsx"), &record));
    assert!(hr.proposed > 0);
    // The window's bar: the file read, then every row compared with the ledger, to the end.
    let ticks = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(ticks[0], (0, 1, "人事データを読んでいます".to_string()));
    let rows = u32::try_from(hr.rows).unwrap();
    assert_eq!(
        ticks.last().unwrap(),
        &(rows, rows, "加入者と照合しています".to_string())
    );
    assert!(ticks.len() > 50 && ticks.len() <= 102, "{}", ticks.len());
    let list = ok(session.changes(&first_pages()));
    let proposed: Vec<i64> = list.groups.iter().flat_map(|g| g.open.iter().copied()).collect();
    assert_eq!(proposed.len() as u32, list.proposed);
    // The next page of a group: the items after the first page, newest first.
    let big = list.groups.iter().max_by_key(|g| g.total).unwrap();
    let next = ok(session.changes(&ChangeQuery {
        group: Some(big.key.clone()),
        offset: 1,
        limit: 300,
    }));
    assert_eq!(next.groups.len(), 1);
    assert_eq!(next.groups[0].items.len() as u32, big.total - 1);
    assert!(next.groups[0].items.windows(2).all(|w| w[0].id > w[1].id));
    let preview = ok(session.preview(&proposed));
    assert_eq!(
        preview.offices.iter().map(|o| o.after).sum::<i64>(),
        preview.after_total
    );
    assert_eq!(
        preview.offices.iter().map(|o| o.delta).sum::<i64>(),
        preview.after_total - preview.before_total
    );
    let decided = ok(session.accept(None, &record));
    assert_eq!(decided.accepted, proposed.len() - preview.refused.len());
    let ticks = std::mem::take(&mut *seen.lock().unwrap());
    let n = u32::try_from(decided.accepted).unwrap();
    assert_eq!(
        ticks.last().unwrap(),
        &(n, n, "変更を加入者に反映しています".to_string())
    );
    let bill = ok(session.bill());
    assert_eq!(bill.totals.invoice_amount, preview.after_total);
    assert_eq!(
        bill.offices.iter().map(|o| o.totals.invoice_amount).sum::<i64>(),
        bill.totals.invoice_amount
    );
    // Each office's lines come a page at a time: every line once, in order, then none.
    let office = bill.offices.iter().max_by_key(|o| o.lines).unwrap();
    let mut lines = Vec::new();
    while lines.len() < office.lines as usize {
        let page = ok(session.bill_lines(&office.code, lines.len() as u32, 7));
        assert_eq!((page.total, page.offset as usize), (office.lines, lines.len()));
        assert!(!page.lines.is_empty() && page.lines.len() <= 7);
        lines.extend(page.lines);
    }
    assert!(ok(session.bill_lines(&office.code, office.lines, 7)).lines.is_empty());
    assert_eq!(ok(session.bill_lines("no such office", 0, 7)).total, 0);
    assert_eq!(lines.iter().map(|l| l.amount).sum::<i64>(), office.totals.premium_total);

    // The members table: filter, search folded for width and kana, the member page.
    let all = ok(session.members(&MemberQuery {
        limit: 50,
        ..MemberQuery::default()
    }));
    assert_eq!(all.rows.len(), 50);
    assert!(all.total >= 2000 && all.offices.len() == 12);
    let first = all.rows[0].clone();
    let by_office = ok(session.members(&MemberQuery {
        office: Some(first.office.clone()),
        limit: 1000,
        ..MemberQuery::default()
    }));
    assert!(by_office.rows.iter().all(|r| r.office == first.office) && by_office.total < all.total);
    let found = ok(session.members(&MemberQuery {
        text: first.name_kana.clone(),
        limit: 1000,
        ..MemberQuery::default()
    }));
    assert!(found.rows.iter().any(|r| r.employee_no == first.employee_no));
    let page = ok(session.member(&first.employee_no));
    assert_eq!(page.row.employee_no, first.employee_no);

    // A manual withdrawal (paper form), accepted at once.
    let enrollment = page
        .enrollments
        .iter()
        .find(|e| e.end_month.is_none())
        .map(|e| e.id.clone());
    if let Some(enrollment) = enrollment {
        let c = ok(session.add_change(
            &ManualChange::Withdrawal {
                enrollment,
                date: "2026-12-10".into(),
                option: "end".into(),
            },
            false,
        ));
        assert_eq!(c.status, "accepted");
    }

    // Confirm; the dashboard moves on; a reopen needs a reason and gives 第2版.
    let confirmed = ok(session.confirm(&record));
    let stages: Vec<_> = std::mem::take(&mut *seen.lock().unwrap())
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(stages, [0, 1, 2], "backup, bill, saved");
    assert_eq!(confirmed.revision, 1);
    assert!(session.reopen(" ").is_err(), "a reopen without a reason is refused");
    ok(session.reopen("届出漏れ"));
    assert_eq!(ok(session.confirm(&|_| {})).revision, 2);
    assert_eq!(ok(session.overview()).current.unwrap().next, "deductions");

    // Outputs with progress into the chosen folder.
    let out = dir.path().join("outputs");
    ok(session.set_out_dir(&out));
    let seen = Mutex::new(Vec::new());
    let exports = ok(session.export_all(&|p| seen.lock().unwrap().push((p.done, p.total))));
    assert_eq!(exports.len(), 5);
    assert_eq!(seen.lock().unwrap().last(), Some(&(5, 5)));
    assert!(exports.iter().all(|e| e.files.iter().all(|f| Path::new(f).exists())));
    // An output opens in the system's viewer; nothing outside the month's folder does.
    let pdf = exports[0].files.iter().find(|f| f.ends_with(".pdf")).unwrap();
    assert!(ok(session.output_file(pdf)).ends_with(Path::new(pdf).file_name().unwrap()));
    let month_dir = ok(session.month_dir());
    for outside in [
        "/etc/passwd".to_string(),
        format!("{}/../../infoone.db", month_dir.display()),
        month_dir.display().to_string(),
        format!("{}/no-such.pdf", month_dir.display()),
    ] {
        let e = session.output_file(&outside).err().unwrap();
        assert_eq!(e.code, ErrorCode::BadInput, "{outside}");
    }

    // Deduction results, the reconciliation in buckets.
    let ded = ok(session.import_deductions(&sample("deductions.csv"), false, &|_| {}));
    assert!(ded.not_in_full > 0);
    let all = |offset| ReconQuery {
        bucket: None,
        offset,
        limit: 1000,
    };
    let recon = ok(session.reconciliation(&all(0)));
    assert_eq!(recon.buckets.values().sum::<u32>(), recon.all);
    assert_eq!(recon.total, recon.all);
    assert!(recon.buckets.get("matched").copied().unwrap_or(0) > 0);
    // Every row once across the pages; a bucket's pages hold that bucket only.
    let mut rows = recon.rows.clone();
    while rows.len() < recon.all as usize {
        let page = ok(session.reconciliation(&all(rows.len() as u32)));
        assert!(!page.rows.is_empty());
        rows.extend(page.rows);
    }
    assert_eq!(rows.len(), recon.all as usize);
    let missed = ok(session.reconciliation(&ReconQuery {
        bucket: Some("not_deducted".into()),
        offset: 0,
        limit: 1000,
    }));
    assert_eq!(missed.total, recon.buckets.get("not_deducted").copied().unwrap_or(0));
    assert!(missed.rows.iter().all(|r| r.bucket == "not_deducted"));
    assert_eq!(ok(session.overview()).current.unwrap().next, "submit");
    let xlsx = ok(session.export_reconciliation());
    assert_eq!(xlsx.records, recon.all as usize);
    assert!(Path::new(&xlsx.files[0]).exists());

    // One click: submitted, a receipt number.
    let sent = ok(session.submit(&|_| {}));
    assert_eq!(sent.outcome, "sent", "{}", sent.message);
    let receipt = sent.receipt_no.clone().unwrap();
    let after = ok(session.overview()).current.unwrap();
    assert_eq!(after.status.state, "reported");
    assert_eq!(after.receipt_no.as_deref(), Some(receipt.as_str()));
    let payments = ok(session.payments());
    assert!(payments.is_object() || payments.is_array());

    // Every step is in the audit log.
    let audit = ok(session.audit(500));
    for action in [
        "month.load",
        "change.accept",
        "month.confirm",
        "month.reopen",
        "deductions.import",
    ] {
        assert!(
            audit.iter().any(|a| a.action == action),
            "{action} not in the audit log"
        );
    }
    assert!(ok(session.unpaid(true)).is_empty());

    // A new session on the same database comes back to the same month.
    drop(session);
    let again = ok(Session::open(&db));
    assert_eq!(ok(again.overview()).current.unwrap().status.month, "2026-12");
}

/// The steps the month walk above does not take: a package file, the month picker, rejecting,
/// the Excel roster round trip, the output folder and the unpaid list, offline.
#[test]
fn file_steps_and_the_month_picker_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("infoone.db");
    let session = ok(Session::open(&db));
    let worked = root().join("tests/data/worked-example/bill-package.json");
    let loaded = ok(session.load_file(&worked));
    let sampled = ok(session.load_file(&sample("bill-package.json")));
    assert_ne!(loaded.group, sampled.group);
    let o = ok(session.overview());
    assert_eq!(o.months.len(), 2);
    assert_eq!(o.current.as_ref().unwrap().status.group, sampled.group);
    assert!(o.server.is_none() && !o.token_saved && o.connection.is_none());

    // The month picker.
    ok(session.select(&loaded.group, &loaded.month));
    assert_eq!(ok(session.overview()).current.unwrap().status.group, loaded.group);
    assert_eq!(
        session.select("G9999", "2026-12").err().map(|e| e.code),
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        session.select(&loaded.group, "2026/13").err().map(|e| e.code),
        Some(ErrorCode::BadInput)
    );
    ok(session.select(&sampled.group, &sampled.month));

    // Reject one proposed change; the preview of a rejected one still shows its effect.
    let web = ok(session.changes(&first_pages()))
        .groups
        .into_iter()
        .flat_map(|g| g.items)
        .find(|c| c.status == "proposed")
        .unwrap();
    assert_eq!(ok(session.reject(vec![web.id])).rejected, 1);
    let p = ok(session.preview(&[web.id]));
    assert!(p.refused.is_empty() && p.after_total >= p.before_total);

    // Offline: fetching and submitting say so; nothing is lost.
    let e = session.load_from_server("2026-12").err().unwrap();
    assert_ne!(
        e.code,
        ErrorCode::Internal,
        "no server configured is the clerk's to fix: {}",
        e.message
    );

    // The roster: exported after confirmation, imported back as proposed changes (none when
    // unchanged).
    ok(session.accept(None, &|_| {}));
    ok(session.confirm(&|_| {}));
    let out = dir.path().join("out");
    ok(session.set_out_dir(&out));
    assert_eq!(ok(session.out_dir()), out);
    let exports = ok(session.export_all(&|_| {}));
    let roster = exports
        .iter()
        .flat_map(|e| e.files.iter())
        .find(|f| f.ends_with(".xlsx") && f.contains("roster"))
        .cloned()
        .unwrap_or_else(|| panic!("no roster in {exports:?}"));
    ok(session.reopen("名簿の確認"));
    let back = ok(session.import_roster(std::path::Path::new(&roster)));
    assert_eq!(back.records, 0, "an unchanged roster proposes nothing: {back:?}");
    assert!(ok(session.unpaid(false)).is_empty());

    // The settings survive a restart.
    drop(session);
    let again = ok(Session::open(&db));
    assert_eq!(ok(again.out_dir()), out);
    assert_eq!(ok(again.overview()).current.unwrap().status.group, sampled.group);
}

/// Every group's first page, as the review screen opens.
fn first_pages() -> ChangeQuery {
    ChangeQuery {
        group: None,
        offset: 0,
        limit: 300,
    }
}
