//! The clerk's client against the REAL insurer server on 127.0.0.1 over real TLS: a whole month
//! submitted with one receipt, retries after a dropped connection, 5xx and timeouts (with the
//! same idempotency key, so the same receipt), a server that is down, refusals, and the TLS rules.

mod common;

use std::time::{Duration, Instant};

use common::{fast, Clerk, DropProxy, Fault, FaultProxy, Insurer, DEC, GROUP};
use infoone_app::submit;
use infoone_app::ErrorCode;
use infoone_client::{Client, ErrorKind, MemoryTokens, Outcome, Token};
use serde_json::Value;

fn sent(s: &infoone_client::Submitted) -> (&infoone_app::submit::Receipt, bool, usize) {
    let d = s.this_month().expect("this month's report was tried");
    match &d.outcome {
        Outcome::Sent { receipt, replayed } => (receipt, *replayed, d.requests),
        other => panic!("not sent: {other:?}"),
    }
}

#[test]
fn a_full_month_end_is_submitted_once_with_one_receipt() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    assert_eq!(clerk.state(DEC), "deducted");

    let t = Instant::now();
    let s = clerk.submit().unwrap();
    eprintln!("submit of the worked example: {:?}", t.elapsed());
    assert!(s.queued.newly_queued);
    assert!(clerk.report_file().is_file());
    let (receipt, replayed, requests) = sent(&s);
    assert!(!replayed);
    assert_eq!(requests, 1);
    assert!(receipt.receipt_no.starts_with("R-"), "{}", receipt.receipt_no);
    assert_eq!((receipt.group.as_str(), receipt.month.as_str()), (GROUP, DEC));
    let receipt = receipt.clone();

    // The month is reported with the receipt number, and the audit log says so.
    assert_eq!(clerk.state(DEC), "reported");
    let row = clerk
        .store
        .read(|tx| tx.month(GROUP, DEC.parse().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(row.receipt.as_deref(), Some(receipt.receipt_no.as_str()));
    let log = clerk.store.read(|tx| tx.audit_log(None)).unwrap();
    let a = log.iter().find(|a| a.action == "report.submit").unwrap();
    assert_eq!(a.key.as_deref(), Some(receipt.receipt_no.as_str()));
    assert_eq!(a.source.as_deref(), Some(insurer.url().as_str()));
    assert!(log.iter().any(|a| a.action == "report.queue"));

    // Submitted twice: refused locally with the receipt number; nothing is queued or sent again.
    let err = clerk.submit().unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongState);
    assert!(err.message.contains(&receipt.receipt_no), "{}", err.message);
    let again = clerk.flush();
    assert!(again.is_empty());
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].status, outbox[0].attempts), ("sent", 1));
    assert_eq!(outbox[0].receipt_no.as_deref(), Some(receipt.receipt_no.as_str()));

    // The same report sent again by hand: the server answers with the same receipt (one report).
    let client = Client::new(&insurer.url(), Some(&insurer.ca), &token, &fast()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let replay = rt
        .block_on(client.submit_report(GROUP, DEC, &outbox[0].idempotency_key, &outbox[0].body))
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.receipt, receipt);
    // Another report for the month (another key): already reported.
    let err = rt
        .block_on(client.submit_report(GROUP, DEC, "another-key", &outbox[0].body))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.server_code.as_deref()),
        (ErrorKind::Conflict, Some("already_reported"))
    );

    // The payments view of the month is reachable with the same token.
    let payments: Value = rt.block_on(client.payments(GROUP, DEC)).unwrap();
    assert!(payments.is_object(), "{payments}");

    // The token is in no byte of the clerk's database.
    let db = clerk.database_bytes();
    let needle = token.expose().as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn a_connection_dropped_after_the_server_committed_gets_the_same_receipt_on_retry() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let proxy = DropProxy::start(&insurer.rt, insurer.addr);
    let mut clerk = Clerk::new(&proxy.url(), &insurer.ca, &token);
    clerk.work_december();
    // Cut the connection that carries the report, after the server answered it.
    let body_len = {
        let at = clerk.at(DEC);
        let file = clerk.dir.path().join("probe.json");
        infoone_app::write_report(&mut clerk.store, &at, &file, common::now()).unwrap();
        std::fs::metadata(&file).unwrap().len() as usize
    };
    proxy.arm(body_len);

    let t = Instant::now();
    let s = clerk.submit().unwrap();
    let elapsed = t.elapsed();
    let (receipt, replayed, requests) = sent(&s);
    let (dropped, held) = proxy.dropped();
    eprintln!("dropped {dropped} connection(s), {held} answer bytes held back; {requests} requests in {elapsed:?}");
    assert_eq!(dropped, 1);
    assert!(held > 5);
    // The first attempt was committed (its answer was lost): the retry is a replay, same receipt.
    assert_eq!(requests, 2);
    assert!(
        replayed,
        "the retry must be answered as a replay of the committed report"
    );
    assert_eq!(clerk.state(DEC), "reported");
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].status, outbox[0].attempts), ("sent", 2));
    assert_eq!(outbox[0].receipt_no.as_deref(), Some(receipt.receipt_no.as_str()));
    // The server holds exactly that one report: the direct replay gives the same receipt.
    let client = Client::new(&insurer.url(), Some(&insurer.ca), &token, &fast()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let replay = rt
        .block_on(client.submit_report(GROUP, DEC, &outbox[0].idempotency_key, &outbox[0].body))
        .unwrap();
    assert_eq!(&replay.receipt, receipt);
}

#[test]
fn server_errors_are_retried_with_exponential_backoff() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let proxy = FaultProxy::start(&insurer, Vec::new());
    let mut clerk = Clerk::new(&proxy.url(), &insurer.ca, &token);
    clerk.work_december();
    let before = proxy.requests();
    proxy.push_faults(vec![Fault::Status(503), Fault::Status(500)]);
    let t = Instant::now();
    let s = clerk.submit().unwrap();
    let elapsed = t.elapsed();
    let (_, replayed, requests) = sent(&s);
    eprintln!("503, 500, then accepted: {requests} requests in {elapsed:?}");
    assert_eq!((requests, proxy.requests() - before), (3, 3));
    assert!(!replayed, "the 5xx answers never reached the server");
    // Backoff 100 ms, then 200 ms.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!((outbox[0].status, outbox[0].attempts), ("sent", 3));
    assert_eq!(clerk.state(DEC), "reported");
}

#[test]
fn a_timeout_after_the_server_committed_is_retried_with_the_same_key() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let proxy = FaultProxy::start(&insurer, Vec::new());
    let mut clerk = Clerk::new(&proxy.url(), &insurer.ca, &token);
    clerk.work_december();
    clerk.options.timeout = Duration::from_millis(800);
    proxy.push_faults(vec![Fault::HoldAnswer(Duration::from_secs(3))]);
    let t = Instant::now();
    let s = clerk.submit().unwrap();
    let elapsed = t.elapsed();
    let (_, replayed, requests) = sent(&s);
    eprintln!("answer held past the 800 ms timeout, retried: {requests} requests in {elapsed:?}");
    assert_eq!(requests, 2);
    assert!(replayed, "the first request was committed; the retry gets its receipt");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    let outbox = submit::outbox(&mut clerk.store).unwrap();
    assert_eq!((outbox[0].status, outbox[0].attempts), ("sent", 2));
    assert!(outbox[0].last_error.is_none());
}

#[test]
fn with_the_server_down_the_report_stays_queued_and_goes_out_when_it_is_back() {
    let mut insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    insurer.stop();

    let t = Instant::now();
    let s = clerk.submit().unwrap();
    let elapsed = t.elapsed();
    let d = s.this_month().unwrap();
    let Outcome::Queued { error } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    eprintln!("server down: {} attempts in {elapsed:?}: {}", d.requests, error.message);
    assert_eq!(error.kind, ErrorKind::Offline);
    assert!(error.message.contains("接続できませんでした"), "{}", error.message);
    assert_eq!(d.requests, 4);
    // 100 + 200 + 400 ms of backoff between the four attempts.
    assert!(elapsed >= Duration::from_millis(700), "{elapsed:?}");
    assert_eq!((d.entry.status, d.entry.attempts), ("queued", 4));
    assert_eq!(clerk.state(DEC), "deducted");

    // Submitting again while down: the same queued report (same body and key), not a second one.
    let key = d.entry.idempotency_key.clone();
    let again = clerk.submit().unwrap();
    assert!(!again.queued.newly_queued);
    assert_eq!(again.queued.entry.idempotency_key, key);
    assert!(matches!(again.this_month().unwrap().outcome, Outcome::Queued { .. }));
    assert_eq!(submit::outbox(&mut clerk.store).unwrap().len(), 1);

    // Back: the next command that goes online (here: loading January) sends it first.
    insurer.restart();
    let r = clerk.load("2027-01").unwrap();
    assert_eq!(r.deliveries.len(), 1);
    let Outcome::Sent { receipt, replayed } = &r.deliveries[0].outcome else {
        panic!("{:?}", r.deliveries[0].outcome)
    };
    assert!(!replayed);
    assert_eq!(r.deliveries[0].entry.idempotency_key, key);
    assert_eq!(r.load.month, "2027-01");
    assert_eq!(clerk.state(DEC), "reported");
    let row = clerk
        .store
        .read(|tx| tx.month(GROUP, DEC.parse().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(row.receipt.as_deref(), Some(receipt.receipt_no.as_str()));
    assert_eq!(clerk.state("2027-01"), "loaded");
}

#[test]
fn a_refused_report_is_marked_failed_with_the_servers_reason() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    // The insurer changes the ledger after the clerk fetched December: the report is stale.
    let mut pkg: Value = serde_json::from_slice(&common::worked_example()).unwrap();
    let mut m = pkg["members"][2].clone();
    m["employee_no"] = serde_json::json!("000202");
    pkg["members"].as_array_mut().unwrap().push(m);
    let (status, v) = insurer.admin("/v1/admin/packages", serde_json::to_vec(&pkg).unwrap());
    assert_eq!(status, 200, "{v}");

    let s = clerk.submit().unwrap();
    let d = s.this_month().unwrap();
    let Outcome::Refused { error } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(
        (error.kind, error.server_code.as_deref()),
        (ErrorKind::Conflict, Some("stale_package"))
    );
    assert!(error.message.contains("請求パッケージが古い"), "{}", error.message);
    assert!(error.message.contains("members"), "{}", error.message);
    assert_eq!(d.requests, 1, "a refusal is not retried");
    assert_eq!(
        (d.entry.status, d.entry.error_code.as_deref()),
        ("failed", Some("stale_package"))
    );
    assert_eq!(d.entry.last_error.as_deref(), Some(error.message.as_str()));
    assert_eq!(clerk.state(DEC), "deducted");
    let log = clerk.store.read(|tx| tx.audit_log(None)).unwrap();
    assert!(log
        .iter()
        .any(|a| a.action == "report.refused" && a.after.as_deref() == Some("stale_package")));

    // Tampered totals: 422 with the differing lines.
    let client = Client::new(&insurer.url(), Some(&insurer.ca), &token, &fast()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pkg_now = rt.block_on(client.package(GROUP, DEC)).unwrap();
    let mut fresh = Clerk::new(&insurer.url(), &insurer.ca, &token);
    infoone_app::load_package_bytes(&mut fresh.store, "p.json", &pkg_now.bytes, common::now()).unwrap();
    let at = fresh.at(DEC);
    infoone_app::accept(&mut fresh.store, &at, &infoone_app::Selection::All, common::now()).unwrap();
    infoone_app::confirm(&mut fresh.store, &at, common::now()).unwrap();
    let csv = fresh.dir.path().join("d.csv");
    std::fs::write(&csv, common::PARTIAL).unwrap();
    infoone_app::import_deductions(
        &mut fresh.store,
        &at,
        &csv,
        infoone_domain::deduction::Mode::Exceptions,
        common::now(),
    )
    .unwrap();
    let out = fresh.dir.path().join("r.json");
    let w = infoone_app::write_report(&mut fresh.store, &at, &out, common::now()).unwrap();
    let mut report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let payable = report["offices"][1]["payable"].as_i64().unwrap();
    report["offices"][1]["payable"] = serde_json::json!(payable - 100);
    // The totals are kept consistent, so only the server's recomputation can tell.
    let total = report["totals"]["payable"].as_i64().unwrap();
    report["totals"]["payable"] = serde_json::json!(total - 100);
    let err = rt
        .block_on(client.submit_report(GROUP, DEC, &w.idempotency_key, &serde_json::to_vec(&report).unwrap()))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::Rejected, Some(422)),
        "{}",
        err.message
    );
    assert_eq!(err.lines().len(), 1, "{}", err.message);
    assert!(err.message.contains("事業所O002 payable"), "{}", err.message);

    // A deduction line that does not add up: 422 with the server's own code and the problem
    // named for the clerk (not "the totals differ").
    let mut report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let first = report["deductions"][0]["billed"].as_i64().unwrap();
    report["deductions"][0]["deducted"] = serde_json::json!(first + 500);
    let err = rt
        .block_on(client.submit_report(GROUP, DEC, &w.idempotency_key, &serde_json::to_vec(&report).unwrap()))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.server_code.as_deref()),
        (ErrorKind::Rejected, Some("invalid_report")),
        "{}",
        err.message
    );
    assert!(err.message.contains("（invalid_report）"), "{}", err.message);
    assert!(!err.message.contains("totals_mismatch"), "{}", err.message);
    assert!(err.message.contains(&format!("billed「{first}」")), "{}", err.message);
}

#[test]
fn one_groups_token_reaches_nothing_of_another_group_over_https() {
    let insurer = Insurer::start();
    let g2 = String::from_utf8(common::worked_example())
        .unwrap()
        .replace("\"G0001\"", "\"G0002\"");
    let (status, v) = insurer.admin("/v1/admin/packages", g2.into_bytes());
    assert_eq!(status, 200, "{v}");
    let token_a = insurer.token(GROUP);
    let token_b = insurer.token("G0002");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let a = Client::new(&insurer.url(), Some(&insurer.ca), &token_a, &fast()).unwrap();
    let b = Client::new(&insurer.url(), Some(&insurer.ca), &token_b, &fast()).unwrap();
    // Each token reaches its own group's package …
    assert!(rt.block_on(a.package(GROUP, DEC)).is_ok());
    let b_pkg = rt.block_on(b.package("G0002", DEC)).unwrap();
    // … and another group's package, payments and reports answer 404, as an unknown group does.
    let err = rt.block_on(a.package("G0002", DEC)).unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::NotFound, Some(404)),
        "{}",
        err.message
    );
    let err = rt.block_on(a.payments("G0002", DEC)).unwrap_err();
    assert_eq!(err.status, Some(404), "{}", err.message);
    let err = rt
        .block_on(a.submit_report("G0002", DEC, "some-key", &b_pkg.bytes))
        .unwrap_err();
    assert_eq!(err.status, Some(404), "{}", err.message);
    // A group token cannot use the staff endpoints.
    let err = rt.block_on(a.admin_create_token(GROUP)).unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Auth, Some(403)), "{}", err.message);
}

#[test]
fn a_wrong_ca_or_no_ca_is_refused() {
    let insurer = Insurer::start();
    let token = insurer.token(GROUP);
    let other = tempfile::tempdir().unwrap();
    let other_ca = infoone_server::ensure_dev_tls(other.path()).unwrap().ca_cert;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for ca in [Some(other_ca.as_path()), None] {
        let client = Client::new(&insurer.url(), ca, &token, &fast()).unwrap();
        let err = rt.block_on(client.package(GROUP, DEC)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Tls, "{ca:?}: {}", err.message);
        assert!(err.message.contains("TLS"), "{}", err.message);
        assert!(!err.message.contains(token.expose()));
    }
    // Through the use case: the report stays queued, nothing reaches the server.
    let mut clerk = Clerk::new(&insurer.url(), &insurer.ca, &token);
    clerk.work_december();
    infoone_client::login(
        &mut clerk.store,
        &clerk.tokens,
        &insurer.url(),
        GROUP,
        Some(&other_ca),
        &token,
    )
    .unwrap();
    let s = clerk.submit().unwrap();
    let d = s.this_month().unwrap();
    let Outcome::Queued { error } = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(
        (error.kind, d.requests),
        (ErrorKind::Tls, 1),
        "TLS failures are not retried"
    );
    assert_eq!(clerk.state(DEC), "deducted");
}

#[test]
fn plain_http_is_refused() {
    let insurer = Insurer::start();
    let token = Token::new("iog_whatever").unwrap();
    // An http:// URL is refused before any connection.
    let err = Client::new(&format!("http://{}", insurer.addr), None, &token, &fast()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    let dir = tempfile::tempdir().unwrap();
    let mut store = infoone_app::infoone_store::Store::open(&dir.path().join("c.db")).unwrap();
    let tokens = MemoryTokens::default();
    let err = infoone_client::login(
        &mut store,
        &tokens,
        &format!("http://{}", insurer.addr),
        GROUP,
        None,
        &token,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadInput);
    assert!(err.message.contains("https://"), "{}", err.message);
    use infoone_client::TokenStore;
    let url = format!("http://{}", insurer.addr);
    assert!(
        tokens.get(&url, GROUP).unwrap().is_none(),
        "nothing stored on a refused login"
    );
    // A server that answers in plain HTTP on an https:// URL: the handshake fails.
    let plain = common::plain_http_server(&insurer.rt);
    let client = Client::new(&format!("https://{plain}"), Some(&insurer.ca), &token, &fast()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(client.package(GROUP, DEC)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Tls, "{}", err.message);
}

#[test]
fn a_wrong_token_is_an_auth_error_that_never_shows_the_token() {
    let insurer = Insurer::start();
    let wrong = Token::new("iog_0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(format!("{wrong:?} {wrong}"), "Token(***) ***");
    let client = Client::new(&insurer.url(), Some(&insurer.ca), &wrong, &fast()).unwrap();
    assert!(!format!("{client:?}").contains(wrong.expose()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(client.package(GROUP, DEC)).unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Auth, Some(401)));
    assert!(err.message.contains("infoone login"), "{}", err.message);
    let shown = serde_json::to_string(&err).unwrap() + &format!("{err:?}");
    assert!(!shown.contains(wrong.expose()));
    // Another group's resources answer 404 to a real token.
    let token = insurer.token(GROUP);
    let client = Client::new(&insurer.url(), Some(&insurer.ca), &token, &fast()).unwrap();
    let err = rt.block_on(client.package("G9999", DEC)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}
