//! Japanese public holidays (国民の祝日) and bank business days, computed from the
//! holiday law (pure, no clock).
//!
//! # How it works
//!
//! Nothing is downloaded or looked up: holidays are derived from the Act on National
//! Holidays (国民の祝日に関する法律, 昭和23年法律第178号) as amended, and from the special
//! laws that made one-off days into holidays. Every named holiday, including each
//! one-off day and the 2020/2021 Olympic moves, is one row in `RULES`: a name, the
//! years it applied, and how its date is found (a fixed date, the n-th Monday of a
//! month, or an equinox). On top of the rows sit the two derived holidays of the law's
//! article 3:
//!
//! - 振替休日 (from 1973-04-12): a holiday on a Sunday makes the following day a
//!   holiday; from 2007 it is the first following day that is not itself a holiday.
//! - 国民の休日 (from 1985-12-27, first produced on 1988-05-04): a day whose day before
//!   and day after are both holidays; until 2006 a Sunday or a 振替休日 never qualifies.
//!
//! The equinox days use the standard approximation formula, valid for 1900–2099. The
//! official dates are announced in the government gazette each February for the
//! following year; so far they agree with the formula.
//!
//! # Range
//!
//! Public holidays are known for [`FIRST_YEAR`]..=[`LAST_YEAR`] (1949–2099). Outside
//! that range [`holiday_name`] returns `None` and [`holidays_in_year`] an empty list;
//! the bank functions then only see weekends and the 12/31–1/3 closure.
//!
//! # When the law changes
//!
//! A new holiday, a moved or renamed one, or a new one-off day is a change to
//! `RULES` (end the old row's years, add a new row), together with a test that lists
//! the affected year's holidays as published by the Cabinet Office (内閣府).

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, Weekday};
use Day::{AutumnalEquinox, Fixed, NthMonday, VernalEquinox};

/// The first year whose public holidays this crate knows (the law took effect 1948-07-20).
pub const FIRST_YEAR: i32 = 1949;
/// The last year whose public holidays this crate knows (the equinox formula's limit).
pub const LAST_YEAR: i32 = 2099;

const SUBSTITUTE: &str = "振替休日";
const CITIZENS: &str = "国民の休日";

/// 振替休日 applies to holidays falling on a Sunday from this date (昭和48年法律第10号).
const SUBSTITUTE_FROM: NaiveDate = ymd(1973, 4, 12);
/// 国民の休日 exists from this date (昭和60年法律第103号).
const CITIZENS_FROM: NaiveDate = ymd(1985, 12, 27);
/// The 2005 amendment (平成17年法律第43号) widened both derived holidays from this date.
const AMENDMENT_2007: NaiveDate = ymd(2007, 1, 1);

/// How a holiday's date is found in a given year.
#[derive(Clone, Copy)]
enum Day {
    /// A fixed month and day.
    Fixed(u32, u32),
    /// The n-th Monday of a month (Happy Monday).
    NthMonday(u32, u8),
    /// 春分日 (vernal equinox day) in March.
    VernalEquinox,
    /// 秋分日 (autumnal equinox day) in September.
    AutumnalEquinox,
}

/// One named holiday: its name, the years it applied and how its date is found.
struct Rule {
    name: &'static str,
    years: RangeInclusive<i32>,
    day: Day,
}

const fn rule(name: &'static str, first: i32, last: i32, day: Day) -> Rule {
    Rule {
        name,
        years: first..=last,
        day,
    }
}

const END: i32 = LAST_YEAR;

/// Every named holiday (国民の祝日, and the one-off days treated as such), in calendar order.
const RULES: &[Rule] = &[
    rule("元日", 1949, END, Fixed(1, 1)),
    rule("成人の日", 1949, 1999, Fixed(1, 15)),
    rule("成人の日", 2000, END, NthMonday(1, 2)),
    rule("建国記念の日", 1967, END, Fixed(2, 11)),
    rule("天皇誕生日", 2020, END, Fixed(2, 23)),
    rule("春分の日", 1949, END, VernalEquinox),
    rule("天皇誕生日", 1949, 1988, Fixed(4, 29)),
    rule("みどりの日", 1989, 2006, Fixed(4, 29)),
    rule("昭和の日", 2007, END, Fixed(4, 29)),
    rule("憲法記念日", 1949, END, Fixed(5, 3)),
    rule("みどりの日", 2007, END, Fixed(5, 4)),
    rule("こどもの日", 1949, END, Fixed(5, 5)),
    rule("海の日", 1996, 2002, Fixed(7, 20)),
    rule("海の日", 2003, 2019, NthMonday(7, 3)),
    rule("海の日", 2020, 2020, Fixed(7, 23)), // Tokyo Olympics
    rule("海の日", 2021, 2021, Fixed(7, 22)), // Tokyo Olympics (postponed)
    rule("海の日", 2022, END, NthMonday(7, 3)),
    rule("山の日", 2016, 2019, Fixed(8, 11)),
    rule("山の日", 2020, 2020, Fixed(8, 10)),
    rule("山の日", 2021, 2021, Fixed(8, 8)),
    rule("山の日", 2022, END, Fixed(8, 11)),
    rule("敬老の日", 1966, 2002, Fixed(9, 15)),
    rule("敬老の日", 2003, END, NthMonday(9, 3)),
    rule("秋分の日", 1949, END, AutumnalEquinox),
    rule("体育の日", 1966, 1999, Fixed(10, 10)),
    rule("体育の日", 2000, 2019, NthMonday(10, 2)),
    rule("スポーツの日", 2020, 2020, Fixed(7, 24)),
    rule("スポーツの日", 2021, 2021, Fixed(7, 23)),
    rule("スポーツの日", 2022, END, NthMonday(10, 2)),
    rule("文化の日", 1949, END, Fixed(11, 3)),
    rule("勤労感謝の日", 1949, END, Fixed(11, 23)),
    rule("天皇誕生日", 1989, 2018, Fixed(12, 23)),
    // One-off days made holidays by their own laws.
    rule("皇太子明仁親王の結婚の儀", 1959, 1959, Fixed(4, 10)),
    rule("昭和天皇の大喪の礼", 1989, 1989, Fixed(2, 24)),
    rule("即位礼正殿の儀", 1990, 1990, Fixed(11, 12)),
    rule("皇太子徳仁親王の結婚の儀", 1993, 1993, Fixed(6, 9)),
    // 2019-04-30 and 2019-05-02 follow as 国民の休日 from this row.
    rule("天皇の即位の日", 2019, 2019, Fixed(5, 1)),
    rule("即位礼正殿の儀", 2019, 2019, Fixed(10, 22)),
];

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

impl Day {
    fn date_in(self, year: i32) -> Option<NaiveDate> {
        match self {
            Fixed(month, day) => NaiveDate::from_ymd_opt(year, month, day),
            NthMonday(month, n) => NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n),
            VernalEquinox => NaiveDate::from_ymd_opt(year, 3, equinox_day(year, 20_843_100, 20_835_700)?),
            AutumnalEquinox => NaiveDate::from_ymd_opt(year, 9, equinox_day(year, 23_248_800, 23_258_800)?),
        }
    }
}

/// The standard equinox formula for 1900–2099, in millionths of a day to stay exact:
/// `int(base + 0.242194 * (year - 1980) - int((year - leap) / 4))`, where `base` and
/// `leap` (1980, or 1983 before 1980) depend on the period and `int` truncates toward
/// zero (for 1978, `int(-1.25)` is -1: the equinox was on 3/21, not 3/22).
fn equinox_day(year: i32, base_from_1980: i64, base_before_1980: i64) -> Option<u32> {
    if !(1900..=2099).contains(&year) {
        return None;
    }
    let (base, leap) = if year >= 1980 {
        (base_from_1980, 1980)
    } else {
        (base_before_1980, 1983)
    };
    let year = i64::from(year);
    let micro = base + 242_194 * (year - 1980) - 1_000_000 * ((year - leap) / 4);
    u32::try_from(micro.div_euclid(1_000_000)).ok()
}

/// The named holiday (a row of `RULES`) on `date`, without the derived ones.
fn named_holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    RULES
        .iter()
        .find(|rule| rule.years.contains(&year) && rule.day.date_in(year) == Some(date))
        .map(|rule| rule.name)
}

/// Whether `date` (not itself a named holiday) is a 振替休日.
fn is_substitute(date: NaiveDate) -> bool {
    let mut day = date;
    while let Some(prev) = day.pred_opt() {
        if named_holiday(prev).is_none() {
            return false;
        }
        if prev.weekday() == Weekday::Sun {
            // Until 2006 only the Monday right after the Sunday, from 2007 the first
            // following day that is not a holiday.
            return prev >= AMENDMENT_2007 || (prev >= SUBSTITUTE_FROM && day == date);
        }
        day = prev;
    }
    false
}

/// Whether `date` (neither a named holiday nor a 振替休日) is a 国民の休日.
fn is_citizens_holiday(date: NaiveDate) -> bool {
    let sunday_excluded = date < AMENDMENT_2007 && date.weekday() == Weekday::Sun;
    date >= CITIZENS_FROM
        && !sunday_excluded
        && date.pred_opt().and_then(named_holiday).is_some()
        && date.succ_opt().and_then(named_holiday).is_some()
}

/// The Japanese name of the public holiday on `date`, such as `"元日"`, `"振替休日"` or
/// `"国民の休日"`; `None` on an ordinary day.
///
/// Always `None` outside [`FIRST_YEAR`]..=[`LAST_YEAR`], where holidays are not known.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    named_holiday(date)
        .or_else(|| is_substitute(date).then_some(SUBSTITUTE))
        .or_else(|| is_citizens_holiday(date).then_some(CITIZENS))
}

/// Every public holiday of `year` with its name, in date order; empty outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn holidays_in_year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    ymd(year, 1, 1)
        .iter_days()
        .take_while(|date| date.year() == year)
        .filter_map(|date| holiday_name(date).map(|name| (date, name)))
        .collect()
}

/// Whether banks in Japan are closed on `date`: Saturday, Sunday, a public holiday, or
/// the year-end and new-year closure (12/31, 1/1, 1/2, 1/3).
///
/// This is today's rule, applied to every year alike.
pub fn is_bank_holiday(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        || matches!((date.month(), date.day()), (12, 31) | (1, 1..=3))
        || holiday_name(date).is_some()
}

/// `date` itself when it is a bank business day, otherwise the first business day after it.
///
/// # Panics
///
/// Only at the end of chrono's date range (about 262,000 years from now).
pub fn next_bank_business_day(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while is_bank_holiday(day) {
        day = day.succ_opt().expect("date within chrono's range");
    }
    day
}

/// `date` itself when it is a bank business day, otherwise the last business day before it.
///
/// # Panics
///
/// Only at the start of chrono's date range (about 262,000 years ago).
pub fn previous_bank_business_day(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while is_bank_holiday(day) {
        day = day.pred_opt().expect("date within chrono's range");
    }
    day
}

#[cfg(test)]
mod tests;
