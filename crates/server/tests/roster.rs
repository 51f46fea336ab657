//! `POST /v1/admin/groups/{group}/roster` through the router: the worked example loaded by staff,
//! a roster written by the product's own writer (`formats::roster`) from the package the server
//! serves, edited, and loaded back; refused files change nothing; access and limits.

mod common;

use std::path::Path;

use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use common::{clerk_report, worked_example, Answer, MonthEnd, Server, STAFF};
use infoone_domain::ledger::MemberStatus;
use infoone_domain::product::Gender;
use infoone_formats::package::{self as p, parse_package, BillPackage};
use infoone_formats::roster::{self, InsuredKind, RosterEnrollment, RosterMember, RosterRow};
use infoone_server::openapi::XLSX;
use infoone_server::Limits;
use serde_json::{json, Value};

const DEC: &str = "/v1/groups/G0001/months/2026-12/package";
const ROSTER: &str = "/v1/admin/groups/G0001/roster";

async fn loaded() -> Server {
    let s = Server::new();
    let a = s.load(&worked_example()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
    s
}

/// The package the server serves now, and its ETag.
async fn served(s: &Server) -> (BillPackage, String) {
    let a = s.get(DEC, Some(STAFF)).await;
    assert_eq!(a.status, StatusCode::OK);
    let etag = a.headers["etag"].to_str().unwrap().to_string();
    (parse_package("served.json", &a.body).unwrap(), etag)
}

/// The roster rows of a package, as `infoone export roster` writes them.
fn rows_of(pkg: &BillPackage) -> Vec<RosterRow> {
    roster::roster_rows(&infoone_formats::ledger::to_ledger(pkg, &[]))
}

/// The rows as an xlsx file's bytes, written by the product's roster writer.
fn xlsx(dir: &Path, rows: Vec<RosterRow>) -> Vec<u8> {
    let path = dir.join("roster.xlsx");
    roster::write_roster_rows(rows, &path).unwrap();
    std::fs::read(&path).unwrap()
}

async fn post_roster(s: &Server, uri: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
    s.call(Method::POST, uri, token, &[("content-type", XLSX)], body).await
}

fn member<'a>(pkg: &'a BillPackage, no: &str) -> &'a p::Member {
    pkg.member(no).unwrap_or_else(|| panic!("member {no}"))
}

fn enrollment<'a>(pkg: &'a BillPackage, id: &str) -> &'a p::Enrollment {
    pkg.enrollments
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("enrollment {id}"))
}

fn new_member_row() -> RosterRow {
    let birth = NaiveDate::from_ymd_opt(1990, 6, 15).unwrap();
    RosterRow {
        row: 0,
        member: RosterMember {
            employee_no: "000301".into(),
            name: "鈴木 次郎".into(),
            name_kana: "ｽｽﾞｷ ｼﾞﾛｳ".into(),
            birth_date: birth,
            gender: Gender::Male,
            office: "O002".into(),
            office_name: "大阪支店".into(),
            status: MemberStatus::Active,
            email: "jiro.suzuki@example.jp".into(),
            postal_code: "530-0001".into(),
            address: "大阪府大阪市北区梅田1-1-1".into(),
        },
        enrollment: Some(RosterEnrollment {
            id: String::new(),
            insured: InsuredKind::Member,
            insured_name: "鈴木 次郎".into(),
            insured_birth_date: Some(birth),
            product: "GTL".into(),
            product_name: "団体定期保険".into(),
            plan: "A".into(),
            units: 3,
            start_month: Some("2026-12".parse().unwrap()),
            end_month: None,
            withdrawal_month: None,
            withdrawal_option: None,
            premium: None,
        }),
    }
}

/// The audit rows of roster loads, oldest first.
fn roster_loads(s: &Server) -> Vec<infoone_app::infoone_store::AuditRow> {
    s.read(|tx| Ok(tx.audit_log(None)?))
        .into_iter()
        .filter(|a| a.action == "server.roster.load")
        .collect()
}

fn summary(a: &Answer) -> Value {
    let mut v = a.json();
    v.as_object_mut().unwrap().remove("version");
    v
}

#[tokio::test]
async fn a_roster_updates_and_adds_members_and_enrollments_and_the_version_changes() {
    let s = loaded().await;
    let (before, etag1) = served(&s).await;

    // The roster as the product exports it loads without changing anything.
    let same = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows_of(&before))).await;
    assert_eq!(same.status, StatusCode::OK, "{}", String::from_utf8_lossy(&same.body));
    assert_eq!(
        summary(&same),
        json!({"group": "G0001", "month": "2026-12", "changed": false, "rows": 5,
               "members_added": 0, "members_updated": 0, "enrollments_added": 0,
               "enrollments_updated": 0, "unknown_columns": []})
    );
    assert_eq!(format!("\"{}\"", same.json()["version"].as_str().unwrap()), etag1);
    assert_eq!(served(&s).await.1, etag1);

    // Edited: 000201 renamed and moved to O001, E0004 to plan S with 2 units, a new member
    // 000301 with a GTL enrollment.
    let mut rows = rows_of(&before);
    let ids: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.member.employee_no.clone(), r.enrollment.as_ref().unwrap().id.clone()))
        .collect();
    assert_eq!(
        ids,
        [
            ("000101", "E0001"),
            ("000101", "E0002"),
            ("000102", "E0003"),
            ("000102", "E0004"),
            ("000201", "E0005"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    rows[4].member.name = "佐藤 一朗".into();
    rows[4].member.name_kana = "ｻﾄｳ ｲﾁﾛｳ".into();
    rows[4].member.office = "O001".into();
    rows[4].member.email = "ichiro.sato@example.jp".into();
    let e4 = rows[3].enrollment.as_mut().unwrap();
    e4.plan = "S".into();
    e4.units = 2;
    rows.push(new_member_row());
    let file = xlsx(s.dir.path(), rows);
    let a = post_roster(&s, ROSTER, Some(STAFF), file.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        summary(&a),
        json!({"group": "G0001", "month": "2026-12", "changed": true, "rows": 6,
               "members_added": 1, "members_updated": 1, "enrollments_added": 1,
               "enrollments_updated": 1, "unknown_columns": []})
    );

    let (after, etag2) = served(&s).await;
    assert_ne!(etag2, etag1);
    assert_eq!(format!("\"{}\"", a.json()["version"].as_str().unwrap()), etag2);
    assert_eq!(after.month, "2026-12");
    assert_eq!(after.members.len(), 4);
    assert_eq!(after.enrollments.len(), 6);
    // Changed exactly as the roster says; the kana was the same (width folded), so it stays.
    let mut sato = member(&before, "000201").clone();
    sato.name = "佐藤 一朗".into();
    sato.office = "O001".into();
    sato.email = Some("ichiro.sato@example.jp".into());
    assert_eq!(member(&after, "000201"), &sato);
    assert_eq!(member(&after, "000201").name_kana, "ｻﾄｳ ｲﾁﾛｳ");
    assert_eq!(
        member(&after, "000301"),
        &p::Member {
            employee_no: "000301".into(),
            name: "鈴木 次郎".into(),
            name_kana: "スズキ ジロウ".into(),
            birth_date: "1990-06-15".into(),
            gender: p::Gender::M,
            office: "O002".into(),
            status: p::MemberStatus::Active,
            retired_on: None,
            dependents: Vec::new(),
            bank_account: None,
            email: Some("jiro.suzuki@example.jp".into()),
            postal_code: Some("530-0001".into()),
            address: Some("大阪府大阪市北区梅田1-1-1".into()),
        }
    );
    assert_eq!(
        enrollment(&after, "S202612-R000301-GTL-self"),
        &p::Enrollment {
            id: "S202612-R000301-GTL-self".into(),
            employee_no: "000301".into(),
            insured: "self".into(),
            product: "GTL".into(),
            plan: "A".into(),
            units: 3,
            start_month: "2026-12".into(),
            end_month: None,
            withdrawal_option: None,
            withdrawal_month: None,
        }
    );
    let mut e0004 = enrollment(&before, "E0004").clone();
    e0004.plan = "S".into();
    e0004.units = 2;
    assert_eq!(enrollment(&after, "E0004"), &e0004);
    // Everything else as it was.
    for no in ["000101", "000102"] {
        assert_eq!(member(&after, no), member(&before, no));
    }
    for id in ["E0001", "E0002", "E0003", "E0005"] {
        assert_eq!(enrollment(&after, id), enrollment(&before, id));
    }
    assert_eq!(after.offices, before.offices);
    assert_eq!(after.group_products, before.group_products);
    assert_eq!(after.pending_applications, before.pending_applications);
    assert_eq!(after.billed, before.billed);

    // In the audit log with its counts and the version it led to.
    let loads = roster_loads(&s);
    assert_eq!(loads.len(), 2);
    assert_eq!(loads[0].after, None);
    assert_eq!(
        serde_json::from_str::<Value>(loads[0].detail.as_deref().unwrap()).unwrap(),
        summary(&same)
    );
    assert_eq!(loads[1].after.as_deref(), a.json()["version"].as_str());
    assert_eq!(
        serde_json::from_str::<Value>(loads[1].detail.as_deref().unwrap()).unwrap(),
        summary(&a)
    );
    assert_eq!(
        (
            loads[1].group_code.as_deref(),
            loads[1].key.as_deref(),
            loads[1].source.as_deref()
        ),
        (Some("G0001"), Some("G0001"), Some("staff-token:1"))
    );

    // The same file again: nothing to change, the same version.
    let again = post_roster(&s, ROSTER, Some(STAFF), file).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        summary(&again),
        json!({"group": "G0001", "month": "2026-12", "changed": false, "rows": 6,
               "members_added": 0, "members_updated": 0, "enrollments_added": 0,
               "enrollments_updated": 0, "unknown_columns": []})
    );
    assert_eq!(served(&s).await.1, etag2);
}

#[tokio::test]
async fn a_roster_with_an_unknown_office_is_refused_with_positions_and_changes_nothing() {
    let s = loaded().await;
    let (before, etag) = served(&s).await;
    let mut rows = rows_of(&before);
    // 000101 (rows 2 and 3) to an office the group does not have; E0005 (row 6) to a plan GTL
    // does not have; a valid rename (000102, rows 4 and 5) that must not be applied either.
    rows[0].member.office = "O999".into();
    rows[1].member.office = "O999".into();
    rows[2].member.name = "髙橋 美咲子".into();
    rows[3].member.name = "髙橋 美咲子".into();
    rows[4].enrollment.as_mut().unwrap().plan = "Z".into();
    let a = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "invalid_roster");
    assert_eq!(
        a.json()["error"]["problems"],
        json!([
            {"row": 2, "column": "事業所コード", "value": "O999", "code": "F4009",
             "expected": "団体にない事業所コードです（事業所: O001、O002）"},
            {"row": 6, "column": "プラン", "value": "Z", "code": "F4009",
             "expected": "団体定期保険（GTL）にないプランです（プラン: A）"},
        ])
    );
    assert_eq!(a.json()["error"]["more"], 0);
    assert_eq!(
        a.json()["error"]["message"],
        "加入者名簿を取り込めません（問題2件。台帳は変更していません）: roster.xlsx 2行目 「事業所コード」列: 値「O999」— 団体にない事業所コードです（事業所: O001、O002）"
    );
    let (after, etag_after) = served(&s).await;
    assert_eq!(etag_after, etag);
    assert_eq!(after, before);
    assert!(roster_loads(&s).is_empty());
}

#[tokio::test]
async fn values_the_roster_cannot_change_refuse_the_file() {
    let s = loaded().await;
    let (before, etag) = served(&s).await;
    let mut rows = rows_of(&before);
    // Row 2: 000101's birth date; row 4: E0003 to another product; row 7: a spouse the new
    // member does not have.
    rows[0].member.birth_date = NaiveDate::from_ymd_opt(1980, 10, 3).unwrap();
    rows[1].member.birth_date = NaiveDate::from_ymd_opt(1980, 10, 3).unwrap();
    rows[2].enrollment.as_mut().unwrap().product = "MED".into();
    let mut spouse = new_member_row();
    let e = spouse.enrollment.as_mut().unwrap();
    e.insured = InsuredKind::Spouse;
    e.insured_name = "鈴木 花".into();
    rows.push(spouse);
    let a = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows)).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_roster".into())
    );
    let problems = a.json()["error"]["problems"].clone();
    let at: Vec<(i64, &str, &str, &str)> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap(),
                p["value"].as_str().unwrap(),
                p["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            (2, "生年月日", "1980-10-03", "F4008"),
            (3, "生年月日", "1980-10-03", "F4008"),
            (4, "商品コード", "MED", "F4008"),
            (7, "被保険者氏名", "鈴木 花", "F4009"),
        ]
    );
    assert_eq!(served(&s).await.1, etag);
}

#[tokio::test]
async fn only_staff_may_load_a_roster_of_a_group_that_exists() {
    let s = loaded().await;
    let (before, etag) = served(&s).await;
    let file = xlsx(s.dir.path(), rows_of(&before));
    let token = s.token("G0001").await;
    let a = post_roster(&s, ROSTER, Some(&token), file.clone()).await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, "forbidden".into()));
    let b = post_roster(&s, ROSTER, None, file.clone()).await;
    assert_eq!((b.status, b.code()), (StatusCode::UNAUTHORIZED, "unauthorized".into()));
    let c = post_roster(&s, "/v1/admin/groups/G9999/roster", Some(STAFF), file.clone()).await;
    assert_eq!((c.status, c.code()), (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(c.json()["error"]["message"], "団体「G9999」は見つかりません");
    let d = s.call(Method::GET, ROSTER, Some(STAFF), &[], Vec::new()).await;
    assert_eq!(d.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(served(&s).await.1, etag);
}

#[tokio::test]
async fn junk_bodies_are_refused_with_4xx() {
    let s = loaded().await;
    let etag = served(&s).await.1;
    let junk: [&[u8]; 5] = [
        b"",
        b"PK\x03\x04 not really a zip",
        b"\x00\x01\x02\xff\xfe",
        "社員番号,氏名\n000101,山田\n".as_bytes(),
        br#"{"format": "infoone.bill-package/1"}"#,
    ];
    for body in junk {
        let a = post_roster(&s, ROSTER, Some(STAFF), body.to_vec()).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_roster".into()),
            "{body:?}"
        );
        assert!(a.json()["error"]["problems"].as_array().is_some_and(|p| !p.is_empty()));
    }
    // Only a workbook is read: a csv (or anything else) is not one.
    let a = post_roster(
        &s,
        ROSTER,
        Some(STAFF),
        "社員番号,氏名\n000101,山田\n".as_bytes().to_vec(),
    )
    .await;
    let v = a.json();
    let codes: Vec<&str> = v["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["F1004"]);
    assert_eq!(
        v["error"]["problems"][0]["expected"],
        "Excelファイルとして読めません（ファイルが壊れているか、Excel形式ではありません）"
    );
    assert_eq!(served(&s).await.1, etag);

    let small = Server::with_limits(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let big = post_roster(&small, ROSTER, Some(STAFF), vec![b'x'; 4096]).await;
    assert_eq!(
        (big.status, big.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
}

#[tokio::test]
async fn end_months_and_withdrawals_are_loaded_as_the_domain_records_them() {
    let s = loaded().await;
    let (before, etag) = served(&s).await;
    let ym = |m: &str| Some(m.parse().unwrap());
    let mut rows = rows_of(&before);
    // Row 2 (E0001): coverage ends with 2027-01. Row 6 (E0005): withdrawn in 2026-12 with a
    // lump sum, no end month given: the policy year's end (anniversary April → 2027-03). Row 5
    // (E0004): 脱退月 without 脱退時の選択 is 終了, ending coverage with it. Row 4: one of
    // 000102's two rows renamed — the value that differs from the ledger wins.
    rows[0].enrollment.as_mut().unwrap().end_month = ym("2027-01");
    let e5 = rows[4].enrollment.as_mut().unwrap();
    e5.withdrawal_month = ym("2026-12");
    e5.withdrawal_option = Some(infoone_domain::ledger::WithdrawalOption::LumpSum);
    rows[3].enrollment.as_mut().unwrap().withdrawal_month = ym("2027-02");
    rows[2].member.name = "髙橋 美咲子".into();
    let a = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows.clone())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        summary(&a),
        json!({"group": "G0001", "month": "2026-12", "changed": true, "rows": 5,
               "members_added": 0, "members_updated": 1, "enrollments_added": 0,
               "enrollments_updated": 3, "unknown_columns": []})
    );
    let (after, etag2) = served(&s).await;
    assert_ne!(etag2, etag);
    let ended = |id: &str| {
        let e = enrollment(&after, id);
        (e.end_month.clone(), e.withdrawal_month.clone(), e.withdrawal_option)
    };
    assert_eq!(ended("E0001"), (Some("2027-01".into()), None, None));
    assert_eq!(
        ended("E0004"),
        (
            Some("2027-02".into()),
            Some("2027-02".into()),
            Some(p::WithdrawalOption::End)
        )
    );
    assert_eq!(
        ended("E0005"),
        (
            Some("2027-03".into()),
            Some("2026-12".into()),
            Some(p::WithdrawalOption::LumpSum)
        )
    );
    assert_eq!(ended("E0002"), (None, None, None));
    assert_eq!(member(&after, "000102").name, "髙橋 美咲子");

    // The roster of the new package loads without changes (a 終了 withdrawal shows only as its
    // end month there, and is kept).
    let again = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows_of(&after))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["changed"], false);
    assert_eq!(served(&s).await.1, etag2);

    // 終了 with 加入終了月 other than 脱退月 does not go together.
    let mut bad = rows_of(&after);
    let e1 = bad[1].enrollment.as_mut().unwrap();
    e1.end_month = ym("2027-01");
    e1.withdrawal_month = ym("2026-12");
    e1.withdrawal_option = Some(infoone_domain::ledger::WithdrawalOption::End);
    let b = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), bad)).await;
    assert_eq!(b.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.json()["error"]["problems"],
        json!([{"row": 3, "column": "脱退月", "value": "2026-12", "code": "F4010",
                "expected": "脱退時の選択が終了のときは脱退月と加入終了月（2027-01）を同じ月にしてください"}])
    );
    assert_eq!(served(&s).await.1, etag2);
}

#[tokio::test]
async fn an_enrollment_without_a_rate_for_its_insured_person_is_refused() {
    let s = loaded().await;
    let (before, etag) = served(&s).await;
    let mut rows = rows_of(&before);
    // 10 at the policy year's age basis date: GTL's rates start at 15.
    let mut child = new_member_row();
    child.member.birth_date = NaiveDate::from_ymd_opt(2016, 5, 1).unwrap();
    rows.push(child);
    let a = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows)).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_roster".into())
    );
    let v = a.json();
    let p = &v["error"]["problems"];
    assert_eq!(p.as_array().unwrap().len(), 1, "{p}");
    assert_eq!(
        (&p[0]["row"], &p[0]["column"], &p[0]["value"], &p[0]["code"]),
        (&json!(7), &json!("プラン"), &json!("A"), &json!("F4009"))
    );
    assert_eq!(
        p[0]["expected"],
        "料率がありません: 加入S202612-R000301-GTL-self GTL プランA 10歳 性別M（基準日2026-04-01）"
    );
    assert_eq!(served(&s).await.1, etag);
    assert!(served(&s).await.0.member("000301").is_none());
}

#[tokio::test]
async fn a_report_from_the_package_before_the_roster_is_stale_and_the_new_one_is_accepted() {
    let s = loaded().await;
    let token = s.token("G0001").await;
    let old = s.get(DEC, Some(&token)).await.body;
    let (before, _) = served(&s).await;
    let mut rows = rows_of(&before);
    rows.push(new_member_row());
    let a = post_roster(&s, ROSTER, Some(STAFF), xlsx(s.dir.path(), rows)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));

    let how = MonthEnd {
        accept_all: true,
        deductions: None,
    };
    let stale = s
        .submit("G0001", "2026-12", &token, "old", &clerk_report(&old, &how))
        .await;
    assert_eq!(
        (stale.status, stale.code()),
        (StatusCode::CONFLICT, "stale_package".into())
    );
    let e = &stale.json()["error"];
    assert_eq!(e["current_version"], a.json()["version"]);
    assert_eq!(
        e["changes"],
        json!([
            {"part": "enrollments", "before": 5, "after": 6, "changed": true},
            {"part": "members", "before": 3, "after": 4, "changed": true},
        ])
    );
    // The clerk's month on the new package: the new member is billed and the server agrees.
    let new = s.get(DEC, Some(&token)).await.body;
    let report = clerk_report(&new, &how);
    let r: Value = serde_json::from_slice(&report).unwrap();
    let billed: Vec<(&str, i64)> = r["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["employee_no"].as_str().unwrap(), d["billed"].as_i64().unwrap()))
        .filter(|(no, _)| *no == "000301")
        .collect();
    // GTL plan A at 36 (insurance age on 2026-04-01): 37.5 yen × 3 units = 112.5, less the 5 %
    // group discount = 106.875, floored.
    assert_eq!(billed, [("000301", 106)]);
    let ok = s.submit("G0001", "2026-12", &token, "new", &report).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&ok.body));
}
