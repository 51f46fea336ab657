//! Amount arithmetic never panics (issue 9: a rate of 79228162514264337593543950335 made
//! `bill show` panic with "Multiplication overflowed"). An amount past `Yen::LIMIT` is the error
//! finding B1005, which blocks confirmation.

mod common;

use common::*;
use infoone_domain::bill::{compute, monthly_premium, MonthlyPremium};
use infoone_domain::money::Yen;
use infoone_domain::product::{Gender, PremiumError, RateGender};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const HUGE: Decimal = Decimal::MAX; // 79228162514264337593543950335

#[test]
fn the_largest_decimal_rate_is_a_finding_not_a_panic() {
    let mut p = gtl();
    p.rates = vec![row("A", 15, 70, RateGender::Unisex, HUGE)];
    assert_eq!(
        p.premium("A", 10, 45, Gender::Male),
        Err(PremiumError::OutOfRange { rate: HUGE, units: 10 })
    );
    let ledger = example_builder().product(p).build();
    let e = &ledger.enrollments["E0001"];
    let MonthlyPremium::Error(f) = monthly_premium(&ledger, e, ledger.month) else {
        panic!("expected the out-of-range finding");
    };
    assert_eq!(f.code.code, "B1005");
    let bill = compute(&ledger);
    assert!(bill.has_errors());
    let codes: Vec<&str> = bill.findings.iter().map(|f| f.code.code).collect();
    assert!(codes.contains(&"B1005"), "{codes:?}");
}

#[test]
fn a_premium_just_past_the_limit_is_refused_and_one_at_it_is_billed() {
    let mut p = gtl();
    p.discount_rate = ratio(dec!(0));
    p.rates = vec![row("A", 15, 70, RateGender::Unisex, dec!(100_000_000_000_000))];
    assert_eq!(p.premium("A", 10, 45, Gender::Male), Ok(Yen::LIMIT));
    assert!(matches!(
        p.premium("A", 11, 45, Gender::Male),
        Err(PremiumError::OutOfRange { units: 11, .. })
    ));
}

#[test]
fn totals_past_the_limit_are_a_finding() {
    // Each line is within the limit; the office total of two of them is not.
    let mut p = gtl();
    p.discount_rate = ratio(dec!(0));
    p.rates = vec![row("A", 15, 70, RateGender::Unisex, dec!(60_000_000_000_000))];
    let ledger = example_builder().product(p).build();
    let bill = compute(&ledger);
    let b1005: Vec<_> = bill.findings.iter().filter(|f| f.code.code == "B1005").collect();
    assert_eq!(b1005.len(), 1, "{:?}", bill.findings);
    assert!(bill.has_errors());
}
