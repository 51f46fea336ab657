//! The API through the router (no socket): packages with ETags, reports checked by
//! recomputation, idempotency, access between groups, payments, limits and the audit log.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{clerk_report, worked_example, MonthEnd, Server, STAFF};
use infoone_formats::package::{package_version, parse_package};
use infoone_server::Limits;
use serde_json::{json, Value};

const DEC: &str = "/v1/groups/G0001/months/2026-12/package";
const PARTIAL: &str = "社員番号,控除額,理由\n000102,3000,給与不足\n";

/// December as the clerk works it from the package the server serves (the worked example).
async fn december(s: &Server, token: &str, accept_all: bool) -> Vec<u8> {
    let served = s.get(DEC, Some(token)).await;
    assert_eq!(served.status, StatusCode::OK);
    clerk_report(
        &served.body,
        &MonthEnd {
            accept_all,
            deductions: Some(PARTIAL),
        },
    )
}

/// The worked example, loaded by staff; a token for G0001.
async fn loaded() -> (Server, String) {
    let s = Server::new();
    let a = s.load(&worked_example()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
    let token = s.token("G0001").await;
    (s, token)
}

#[tokio::test]
async fn the_package_is_served_with_its_version_as_etag_and_304_when_unchanged() {
    let (s, token) = loaded().await;
    let a = s.get(DEC, Some(&token)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["content-type"], "application/json");
    // The package read back from the ledger is the loaded one: same content, same version.
    let file_version = package_version(&worked_example());
    assert_eq!(a.headers["etag"].to_str().unwrap(), format!("\"{file_version}\""));
    let served = parse_package("served.json", &a.body).unwrap();
    assert_eq!(served.version, file_version);
    assert_eq!(package_version(&a.body), file_version);
    let mut original = parse_package("p.json", &worked_example()).unwrap();
    original.version = file_version.clone();
    assert_eq!(served, original);

    let etag = a.headers["etag"].to_str().unwrap().to_string();
    let b = s
        .call(Method::GET, DEC, Some(&token), &[("if-none-match", &etag)], Vec::new())
        .await;
    assert_eq!(b.status, StatusCode::NOT_MODIFIED);
    assert!(b.body.is_empty());
    assert_eq!(b.headers["etag"].to_str().unwrap(), etag);
    let c = s
        .call(
            Method::GET,
            DEC,
            Some(&token),
            &[("if-none-match", "\"sha256:other\"")],
            Vec::new(),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);

    // Other months: not yet open (404); a malformed month (400).
    let a = s.get("/v1/groups/G0001/months/2027-01/package", Some(&token)).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(a.json()["error"]["current_month"], "2026-12");
    let a = s.get("/v1/groups/G0001/months/2026-13/package", Some(&token)).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, "bad_month".into()));
}

#[tokio::test]
async fn the_worked_example_december_is_accepted_once_with_a_receipt() {
    let (s, token) = loaded().await;
    let report = december(&s, &token, true).await;
    let a = s.submit("G0001", "2026-12", &token, "key-1", &report).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&a.body));
    let receipt = a.json();
    let no = receipt["receipt_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("R-") && no.ends_with("-000001"), "{no}");
    assert_eq!(
        (receipt["group"].as_str(), receipt["month"].as_str()),
        (Some("G0001"), Some("2026-12"))
    );
    assert_eq!(receipt["idempotency_key"], "key-1");
    assert!(receipt["received_at"].as_str().unwrap().ends_with("+09:00"));

    // Same key, same body: the same receipt, marked as a replay.
    let b = s.submit("G0001", "2026-12", &token, "key-1", &report).await;
    assert_eq!(b.status, StatusCode::OK);
    assert_eq!(b.headers["idempotent-replayed"], "true");
    assert_eq!(b.json(), receipt);

    // Same key, another body: 409.
    let mut other: Value = serde_json::from_slice(&report).unwrap();
    other["generated_on"] = json!("2026-11-30");
    let other = serde_json::to_vec(&other).unwrap();
    let c = s.submit("G0001", "2026-12", &token, "key-1", &other).await;
    assert_eq!(
        (c.status, c.code()),
        (StatusCode::CONFLICT, "idempotency_conflict".into())
    );

    // Another key for the reported month: one report per month.
    let d = s.submit("G0001", "2026-12", &token, "key-2", &report).await;
    assert_eq!((d.status, d.code()), (StatusCode::CONFLICT, "already_reported".into()));
    assert_eq!(d.json()["error"]["receipt_no"], no.as_str());

    // December's package is gone (reported); January's has December's billed amounts.
    let a = s.get(DEC, Some(&token)).await;
    assert_eq!((a.status, a.code()), (StatusCode::CONFLICT, "already_reported".into()));
    let jan = s.get("/v1/groups/G0001/months/2027-01/package", Some(&token)).await;
    assert_eq!(jan.status, StatusCode::OK);
    let jan = parse_package("jan.json", &jan.body).unwrap();
    let dec: Vec<(&str, &str, i64)> = jan
        .billed
        .iter()
        .filter(|b| b.month == "2026-12")
        .map(|b| (b.enrollment.as_str(), b.office.as_str(), b.amount))
        .collect();
    // WORKED-EXAMPLE.md: 779, 1380, 942, 4780, 3769 and W0001's MED S 2455 (joined, O002).
    assert_eq!(
        dec,
        vec![
            ("E0001", "O001", 779),
            ("E0002", "O001", 1380),
            ("E0003", "O001", 942),
            ("E0004", "O001", 4780),
            ("E0005", "O002", 3769),
            ("N202612-W0001", "O002", 2455),
        ]
    );
    // The joined application is an enrollment now, no longer pending; 000102's undeducted 2722
    // (MED 4780 − 2058) is carried into January once.
    assert!(jan.pending_applications.is_empty());
    assert!(jan
        .enrollments
        .iter()
        .any(|e| e.id == "N202612-W0001" && e.start_month == "2026-12"));
    assert_eq!(jan.carry_over.len(), 1);
    let co = &jan.carry_over[0];
    assert_eq!(
        (
            co.enrollment.as_str(),
            co.office.as_str(),
            co.month.as_str(),
            co.amount,
            co.times_carried
        ),
        ("E0004", "O001", "2026-12", 2722, 0)
    );
    // October's entries are still within the retro limit; the package month moved on.
    assert_eq!(jan.month, "2027-01");
    assert_eq!(jan.billed.iter().filter(|b| b.month == "2026-10").count(), 5);

    let actions = s.audit_actions();
    for a in [
        "server.ledger.load",
        "server.token.create",
        "server.report.accept",
        "server.ledger.change",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
}

#[tokio::test]
async fn january_chains_on_december() {
    let (s, token) = loaded().await;
    let a = s
        .submit("G0001", "2026-12", &token, "dec", &december(&s, &token, true).await)
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let jan = s.get("/v1/groups/G0001/months/2027-01/package", Some(&token)).await;
    let report = clerk_report(
        &jan.body,
        &MonthEnd {
            accept_all: true,
            deductions: None,
        },
    );
    let r: Value = serde_json::from_slice(&report).unwrap();
    // January bills the carried 2722 to O001 on top of the regular lines.
    let o1 = r["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "O001")
        .unwrap();
    assert_eq!(o1["premium_total"], 7881 + 2722);
    let b = s.submit("G0001", "2027-01", &token, "jan", &report).await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b.body));
    let feb = s.get("/v1/groups/G0001/months/2027-02/package", Some(&token)).await;
    let feb = parse_package("feb.json", &feb.body).unwrap();
    assert!(feb.carry_over.is_empty());
    assert_eq!(feb.billed.iter().filter(|b| b.month == "2027-01").count(), 6);
}

#[tokio::test]
async fn tampered_totals_are_refused_with_the_differing_lines_and_nothing_changes() {
    let (s, token) = loaded().await;
    let mut r: Value = serde_json::from_slice(&december(&s, &token, false).await).unwrap();
    // O002 claims 100 yen less payable; the totals are kept consistent so only recomputation
    // can tell.
    let o2 = r["offices"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["code"] == "O002")
        .unwrap();
    o2["payable"] = json!(o2["payable"].as_i64().unwrap() - 100);
    r["totals"]["payable"] = json!(r["totals"]["payable"].as_i64().unwrap() - 100);
    let a = s
        .submit("G0001", "2026-12", &token, "k", &serde_json::to_vec(&r).unwrap())
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "totals_mismatch".into())
    );
    let lines = a.json()["error"]["lines"].clone();
    assert_eq!(
        lines,
        json!([{"office": "O002", "field": "payable", "reported": 3545, "computed": 3645}])
    );
    // Nothing was recorded: the honest report is still accepted under the same key.
    let b = s
        .submit("G0001", "2026-12", &token, "k", &december(&s, &token, false).await)
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b.body));
}

#[tokio::test]
async fn a_report_from_another_package_version_is_stale_and_says_what_changed() {
    let (s, token) = loaded().await;
    let report = december(&s, &token, true).await;
    // The insurer adds a member: the ledger (and so the package version) changes.
    let mut pkg: Value = serde_json::from_slice(&worked_example()).unwrap();
    let mut m = pkg["members"][2].clone();
    m["employee_no"] = json!("000202");
    pkg["members"].as_array_mut().unwrap().push(m);
    let a = s.load(&serde_json::to_vec(&pkg).unwrap()).await;
    assert_eq!((a.status, a.json()["replaced"].clone()), (StatusCode::OK, json!(true)));
    let b = s.submit("G0001", "2026-12", &token, "k", &report).await;
    assert_eq!((b.status, b.code()), (StatusCode::CONFLICT, "stale_package".into()));
    let e = &b.json()["error"];
    assert_eq!(e["current_version"], a.json()["version"]);
    assert_eq!(e["reported_version"], package_version(&worked_example()).as_str());
    assert_eq!(
        e["changes"],
        json!([{"part": "members", "before": 3, "after": 4, "changed": true}])
    );
}

#[tokio::test]
async fn a_group_token_reaches_only_its_own_group() {
    let (s, token_a) = loaded().await;
    let mut other: Value = serde_json::from_slice(&worked_example()).unwrap();
    other["group"]["code"] = json!("G0002");
    assert_eq!(
        s.load(&serde_json::to_vec(&other).unwrap()).await.status,
        StatusCode::OK
    );
    let token_b = s.token("G0002").await;
    let b_pkg = "/v1/groups/G0002/months/2026-12/package";
    assert_eq!(s.get(b_pkg, Some(&token_b)).await.status, StatusCode::OK);
    // A's token on B: the same 404 as a group that does not exist.
    let a = s.get(b_pkg, Some(&token_a)).await;
    let none = s.get("/v1/groups/G9999/months/2026-12/package", Some(&token_a)).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let r = s
        .submit("G0002", "2026-12", &token_a, "k", &december(&s, &token_a, false).await)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let p = s.get("/v1/groups/G0002/months/2026-12/payments", Some(&token_a)).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Staff see every group; a group token is not staff.
    assert_eq!(s.get(b_pkg, Some(STAFF)).await.status, StatusCode::OK);
    let t = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(&token_a),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!((t.status, t.code()), (StatusCode::FORBIDDEN, "forbidden".into()));
    let l = s
        .call(
            Method::POST,
            "/v1/admin/packages",
            Some(&token_a),
            &[],
            worked_example(),
        )
        .await;
    assert_eq!(l.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn authentication_is_required_and_guessing_is_slowed_down() {
    let s = Server::with_limits(Limits {
        auth_backoff: Duration::from_millis(300),
        ..Limits::default()
    });
    s.load(&worked_example()).await;
    let token = s.token("G0001").await;
    let a = s.get(DEC, None).await;
    assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "unauthorized".into()));
    assert_eq!(a.headers["www-authenticate"], "Bearer");
    for _ in 0..5 {
        let a = s.get(DEC, Some("iog_0000")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    // After five failures a wrong token waits; the right token of the same address does not
    // (a clerk behind the guesser's NAT keeps working; valid tokens are limited per token).
    let a = s.get(DEC, Some("iog_2222")).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_failures".into())
    );
    assert_eq!(a.headers["retry-after"], "1");
    assert_eq!(s.get(DEC, Some(&token)).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(350)).await;
    // The sixth failure doubles the wait.
    assert_eq!(s.get(DEC, Some("iog_1111")).await.status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(s.get(DEC, Some("iog_3333")).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(s.get(DEC, Some(&token)).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.get(DEC, Some("iog_4444")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get(DEC, Some(&token)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_are_checked_before_anything_is_recorded() {
    let (s, token) = loaded().await;
    let report = december(&s, &token, false).await;
    // No Idempotency-Key.
    let a = s
        .call(
            Method::POST,
            "/v1/groups/G0001/months/2026-12/reports",
            Some(&token),
            &[],
            report.clone(),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "idempotency_key_required".into())
    );
    // Not a report.
    let b = s.submit("G0001", "2026-12", &token, "k", b"{\"format\": 1}").await;
    assert_eq!(
        (b.status, b.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_report".into())
    );
    assert!(b.json()["error"]["problems"].as_array().is_some_and(|p| !p.is_empty()));
    // Sent to another month's URL.
    let c = s.submit("G0001", "2027-01", &token, "k", &report).await;
    assert_eq!(
        (c.status, c.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "report_mismatch".into())
    );
    // A deduction for someone who was not billed.
    let mut r: Value = serde_json::from_slice(&report).unwrap();
    r["deductions"][0]["employee_no"] = json!("999999");
    let d = s
        .submit("G0001", "2026-12", &token, "k", &serde_json::to_vec(&r).unwrap())
        .await;
    assert_eq!(
        (d.status, d.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_deductions".into())
    );
    // A change the ledger refuses.
    let mut r: Value = serde_json::from_slice(&december(&s, &token, true).await).unwrap();
    r["changes"][0]["details"]["employee_no"] = json!("999999");
    let e = s
        .submit("G0001", "2026-12", &token, "k", &serde_json::to_vec(&r).unwrap())
        .await;
    assert_eq!(
        (e.status, e.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "change_refused".into())
    );
    assert_eq!(e.json()["error"]["change"]["index"], 0);
    // Too large.
    let small = Server::with_limits(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let f = small.load(&worked_example()).await;
    assert_eq!(
        (f.status, f.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
    // Unknown paths and methods answer in the same error shape.
    let g = s.get("/v1/nothing", Some(&token)).await;
    assert_eq!((g.status, g.code()), (StatusCode::NOT_FOUND, "not_found".into()));
    let h = s.call(Method::DELETE, DEC, Some(&token), &[], Vec::new()).await;
    assert_eq!(
        (h.status, h.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed".into())
    );
    // Still nothing reported.
    let ok = s.submit("G0001", "2026-12", &token, "k", &report).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&ok.body));
}

#[tokio::test]
async fn payments_are_matched_per_office() {
    let (s, token) = loaded().await;
    let pay = "/v1/groups/G0001/months/2026-12/payments";
    let a = s.get(pay, Some(&token)).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_reported".into()));
    assert_eq!(
        s.submit("G0001", "2026-12", &token, "k", &december(&s, &token, false).await)
            .await
            .status,
        StatusCode::CREATED
    );
    let record = |office: &str, amount: i64| {
        serde_json::to_vec(&json!({
            "office": office, "month": "2026-12", "date": "2027-01-29", "amount": amount,
            "payer_name": "ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ", "reference": "振込"
        }))
        .unwrap()
    };
    let p = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/payments",
            Some(STAFF),
            &[],
            record("O001", 5000),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&p.body));
    assert_eq!(p.json()["amount"], 5000);
    let p = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/payments",
            Some(STAFF),
            &[],
            record("O002", 4000),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED);
    let bad = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/payments",
            Some(STAFF),
            &[],
            record("O999", 1),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_office".into())
    );
    let a = s.get(pay, Some(&token)).await;
    assert_eq!(a.status, StatusCode::OK);
    // Payable after 000102's partial deduction: O001 5010, O002 3645 (WORKED-EXAMPLE, lifecycle).
    assert_eq!(
        a.json()["offices"],
        json!([
            {"code": "O001", "expected": 5010, "received": 5000, "status": "partial"},
            {"code": "O002", "expected": 3645, "received": 4000, "status": "overpaid"}
        ])
    );
    assert!(s.audit_actions().iter().any(|a| a == "server.payment.record"));
}

#[tokio::test]
async fn a_bad_package_is_refused_with_its_problems() {
    let s = Server::new();
    let mut pkg: Value = serde_json::from_slice(&worked_example()).unwrap();
    pkg["enrollments"][0]["product"] = json!("XXX");
    let a = s.load(&serde_json::to_vec(&pkg).unwrap()).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_package".into())
    );
    assert_eq!(a.json()["error"]["problems"][0]["path"], "enrollments[0].product");
    // Token for a group that does not exist.
    let t = s
        .call(
            Method::POST,
            "/v1/admin/groups/G0001/tokens",
            Some(STAFF),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(t.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reported_month_cannot_be_loaded_over() {
    let (s, token) = loaded().await;
    let r = s
        .submit("G0001", "2026-12", &token, "k", &december(&s, &token, false).await)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.body));
    let a = s.load(&worked_example()).await;
    assert_eq!((a.status, a.code()), (StatusCode::CONFLICT, "already_reported".into()));
}
