//! Exactly once without an in-process lock (issue 8): the same month submitted at the same time
//! through two server states on one database — two "nodes", sharing no memory — is recorded
//! once, with one receipt. On SQLite the one writer decides, on PostgreSQL the group's row lock
//! (`SELECT … FOR UPDATE`) and the unique constraints; the server itself holds no lock.
//! Runs on whichever back end the tests use (`INFOONE_TEST_PG`, tests/pg-cluster.sh).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{clerk_report, node, worked_example, Answer, MonthEnd, Server};
use http_body_util::BodyExt;
use infoone_server::Limits;
use tower::ServiceExt;

/// Requests sent at once in each round (half through each node).
const AT_ONCE: usize = 6;

async fn submit(app: Router, token: String, key: String, report: Vec<u8>) -> Answer {
    let req = Request::post("/v1/groups/G0001/months/2026-12/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(report))
        .unwrap();
    let response = app.oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

/// A loaded group, a second node on the same database, a token and December's report.
async fn two_nodes() -> (Server, Router, String, Vec<u8>) {
    let s = Server::new();
    assert_eq!(s.load(&worked_example()).await.status, StatusCode::OK);
    let token = s.token("G0001").await;
    let served = s.get("/v1/groups/G0001/months/2026-12/package", Some(&token)).await;
    assert_eq!(served.status, StatusCode::OK);
    let report = clerk_report(
        &served.body,
        &MonthEnd {
            accept_all: true,
            deductions: Some("社員番号,控除額,理由\n000102,3000,給与不足\n"),
        },
    );
    let other = infoone_server::app(node(&s.database, Limits::default()));
    (s, other, token, report)
}

/// Send `AT_ONCE` submissions together, alternating between the nodes; `key(i)` names each.
async fn at_once(s: &Server, other: &Router, token: &str, report: &[u8], key: impl Fn(usize) -> String) -> Vec<Answer> {
    let tasks: Vec<_> = (0..AT_ONCE)
        .map(|i| {
            let app = if i % 2 == 0 { s.app.clone() } else { other.clone() };
            tokio::spawn(submit(app, token.to_string(), key(i), report.to_vec()))
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

/// The month was applied exactly once: one accepted report in the audit log, the ledger moved
/// on by one month and one revision (1 after the load, 2 after the report).
fn recorded_once(s: &Server, receipt_no: &str) {
    let accepts = s
        .audit_actions()
        .into_iter()
        .filter(|a| a == "server.report.accept")
        .count();
    assert_eq!(accepts, 1, "one accepted report in the audit log");
    let (group, report) = s.read(|tx| Ok((tx.srv_group("G0001")?, tx.srv_report_for_month("G0001", "2026-12")?)));
    let group = group.unwrap();
    assert_eq!((group.current_month.as_str(), group.rev), ("2027-01", 2));
    assert_eq!(report.unwrap().receipt_no, receipt_no);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_report_sent_at_once_through_two_nodes_is_recorded_once_with_one_receipt() {
    let (s, other, token, report) = two_nodes().await;
    eprintln!("back end: {}", s.backend());
    let answers = at_once(&s, &other, &token, &report, |_| "same-key".to_string()).await;
    let created: Vec<&Answer> = answers.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert_eq!(created.len(), 1, "one request records the report");
    let receipt = created[0].json();
    let no = receipt["receipt_no"].as_str().unwrap().to_string();
    for a in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        // The others get the same receipt as a replay.
        assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
        assert_eq!(a.headers["idempotent-replayed"], "true");
        assert_eq!(a.json(), receipt);
    }
    recorded_once(&s, &no);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_month_sent_at_once_under_different_keys_through_two_nodes_gets_one_receipt() {
    let (s, other, token, report) = two_nodes().await;
    let answers = at_once(&s, &other, &token, &report, |i| format!("key-{i}")).await;
    let created: Vec<&Answer> = answers.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert_eq!(created.len(), 1, "one request records the report");
    let no = created[0].json()["receipt_no"].as_str().unwrap().to_string();
    for a in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        // The others are told the month is reported, with the receipt that was given.
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::CONFLICT, "already_reported".to_string())
        );
        assert_eq!(a.json()["error"]["receipt_no"], no.as_str());
    }
    recorded_once(&s, &no);
}
