//! Age of an insured person at the age basis date (DOMAIN.md §3.1).

use chrono::{Datelike, NaiveDate};

use crate::month::add_months_clamped;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AgeMethod {
    /// 満年齢: completed years.
    #[default]
    CompletedYears,
    /// 保険年齢: completed years, plus 1 once more than 6 calendar months have passed since the last
    /// birthday.
    InsuranceAge,
}

impl AgeMethod {
    pub fn age(self, birth: NaiveDate, on: NaiveDate) -> i32 {
        match self {
            AgeMethod::CompletedYears => completed_years(birth, on),
            AgeMethod::InsuranceAge => insurance_age(birth, on),
        }
    }
}

/// The birthday in `year`; a 29 February birthday counts as 28 February in non-leap years.
fn birthday_in(birth: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, birth.month(), birth.day() - 1))
        .unwrap_or(birth)
}

/// The most recent birthday on or before `on` (the birth date itself before the first birthday).
fn last_birthday(birth: NaiveDate, on: NaiveDate) -> NaiveDate {
    let this_year = birthday_in(birth, on.year());
    if this_year <= on {
        this_year
    } else {
        birthday_in(birth, on.year() - 1).max(birth)
    }
}

/// 満年齢 on `on`.
pub fn completed_years(birth: NaiveDate, on: NaiveDate) -> i32 {
    let years = on.year() - birth.year();
    if on < birthday_in(birth, on.year()) {
        years - 1
    } else {
        years
    }
}

/// 保険年齢 on `on`: completed years, plus 1 when `on` is later than the last birthday plus 6
/// calendar months (day of month kept, clamped to the month's end).
pub fn insurance_age(birth: NaiveDate, on: NaiveDate) -> i32 {
    let age = completed_years(birth, on);
    if on > add_months_clamped(last_birthday(birth, on), 6) {
        age + 1
    } else {
        age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn check(method: AgeMethod, birth: &str, on: &str, want: i32) {
        assert_eq!(method.age(d(birth), d(on)), want, "{method:?} born {birth} on {on}");
    }

    #[test]
    fn insurance_age_at_six_months_and_one_day() {
        use AgeMethod::InsuranceAge as I;
        // Spec's own example: last birthday 2000-03-15 → +6 months is 2000-09-15.
        check(I, "1970-03-15", "2000-09-15", 30);
        check(I, "1970-03-15", "2000-09-16", 31);
        // Worked example.
        check(I, "1980-10-02", "2026-04-01", 45);
        check(I, "1975-03-31", "2026-04-01", 51);
        check(I, "1962-01-15", "2026-04-01", 64);
        // Clamped month end: 08-31 + 6 months = 02-28 (2027 is not leap).
        check(I, "1990-08-31", "2027-02-28", 36);
        check(I, "1990-08-31", "2027-03-01", 37);
        // … and 02-29 in a leap year.
        check(I, "1990-08-31", "2028-02-29", 37);
        check(I, "1990-08-31", "2028-03-01", 38);
    }

    #[test]
    fn leap_day_birthdays() {
        use AgeMethod::{CompletedYears as C, InsuranceAge as I};
        // 29 February counts as 28 February in non-leap years.
        check(C, "2000-02-29", "2026-02-27", 25);
        check(C, "2000-02-29", "2026-02-28", 26);
        check(C, "2000-02-29", "2028-02-28", 27);
        check(C, "2000-02-29", "2028-02-29", 28);
        // Last birthday 2026-02-28 + 6 months = 2026-08-28.
        check(I, "2000-02-29", "2026-08-28", 26);
        check(I, "2000-02-29", "2026-08-29", 27);
        // Last birthday 2028-02-29 + 6 months = 2028-08-29.
        check(I, "2000-02-29", "2028-08-29", 28);
        check(I, "2000-02-29", "2028-08-30", 29);
    }

    #[test]
    fn completed_years_cases() {
        use AgeMethod::CompletedYears as C;
        check(C, "1982-05-20", "2026-04-01", 43);
        check(C, "1975-03-31", "2026-04-01", 51);
        check(C, "1975-04-01", "2026-04-01", 51);
        check(C, "1975-04-02", "2026-04-01", 50);
        check(C, "2026-01-01", "2026-04-01", 0);
    }
}
