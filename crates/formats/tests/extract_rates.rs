//! The member extract and participation rates (formats::extract): the rate's exact decimal
//! arithmetic and half-up rounding, who counts as active and enrolled, and the csv bytes.

use infoone_domain::ledger::{Enrollment, Insured, Ledger, Member, MemberStatus};
use infoone_domain::month::YearMonth;
use infoone_formats::extract::{
    participation, participation_rate, rate_text, write_extract_csv, write_participation_csv,
};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/worked-example/bill-package.json"
));

fn worked_example() -> Ledger {
    let pkg = infoone_formats::package::parse_package("bill-package.json", EXAMPLE.as_bytes()).unwrap();
    infoone_formats::ledger::to_ledger(&pkg, &[])
}

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

#[test]
fn rates_are_percentages_rounded_half_up_to_one_decimal() {
    for (enrolled, active, want) in [
        (7, 20, "35.0%"),
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (1, 8, "12.5%"),
        (1, 16, "6.3%"),   // 6.25 → 6.3 (half-up, not banker's 6.2)
        (3, 16, "18.8%"),  // 18.75 → 18.8
        (5, 16, "31.3%"),  // 31.25 → 31.3
        (1, 1600, "0.1%"), // 0.0625 → 0.1
        (1, 2001, "0.0%"), // 0.04997… → 0.0
        (0, 5, "0.0%"),
        (5, 5, "100.0%"),
        (299_999, 300_000, "100.0%"), // 99.99967 → 100.0
        (0, 0, ""),
    ] {
        assert_eq!(
            rate_text(participation_rate(enrolled, active)),
            want,
            "{enrolled}/{active}"
        );
    }
}

fn member(no: &str, office: &str, status: MemberStatus) -> Member {
    let mut m = worked_example().members["000102"].clone();
    m.employee_no = no.into();
    m.office = office.into();
    m.status = status;
    m
}

fn enroll(l: &mut Ledger, id: &str, no: &str, product: &str, start: &str, end: Option<&str>) {
    l.insert_enrollment(Enrollment {
        id: id.into(),
        employee_no: no.into(),
        insured: Insured::Member,
        product: product.into(),
        plan: if product == "GTL" { "A" } else { "S" }.into(),
        units: 1,
        start_month: ym(start),
        end_month: end.map(ym),
        withdrawal: None,
    });
}

#[test]
fn active_employees_of_each_office_and_those_enrolled_in_each_product() {
    let mut l = worked_example();
    // O002 gets: two more active members (one enrolled in GTL), one on leave and one retired
    // (both enrolled: not counted), one whose GTL ended last month, one joining next month, and
    // one transferred in from O001 this month (000102 leaves O001 from 2026-12).
    for (no, status) in [
        ("000202", MemberStatus::Active),
        ("000203", MemberStatus::Active),
        ("000204", MemberStatus::Leave),
        ("000205", MemberStatus::Retired),
        ("000206", MemberStatus::Active),
        ("000207", MemberStatus::Active),
    ] {
        l.members.insert(no.into(), member(no, "O002", status));
    }
    enroll(&mut l, "X1", "000202", "GTL", "2025-04", None);
    enroll(&mut l, "X2", "000204", "GTL", "2025-04", None);
    enroll(&mut l, "X3", "000205", "GTL", "2025-04", None);
    enroll(&mut l, "X4", "000206", "GTL", "2025-04", Some("2026-11"));
    enroll(&mut l, "X5", "000207", "MED", "2027-01", None);
    if let Some(m) = l.members.get_mut("000102") {
        m.transfers.push((ym("2026-12"), "O002".into()));
    }
    let rows: Vec<String> = participation(&l)
        .iter()
        .map(|p| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}",
                p.office,
                p.office_name,
                p.product,
                p.product_name,
                p.enrolled,
                p.active,
                rate_text(p.rate)
            )
        })
        .collect();
    // O001: 000101 only (GTL self; MED insures the spouse: enrolled too).
    // O002 active: 000201, 000102, 000202, 000203, 000206, 000207 = 6; GTL: 000201, 000102,
    // 000202 = 3 → 50.0%; MED: 000102 (E0004) = 1 → 16.7% (W0001 is not accepted here).
    assert_eq!(
        rows,
        [
            "O001|本社|GTL|団体定期保険|1|1|100.0%",
            "O001|本社|MED|団体医療保険|1|1|100.0%",
            "O002|大阪支店|GTL|団体定期保険|3|6|50.0%",
            "O002|大阪支店|MED|団体医療保険|1|6|16.7%",
            "|団体計|GTL|団体定期保険|4|7|57.1%",
            "|団体計|MED|団体医療保険|2|7|28.6%",
        ]
    );
}

#[test]
fn csv_files_are_utf8_with_bom_and_crlf_quoting_only_when_needed() {
    let mut l = worked_example();
    if let Some(m) = l.members.get_mut("000101") {
        m.name = "山田, \"太郎\"".into();
    }
    let mut out = Vec::new();
    assert_eq!(write_extract_csv(&l, &mut out).unwrap(), 5);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "\u{FEFF}加入ID,社員番号,氏名,氏名カナ,在籍区分,事業所コード,事業所名,被保険者区分,被保険者氏名,商品コード,商品名,プラン,プラン名,口数,加入開始月,加入終了月,月額保険料");
    assert_eq!(
        lines[1],
        "E0001,000101,\"山田, \"\"太郎\"\"\",ﾔﾏﾀﾞ ﾀﾛｳ,在籍,O001,本社,本人,\"山田, \"\"太郎\"\"\",GTL,団体定期保険,A,Aコース（1口100万円）,10,2020-04,,779"
    );
    assert_eq!(lines.len(), 7, "header, 5 rows, and the empty rest after the last CRLF");
    assert_eq!(lines[6], "");
    let mut out = Vec::new();
    assert_eq!(write_participation_csv(&l, &mut out).unwrap(), 6);
    assert!(out.starts_with("\u{FEFF}事業所コード,事業所名,商品コード,商品名,在籍者数,加入者数,加入率\r\n".as_bytes()));
}
