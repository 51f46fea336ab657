//! Months. Coverage and billing are month-granular (DOMAIN.md §2).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};

/// A calendar month such as 2026-12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Months since year 0: year × 12 + (month − 1). Ordering and arithmetic follow.
    index: i32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        (1..=12).contains(&month).then(|| YearMonth {
            index: year * 12 + month as i32 - 1,
        })
    }
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            index: date.year() * 12 + date.month0() as i32,
        }
    }
    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }
    pub fn month(self) -> u32 {
        self.index.rem_euclid(12) as u32 + 1
    }
    pub fn plus(self, months: i32) -> YearMonth {
        YearMonth {
            index: self.index + months,
        }
    }
    pub fn next(self) -> YearMonth {
        self.plus(1)
    }
    pub fn prev(self) -> YearMonth {
        self.plus(-1)
    }
    /// Whole months from `earlier` to `self` (negative when `earlier` is later).
    pub fn months_since(self, earlier: YearMonth) -> i32 {
        self.index - earlier.index
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MIN)
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }
    /// Months `self ..= last` in order (empty when `last < self`).
    pub fn through(self, last: YearMonth) -> impl Iterator<Item = YearMonth> {
        (self.index..=last.index).map(|index| YearMonth { index })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」は年月ではありません（例: 2026-12）")]
pub struct BadMonth(pub String);

impl FromStr for YearMonth {
    type Err = BadMonth;
    /// `YYYY-MM`.
    fn from_str(s: &str) -> Result<YearMonth, BadMonth> {
        let bad = || BadMonth(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        YearMonth::new(y, m).ok_or_else(bad)
    }
}

/// `date + n` calendar months, keeping the day of month clamped to the month's last day
/// (08-31 + 6 months = 02-28 or 02-29).
pub fn add_months_clamped(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n)).unwrap_or(NaiveDate::MAX)
}

/// The first month of coverage for a join (or a mid-term plan change) applied on `applied_on`:
/// the month after when `day ≤ cutoff_day`, else the month after that (DOMAIN.md §2).
pub fn join_start_month(applied_on: NaiveDate, cutoff_day: u32) -> YearMonth {
    let next = YearMonth::of(applied_on).next();
    if applied_on.day() <= cutoff_day {
        next
    } else {
        next.next()
    }
}

/// The month whose 1st is the first day the member belongs to the new office after a transfer on
/// `date`: on the 1st the same month moves; later in the month moves the next month.
pub fn transfer_month(date: NaiveDate) -> YearMonth {
    if date.day() == 1 {
        YearMonth::of(date)
    } else {
        YearMonth::of(date).next()
    }
}

/// The policy year (保険年度) containing a month: it starts on the 1st of the anniversary month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyYear {
    pub first: YearMonth,
}

impl PolicyYear {
    pub fn containing(month: YearMonth, anniversary_month: u32) -> PolicyYear {
        let year = if month.month() >= anniversary_month {
            month.year()
        } else {
            month.year() - 1
        };
        PolicyYear {
            first: YearMonth::new(year, anniversary_month).unwrap_or(month),
        }
    }
    pub fn last(self) -> YearMonth {
        self.first.plus(11)
    }
    /// The age basis date (年齢計算基準日): the 1st day of the policy year.
    pub fn basis_date(self) -> NaiveDate {
        self.first.first_day()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn join_cutoff_day_20_vs_21() {
        let cases = [
            ("2026-11-18", 20, "2026-12"),
            ("2026-11-20", 20, "2026-12"),
            ("2026-11-21", 20, "2027-01"),
            ("2026-12-21", 20, "2027-02"),
            ("2026-11-21", 21, "2026-12"),
            ("2026-11-22", 21, "2027-01"),
            ("2026-12-01", 20, "2027-01"),
        ];
        for (date, cutoff, want) in cases {
            assert_eq!(join_start_month(d(date), cutoff), ym(want), "{date} cutoff {cutoff}");
        }
    }

    #[test]
    fn transfer_on_the_first_moves_that_month() {
        assert_eq!(transfer_month(d("2026-12-01")), ym("2026-12"));
        assert_eq!(transfer_month(d("2026-12-02")), ym("2026-12").next());
        assert_eq!(transfer_month(d("2026-12-31")), ym("2027-01"));
    }

    #[test]
    fn policy_year_and_basis_date() {
        let py = PolicyYear::containing(ym("2026-12"), 4);
        assert_eq!(py.basis_date(), d("2026-04-01"));
        assert_eq!(py.last(), ym("2027-03"));
        let py = PolicyYear::containing(ym("2027-03"), 4);
        assert_eq!(py.basis_date(), d("2026-04-01"));
        let py = PolicyYear::containing(ym("2027-04"), 4);
        assert_eq!(py.basis_date(), d("2027-04-01"));
        let py = PolicyYear::containing(ym("2026-12"), 1);
        assert_eq!(py.last(), ym("2026-12"));
    }

    #[test]
    fn month_parsing_and_arithmetic() {
        assert_eq!(ym("2026-12").next(), ym("2027-01"));
        assert_eq!(ym("2026-01").prev(), ym("2025-12"));
        assert_eq!(ym("2026-12").months_since(ym("2026-06")), 6);
        assert_eq!(ym("2024-02").last_day(), d("2024-02-29"));
        assert!("2026-13".parse::<YearMonth>().is_err());
        assert!("2026/12".parse::<YearMonth>().is_err());
        assert_eq!(ym("2026-10").through(ym("2026-12")).count(), 3);
        assert_eq!(ym("2026-10").through(ym("2026-09")).count(), 0);
    }

    #[test]
    fn adding_months_clamps_the_day() {
        assert_eq!(add_months_clamped(d("2000-08-31"), 6), d("2001-02-28"));
        assert_eq!(add_months_clamped(d("2003-08-31"), 6), d("2004-02-29"));
        assert_eq!(add_months_clamped(d("2000-03-15"), 6), d("2000-09-15"));
    }
}
