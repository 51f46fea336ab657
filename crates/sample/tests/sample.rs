//! The sample generator: determinism, validity of every file, and consistency of the amounts.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::NaiveDate;
use infoone_domain::age::AgeMethod;
use infoone_domain::money::{Ratio, Rounding};
use infoone_domain::month::{PolicyYear, YearMonth};
use infoone_domain::product as dp;
use infoone_formats::package::{self as p, parse_package, BillPackage};
use infoone_sample::{
    deductions_csv, generate, hr_csv, hr_xlsx, package_json, write_all, HrRowKind, Sample, SampleSpec,
};

fn sample(members: usize, offices: usize, seed: u64) -> Sample {
    generate(&SampleSpec::new(members, offices, seed))
}

fn files(s: &Sample) -> Vec<Vec<u8>> {
    vec![
        package_json(s),
        hr_xlsx(s).unwrap(),
        hr_csv(s).unwrap(),
        deductions_csv(s).unwrap(),
    ]
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("infoone-sample-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn same_seed_same_bytes() {
    let a = sample(500, 7, 42);
    let b = sample(500, 7, 42);
    assert_eq!(a, b);
    assert_eq!(files(&a), files(&b));

    let (da, db) = (temp_dir("same-a"), temp_dir("same-b"));
    write_all(&a, &da).unwrap();
    write_all(&b, &db).unwrap();
    for f in ["bill-package.json", "hr.xlsx", "hr.csv", "deductions.csv"] {
        let x = std::fs::read(da.join(f)).unwrap();
        let y = std::fs::read(db.join(f)).unwrap();
        assert!(!x.is_empty(), "{f} is empty");
        assert!(x == y, "{f} differs between two runs with the same seed");
    }
    std::fs::remove_dir_all(&da).unwrap();
    std::fs::remove_dir_all(&db).unwrap();
}

#[test]
fn different_seed_different_files() {
    let a = files(&sample(300, 5, 1));
    let b = files(&sample(300, 5, 2));
    for (x, y) in a.iter().zip(&b) {
        assert_ne!(x, y);
    }
}

#[test]
fn package_is_accepted_with_no_problems() {
    let s = sample(2_000, 20, 7);
    let bytes = package_json(&s);
    let parsed = parse_package("bill-package.json", &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed, s.package);
    // No field the package format does not know. (The contact fields of members are in the
    // model; the unknown-field table of `parse_package_with_warnings` may lag behind it.)
    let (_, warnings) = p::parse_package_with_warnings("bill-package.json", &bytes).unwrap();
    let contact = [".email", ".postal_code", ".address"];
    let unknown: Vec<&p::Problem> = warnings
        .iter()
        .filter(|w| !(w.path.starts_with("members[") && contact.iter().any(|c| w.path.ends_with(c))))
        .take(5)
        .collect();
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(p::package_version(&bytes), s.package.version);
    assert!(s.package.version.starts_with("sha256:"));
    assert_eq!(s.package.month, "2026-12");
    assert_eq!(s.package.offices.len(), 20);
    assert_eq!(s.package.offices[0].code, "O001");
    assert_eq!(s.package.offices[0].name, "本社");
    assert_eq!(s.package.offices[0].deduction_destination, "D01");
    let codes: Vec<&str> = s.package.group_products.iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes, ["GTL", "MED", "GAI", "LTD"]);
}

#[test]
fn tiny_and_odd_groups_are_valid() {
    for (members, offices, seed) in [(1, 1, 0), (2, 3, 5), (19, 1, 9), (25, 40, 11), (60, 2, 3)] {
        let s = sample(members, offices, seed);
        parse_package("p.json", &package_json(&s)).unwrap_or_else(|e| panic!("{members}/{offices}: {e}"));
        hr_csv(&s).unwrap();
        hr_xlsx(&s).unwrap();
    }
    for month in ["2026-04", "2027-03", "2025-01"] {
        let s = generate(&SampleSpec::new(400, 6, 3).with_month_text(month).unwrap());
        parse_package("p.json", &package_json(&s)).unwrap_or_else(|e| panic!("{month}: {e}"));
        check_billed_amounts(&s.package);
    }
}

#[test]
fn twenty_thousand_members_are_valid() {
    let s = sample(20_000, 200, 3);
    parse_package("bill-package.json", &package_json(&s)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn spec_limits() {
    assert!(SampleSpec::new(0, 1, 0).check().is_err());
    assert!(SampleSpec::new(1, 0, 0).check().is_err());
    assert!(SampleSpec::new(300_000, 2_000, 0).check().is_ok());
    assert!(SampleSpec::default().with_month_text("2026-13").is_err());
}

fn product(g: &p::GroupProduct) -> dp::GroupProduct {
    dp::GroupProduct {
        code: g.code.clone(),
        name: g.name.clone(),
        age_method: match g.age_method {
            p::AgeMethod::CompletedYears => AgeMethod::CompletedYears,
            p::AgeMethod::InsuranceAge => AgeMethod::InsuranceAge,
        },
        min_age: g.min_age as i32,
        max_age: g.max_age as i32,
        min_members: g.min_members,
        discount_rate: Ratio::new(g.discount_rate),
        commission_rate: Ratio::new(g.commission_rate),
        fee_rate: Ratio::new(g.fee_rate),
        rounding: match g.rounding {
            p::Rounding::Floor => Rounding::Floor,
            p::Rounding::Ceil => Rounding::Ceil,
            p::Rounding::HalfUp => Rounding::HalfUp,
        },
        mid_term_change: g.mid_term_change,
        plans: g
            .plans
            .iter()
            .map(|x| dp::Plan {
                code: x.code.clone(),
                name: x.name.clone(),
            })
            .collect(),
        rates: g
            .rates
            .iter()
            .map(|r| dp::RateRow {
                plan: r.plan.clone(),
                min_age: r.min_age as i32,
                max_age: r.max_age as i32,
                gender: match r.gender {
                    p::RateGender::M => dp::RateGender::Male,
                    p::RateGender::F => dp::RateGender::Female,
                    p::RateGender::U => dp::RateGender::Unisex,
                },
                rate: r.rate,
            })
            .collect(),
        agent_code: g.agent_code.clone(),
    }
}

/// The premium of an enrollment for a month, from the package alone (DOMAIN.md §3).
struct Pricer<'a> {
    pkg: &'a BillPackage,
    members: HashMap<&'a str, &'a p::Member>,
    products: HashMap<&'a str, dp::GroupProduct>,
}

impl<'a> Pricer<'a> {
    fn new(pkg: &'a BillPackage) -> Self {
        Pricer {
            pkg,
            members: pkg.members.iter().map(|m| (m.employee_no.as_str(), m)).collect(),
            products: pkg
                .group_products
                .iter()
                .map(|g| (g.code.as_str(), product(g)))
                .collect(),
        }
    }

    fn premium(&self, e: &p::Enrollment, month: YearMonth) -> i64 {
        let m = self.members[e.employee_no.as_str()];
        let (birth, gender) = match e.insured_dependent() {
            None => (&m.birth_date, m.gender),
            Some(id) => {
                let d = m.dependents.iter().find(|d| d.id == id).unwrap();
                (&d.birth_date, d.gender)
            }
        };
        let birth: NaiveDate = birth.parse().unwrap();
        let basis = PolicyYear::containing(month, self.pkg.group.settings.policy_anniversary_month).basis_date();
        let gp = &self.products[e.product.as_str()];
        let age = gp.age_method.age(birth, basis);
        assert!(
            (gp.min_age..=gp.max_age).contains(&age),
            "{} age {age} outside {}",
            e.id,
            gp.code
        );
        let g = match gender {
            p::Gender::M => dp::Gender::Male,
            p::Gender::F => dp::Gender::Female,
        };
        gp.premium(&e.plan, e.units, age, g)
            .unwrap_or_else(|x| panic!("{}: {x:?}", e.id))
            .to_i64()
    }
}

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn covers(e: &p::Enrollment, m: YearMonth) -> bool {
    ym(&e.start_month) <= m && e.end_month.as_deref().is_none_or(|x| m <= ym(x))
}

fn on_office_bill(e: &p::Enrollment, m: YearMonth) -> bool {
    covers(e, m) && e.withdrawal_month.as_deref().is_none_or(|w| m <= ym(w))
}

fn check_billed_amounts(pkg: &BillPackage) {
    let pricer = Pricer::new(pkg);
    let month = ym(&pkg.month);
    let enrollments: HashMap<&str, &p::Enrollment> = pkg.enrollments.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut seen = HashSet::new();
    for b in &pkg.billed {
        let e = enrollments[b.enrollment.as_str()];
        let m = ym(&b.month);
        assert!(m < month && m >= month.plus(-6));
        assert!(
            on_office_bill(e, m),
            "{} billed outside its coverage in {}",
            e.id,
            b.month
        );
        assert_eq!(b.amount, pricer.premium(e, m), "{} {}", e.id, b.month);
        seen.insert((b.enrollment.as_str(), m));
    }
    // One entry per enrollment and month: none missing.
    for e in &pkg.enrollments {
        for m in month.plus(-6).through(month.prev()) {
            assert_eq!(on_office_bill(e, m), seen.contains(&(e.id.as_str(), m)), "{} {m}", e.id);
        }
        // Every enrollment can be priced in the month (and the next one).
        if covers(e, month) {
            pricer.premium(e, month);
            pricer.premium(e, month.next());
        }
    }
}

#[test]
fn billed_history_follows_the_premium_rule() {
    let s = sample(3_000, 30, 5);
    check_billed_amounts(&s.package);
    assert!(s.package.billed.len() >= s.package.enrollments.len() * 5);
    // Decimal rates and every rounding rule are exercised.
    assert!(s.package.group_products[0]
        .rates
        .iter()
        .any(|r| r.rate.to_string() == "37.5"));
}

#[test]
fn month_events_are_present_and_consistent() {
    let s = sample(2_000, 20, 11);
    let pkg = &s.package;
    let month = ym(&pkg.month);
    let prev = month.prev();
    let cutoff = pkg.group.settings.cutoff_day;

    // Carry-overs: one already carried once, the others not yet.
    assert!(pkg.carry_over.iter().any(|c| c.times_carried == 1));
    assert!(pkg.carry_over.iter().any(|c| c.times_carried == 0));
    let billed: HashMap<(&str, &str), i64> = pkg
        .billed
        .iter()
        .map(|b| ((b.enrollment.as_str(), b.month.as_str()), b.amount))
        .collect();
    for c in &pkg.carry_over {
        assert!(c.amount <= billed[&(c.enrollment.as_str(), c.month.as_str())]);
    }

    // Web applications on or before the cutoff and after it, for products the member lacks.
    let days: Vec<NaiveDate> = pkg
        .pending_applications
        .iter()
        .map(|a| a.applied_on.parse().unwrap())
        .collect();
    assert!(days
        .iter()
        .any(|d| YearMonth::of(*d) == prev && chrono::Datelike::day(d) <= cutoff));
    assert!(days
        .iter()
        .any(|d| YearMonth::of(*d) == prev && chrono::Datelike::day(d) > cutoff));
    assert_eq!(pkg.pending_applications[0].applied_on, "2026-11-18");
    assert_eq!(pkg.pending_applications[1].applied_on, "2026-11-25");
    for a in &pkg.pending_applications {
        assert!(!pkg
            .enrollments
            .iter()
            .any(|e| e.employee_no == a.employee_no && e.product == a.product && e.insured == a.insured));
    }

    // HR differences: about 3 % of members, every kind present.
    let kinds: HashMap<HrRowKind, usize> = s.hr_rows.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r.kind).or_default() += 1;
        m
    });
    for k in [
        HrRowKind::RetiredLastMonth,
        HrRowKind::RetiringThisMonth,
        HrRowKind::Transferred,
        HrRowKind::NameChanged,
        HrRowKind::OnLeave,
        HrRowKind::NewHire,
        HrRowKind::AlreadyRetired,
        HrRowKind::WarekiBirthDate,
        HrRowKind::FullWidthNumber,
    ] {
        assert!(kinds.get(&k).copied().unwrap_or(0) >= 1, "{k:?} missing");
    }
    let changed = s
        .hr_rows
        .iter()
        .filter(|r| {
            !matches!(
                r.kind,
                HrRowKind::Unchanged
                    | HrRowKind::WarekiBirthDate
                    | HrRowKind::FullWidthNumber
                    | HrRowKind::AlreadyRetired
            )
        })
        .count();
    assert!((40..=90).contains(&changed), "{changed} changed rows of 2000");
    assert_eq!(s.hr_rows.len(), 2_000 + kinds[&HrRowKind::NewHire]);
    let members: HashMap<&str, &p::Member> = pkg.members.iter().map(|m| (m.employee_no.as_str(), m)).collect();
    for r in &s.hr_rows {
        match r.kind {
            HrRowKind::NewHire => assert!(!members.contains_key(r.employee_no.as_str())),
            HrRowKind::RetiredLastMonth => {
                assert_eq!(YearMonth::of(r.retirement_date.unwrap()), prev)
            }
            HrRowKind::RetiringThisMonth => {
                assert_eq!(YearMonth::of(r.retirement_date.unwrap()), month)
            }
            HrRowKind::Transferred => {
                assert_ne!(r.office_code, members[r.employee_no.as_str()].office)
            }
            HrRowKind::Unchanged => {
                let m = members[r.employee_no.as_str()];
                assert_eq!((&r.name, &r.office_code), (&m.name, &m.office));
                assert_eq!(r.birth_date.to_string(), m.birth_date);
            }
            _ => {}
        }
    }

    // Deductions: consistent with the month's bill once the HR changes are accepted.
    let pricer = Pricer::new(pkg);
    let hr: HashMap<&str, &infoone_sample::HrRowOut> = s.hr_rows.iter().map(|r| (r.employee_no.as_str(), r)).collect();
    let with_carry: HashSet<&str> = pkg
        .carry_over
        .iter()
        .map(|c| {
            pkg.enrollments
                .iter()
                .find(|e| e.id == c.enrollment)
                .unwrap()
                .employee_no
                .as_str()
        })
        .collect();
    let applying: HashSet<&str> = pkg
        .pending_applications
        .iter()
        .map(|a| a.employee_no.as_str())
        .collect();
    assert!(s.deductions.len() >= 3);
    let reasons: HashSet<p::UndeductedReason> = s.deductions.iter().map(|d| d.reason).collect();
    assert_eq!(reasons.len(), 3);
    for d in &s.deductions {
        let total: i64 = pkg
            .enrollments
            .iter()
            .filter(|e| e.employee_no == d.employee_no && on_office_bill(e, month))
            .map(|e| pricer.premium(e, month))
            .sum();
        assert_eq!(total, d.billed);
        assert!(0 <= d.amount && d.amount < total, "{d:?}");
        assert_eq!(d.office, members[d.employee_no.as_str()].office);
        assert!(!with_carry.contains(d.employee_no.as_str()) && !applying.contains(d.employee_no.as_str()));
        let row = hr[d.employee_no.as_str()];
        match d.reason {
            p::UndeductedReason::Leave => assert_eq!(row.kind, HrRowKind::OnLeave),
            p::UndeductedReason::Retired => assert_eq!(row.kind, HrRowKind::RetiringThisMonth),
            _ => assert_eq!(row.kind, HrRowKind::Unchanged),
        }
    }
}

#[test]
fn hr_csv_is_cp932_with_wareki_and_full_width_number() {
    let s = sample(1_000, 10, 4);
    let bytes = hr_csv(&s).unwrap();
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&bytes);
    assert!(!had_errors);
    assert!(std::str::from_utf8(&bytes).is_err(), "not plain UTF-8");
    assert!(text.starts_with("社員番号,氏名,氏名カナ,生年月日,性別,事業所コード,在籍区分,異動日,退職日,メールアドレス,郵便番号,住所,内線番号\r\n"));
    assert!(!text.contains("&#"));
    assert!(text.contains("０００１２３,"), "full-width employee number");
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
    assert_eq!(text.matches("\r\n").count(), s.hr_rows.len() + 1);

    let wareki = s.hr_rows.iter().find(|r| r.kind == HrRowKind::WarekiBirthDate).unwrap();
    let written = wareki.birth_date_text.as_deref().unwrap();
    assert!(written.starts_with("昭和"), "{written}");
    assert!(text.contains(&format!(",{written},")));
    let member = s
        .package
        .members
        .iter()
        .find(|m| m.employee_no == wareki.employee_no)
        .unwrap();
    assert_eq!(
        infoone_formats::date::parse_date(written).unwrap().to_string(),
        member.birth_date
    );
    // Half-width kana as payroll systems keep it.
    assert!(s.hr_rows.iter().all(|r| r
        .name_kana
        .chars()
        .all(|c| c == ' ' || ('\u{FF61}'..='\u{FF9F}').contains(&c))));
}

#[test]
fn hr_files_read_back_without_problems() {
    let s = sample(800, 9, 21);
    for (name, bytes) in [("hr.csv", hr_csv(&s).unwrap()), ("hr.xlsx", hr_xlsx(&s).unwrap())] {
        let snap = infoone_formats::hr::read_hr_bytes(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(snap.rows.len(), s.hr_rows.len(), "{name}");
        assert_eq!(snap.unknown_columns, ["内線番号"], "{name}");
        for (read, out) in snap.rows.iter().zip(&s.hr_rows) {
            assert_eq!(read.birth_date, out.birth_date, "{name} {}", out.employee_no);
            assert_eq!(read.retirement_date, out.retirement_date, "{name} {}", out.employee_no);
            assert_eq!(read.change_date, out.change_date, "{name} {}", out.employee_no);
            assert_eq!(read.office_code, out.office_code, "{name}");
            let ascii: String = out
                .employee_no
                .chars()
                .map(|c| {
                    if ('０'..='９').contains(&c) {
                        char::from_u32(c as u32 - 0xFEE0).unwrap()
                    } else {
                        c
                    }
                })
                .collect();
            assert_eq!(read.employee_no, ascii, "{name}");
        }
    }
}

#[test]
fn deductions_csv_is_utf8_with_bom() {
    let s = sample(2_000, 20, 8);
    let bytes = deductions_csv(&s).unwrap();
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM")).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("社員番号,控除額,理由,事業所コード"));
    assert_eq!(text.matches("\r\n").count(), s.deductions.len() + 1);
    for d in &s.deductions {
        let reason = match d.reason {
            p::UndeductedReason::Leave => "休職",
            p::UndeductedReason::Retired => "退職",
            p::UndeductedReason::InsufficientPay => "給与不足",
            p::UndeductedReason::Other => "その他",
        };
        assert!(text.contains(&format!("{},{},{reason},{}\r\n", d.employee_no, d.amount, d.office)));
    }
}

#[test]
fn deductions_csv_reads_back_without_problems() {
    let s = sample(2_000, 20, 8);
    let rows = infoone_formats::deduction::read_deductions_bytes("deductions.csv", &deductions_csv(&s).unwrap())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rows.len(), s.deductions.len());
    for (read, out) in rows.iter().zip(&s.deductions) {
        assert_eq!(read.employee_no, out.employee_no);
        assert_eq!(read.amount.to_i64(), out.amount);
        assert_eq!(read.office.as_deref(), Some(out.office.as_str()));
        assert!(read.reason.is_some());
    }
}
