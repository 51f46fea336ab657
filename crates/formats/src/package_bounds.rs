//! The bounds of the numbers in a bill package (docs/RELIABILITY.md): every rate, unit count,
//! age, month count and amount the domain computes with is far inside what `rust_decimal` and the
//! month arithmetic hold, so a loaded package can never overflow a computation. A value outside
//! them is refused at load, positioned by its JSON path like every other package problem.

use rust_decimal::Decimal;

use crate::limits::MAX_YEN;
use crate::package::{BillPackage, Checker};

/// Yen per unit per month (the sample group's largest rate is 7,240).
pub const MAX_RATE: i64 = 1_000_000;
/// Units (口数) of one enrollment.
pub const MAX_UNITS: u32 = 10_000;
/// An age in years.
pub const MAX_AGE: u32 = 150;
/// Months a change may go back (遡及限度).
pub const MAX_RETRO_MONTHS: u32 = 120;
/// Times an amount has been carried over.
pub const MAX_TIMES_CARRIED: u32 = 1_200;

pub(crate) fn check(c: &mut Checker<'_>, p: &BillPackage) {
    let s = &p.group.settings;
    if s.retro_limit_months > MAX_RETRO_MONTHS {
        let message = format!("遡及限度は {MAX_RETRO_MONTHS} か月以内です");
        c.value("group.settings.retro_limit_months", s.retro_limit_months, &message);
    }
    let age = |c: &mut Checker<'_>, path: String, v: u32| {
        if v > MAX_AGE {
            c.value(path, v, &format!("年齢は {MAX_AGE} 歳以内です"));
        }
    };
    let max_rate = Decimal::from(MAX_RATE);
    for (i, gp) in p.group_products.iter().enumerate() {
        age(c, format!("group_products[{i}].min_age"), gp.min_age);
        age(c, format!("group_products[{i}].max_age"), gp.max_age);
        for (j, r) in gp.rates.iter().enumerate() {
            let at = |f: &str| format!("group_products[{i}].rates[{j}].{f}");
            age(c, at("min_age"), r.min_age);
            age(c, at("max_age"), r.max_age);
            if r.rate > max_rate {
                let message = format!("保険料率が大きすぎます（1口 {MAX_RATE} 円以内）");
                c.value(at("rate"), r.rate, &message);
            }
        }
    }
    let units = |c: &mut Checker<'_>, path: String, v: u32| {
        if v > MAX_UNITS {
            c.value(path, v, &format!("口数は {MAX_UNITS} 以内です"));
        }
    };
    for (i, e) in p.enrollments.iter().enumerate() {
        units(c, format!("enrollments[{i}].units"), e.units);
    }
    for (i, a) in p.pending_applications.iter().enumerate() {
        units(c, format!("pending_applications[{i}].units"), a.units);
    }
    let amount_message = format!("金額が大きすぎます（{MAX_YEN} 円以内）");
    for (i, co) in p.carry_over.iter().enumerate() {
        if co.amount > MAX_YEN {
            c.value(format!("carry_over[{i}].amount"), co.amount, &amount_message);
        }
        if co.times_carried > MAX_TIMES_CARRIED {
            let message = format!("繰越回数は {MAX_TIMES_CARRIED} 回以内です");
            c.value(format!("carry_over[{i}].times_carried"), co.times_carried, &message);
        }
    }
    for (i, b) in p.billed.iter().enumerate() {
        if b.amount.checked_abs().is_none_or(|a| a > MAX_YEN) {
            c.value(format!("billed[{i}].amount"), b.amount, &amount_message);
        }
    }
}
