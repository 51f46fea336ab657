//! 「前回からの変更」 on load: the first package of a group has nothing to compare with; a package
//! that replaces the month, or the next month's, is compared with the last one loaded (its
//! fingerprint kept beside the month, the previous package not parsed again).

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_app::infoone_store::Store;
use infoone_formats::package::{parse_package, BillPackage};

fn at(t: &str) -> NaiveDateTime {
    format!("2026-11-25T{t}").parse().unwrap()
}

fn sample() -> BillPackage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/bill-package.json");
    parse_package("bill-package.json", &std::fs::read(path).unwrap()).unwrap()
}

fn load(store: &mut Store, pkg: &BillPackage, t: &str) -> infoone_app::LoadSummary {
    let bytes = serde_json::to_vec(pkg).unwrap();
    infoone_app::load_package_bytes(store, "bill-package.json", &bytes, at(t)).unwrap()
}

#[test]
fn a_load_says_what_changed_since_the_last_package() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("infoone.db")).unwrap();
    // No Web applications: they would be proposed at once, and a month with proposals is being
    // worked on (the insurer's newer package would then be refused, not compared).
    let mut first = sample();
    first.pending_applications.clear();
    assert_eq!(
        load(&mut store, &first, "09:00:00").diff,
        None,
        "nothing to compare the first load with"
    );

    // The insurer sends the month again (nothing decided yet): one member fewer, one renamed.
    let mut again = first.clone();
    again.version = "sha256:again".into();
    let gone = again.members.remove(3).employee_no;
    let ended: Vec<String> = again
        .enrollments
        .iter()
        .filter(|e| e.employee_no == gone)
        .map(|e| e.id.clone())
        .collect();
    again.enrollments.retain(|e| e.employee_no != gone);
    again.billed.retain(|b| !ended.contains(&b.enrollment));
    again.carry_over.retain(|c| !ended.contains(&c.enrollment));
    again.members[0].name_kana.push('ｱ');
    let s = load(&mut store, &again, "09:10:00");
    assert!(s.replaced);
    let d = s.diff.expect("compared with the package it replaced");
    assert_eq!(
        (d.since_month.as_str(), d.since_version.as_str()),
        (first.month.as_str(), first.version.as_str())
    );
    assert_eq!((d.members.added, d.members.removed, d.members.changed), (0, 1, 1));
    assert_eq!(d.members.removed_keys, std::slice::from_ref(&gone));
    assert!(d.enrollments.removed >= 1 && d.enrollments.added == 0);
    assert!(d.offices.is_empty() && d.products.is_empty());

    // The next month's package is compared with this month's.
    let mut next = again.clone();
    next.month = "2027-01".into();
    next.version = "sha256:next".into();
    next.group_products[0].max_age += 1;
    let d = load(&mut store, &next, "09:20:00")
        .diff
        .expect("compared with the month before");
    assert_eq!(
        (d.since_month.as_str(), d.since_version.as_str()),
        (again.month.as_str(), "sha256:again")
    );
    assert_eq!((d.products.changed, d.members.added, d.members.removed), (1, 0, 0));
}
