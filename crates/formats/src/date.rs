//! Dates as Japanese clerks write them.
//!
//! [`parse_date`] takes, after width folding (full-width digits are fine) and with spaces ignored:
//! - western: `2026-04-01`, `2026/4/1`, `2026.4.1`, `2026年4月1日`, `20260401`; a trailing time
//!   (`2026/04/01 0:00:00`, `2026-04-01T00:00:00`) is dropped;
//! - Excel serial numbers of five digits, optionally with a time fraction (`45383`, `45383.5`),
//!   in the 1900 date system (serial 45383 = 2024-04-01); shorter numbers are refused rather than
//!   read as dates in 1900–1927;
//! - Japanese eras (和暦) by letter or name: `R6.4.1`, `R06/04/01`, `R060401`, `令和6年4月1日`,
//!   `令和元年5月1日`, `H31.4.30`, `平成31年4月30日`, `S45.3.2`, `昭和45年3月2日`, `T`/`大正`,
//!   `M`/`明治`, the one-kanji forms `令`/`平`/`昭`/`大`/`明` and the ligatures ㋿ ㍻ ㍼ ㍽ ㍾.
//!
//! A Japanese-era date before its era started or after it ended (`平成32年1月1日`,
//! `平成31年5月1日`, `令和1年4月30日`) is refused with a message that says the era's bounds; it is
//! never moved into the next era.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use crate::error::code;
use crate::text::fold_width;

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治, from 1868-01-25.
    Meiji,
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name: `令和`.
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's letter: `R`.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The era's first day (元年 of this era starts here).
    pub fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => ymd(1868, 1, 25),
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The era's last day; `None` for the current era.
    pub fn end(self) -> Option<NaiveDate> {
        let next = match self {
            Era::Meiji => Era::Taisho,
            Era::Taisho => Era::Showa,
            Era::Showa => Era::Heisei,
            Era::Heisei => Era::Reiwa,
            Era::Reiwa => return None,
        };
        next.start().pred_opt()
    }

    /// The era a date falls in; `None` before 明治.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|era| era.start() <= date)
    }

    /// The era year of a date in this era (1 = 元年).
    fn year_of(self, date: NaiveDate) -> i32 {
        date.year() - self.start().year() + 1
    }
}

/// Why a date was refused: a stable code from [`crate::error::code`] and a Japanese message
/// fit for [`crate::error::Problem::expected`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// Stable code (`F2001`…`F2005`).
    pub code: &'static str,
    /// What was expected or what is wrong, in Japanese.
    pub message: String,
}

impl DateError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        DateError {
            code,
            message: message.into(),
        }
    }

    fn format() -> Self {
        DateError::new(code::DATE_FORMAT, EXPECTED_DATE)
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateError {}

/// The message for a date in no accepted form.
pub const EXPECTED_DATE: &str = "日付（例: 2026-04-01、2026/4/1、20260401、令和6年4月1日、R6.4.1）";

/// Era prefixes, longest first so that `令和` wins over `令`.
const ERA_PREFIXES: [(&str, Era); 15] = [
    ("明治", Era::Meiji),
    ("大正", Era::Taisho),
    ("昭和", Era::Showa),
    ("平成", Era::Heisei),
    ("令和", Era::Reiwa),
    ("M", Era::Meiji),
    ("T", Era::Taisho),
    ("S", Era::Showa),
    ("H", Era::Heisei),
    ("R", Era::Reiwa),
    ("明", Era::Meiji),
    ("大", Era::Taisho),
    ("昭", Era::Showa),
    ("平", Era::Heisei),
    ("令", Era::Reiwa),
];

/// Parses a date in any form the module docs list.
pub fn parse_date(raw: &str) -> Result<NaiveDate, DateError> {
    let s = prepare(raw);
    if s.is_empty() {
        return Err(DateError::new(code::DATE_FORMAT, "日付が空欄です"));
    }
    if let Some((era, rest)) = split_era(&s) {
        return parse_wareki(era, rest);
    }
    parse_western(&s)
}

/// Folds width, expands the era ligatures, upper-cases an era letter, drops a trailing time and
/// every space.
fn prepare(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    for c in fold_width(raw).chars() {
        match c {
            '\u{32FF}' => s.push_str("令和"),
            '\u{337B}' => s.push_str("平成"),
            '\u{337C}' => s.push_str("昭和"),
            '\u{337D}' => s.push_str("大正"),
            '\u{337E}' => s.push_str("明治"),
            _ => s.push(c),
        }
    }
    let trimmed = s.trim();
    // `2026/04/01 0:00:00` (a space, then a time): drop the time.
    let without_time = match trimmed.rsplit_once(char::is_whitespace) {
        Some((date, time)) if is_time(time) => date,
        _ => trimmed,
    };
    // `2026-04-01T00:00:00`.
    let without_time = match without_time.split_once('T') {
        Some((date, time)) if is_time(time) => date,
        _ => without_time,
    };
    let mut out: String = without_time.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(first) = out.chars().next().filter(char::is_ascii_lowercase) {
        out.replace_range(..1, &first.to_ascii_uppercase().to_string());
    }
    out
}

/// `0:00`, `00:00:00`, `12:34:56.789`.
fn is_time(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

fn split_era(s: &str) -> Option<(Era, &str)> {
    ERA_PREFIXES
        .iter()
        .find_map(|(prefix, era)| s.strip_prefix(prefix).map(|rest| (*era, rest)))
}

/// A date split into its three numbers: `(year, month, day)` as text.
struct Parts<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
}

/// Splits `Y<sep>M<sep>D` where the separators are `年`,`月` (then an optional `日`) or the same
/// one of `.`, `/`, `-` twice.
fn split_ymd(s: &str) -> Option<Parts<'_>> {
    if let Some((year, rest)) = s.split_once('年') {
        let (month, rest) = rest.split_once('月')?;
        let day = rest.strip_suffix('日').unwrap_or(rest);
        return Some(Parts { year, month, day });
    }
    let sep = s.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let mut it = s.split(sep);
    let (year, month, day) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some(Parts { year, month, day })
}

fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse_wareki(era: Era, rest: &str) -> Result<NaiveDate, DateError> {
    let (year, month, day) = if rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_digit()) {
        // R060401
        (&rest[0..2], &rest[2..4], &rest[4..6])
    } else {
        let parts = split_ymd(rest).ok_or_else(DateError::format)?;
        (parts.year, parts.month, parts.day)
    };
    let year = if year == "元" {
        1
    } else {
        digits(year, 1, 2).ok_or_else(DateError::format)?
    };
    let month = digits(month, 1, 2).ok_or_else(DateError::format)?;
    let day = digits(day, 1, 2).ok_or_else(DateError::format)?;
    wareki(era, year, month, day)
}

/// The date of era year `year` (1 = 元年), `month`, `day`, refused outside the era.
pub fn wareki(era: Era, year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    if year == 0 {
        return Err(DateError::new(
            code::DATE_INVALID,
            "存在しない日付です（和暦の年は元年（1年）から）",
        ));
    }
    let start = era.start();
    let western = i32::try_from(year)
        .ok()
        .and_then(|y| start.year().checked_add(y - 1))
        .ok_or_else(DateError::format)?;
    let date = calendar_date(western, month, day)?;
    if date < start {
        return Err(DateError::new(
            code::DATE_ERA_NOT_STARTED,
            format!(
                "{}は元年{}月{}日（{}）からです",
                era.name(),
                start.month(),
                start.day(),
                start.format("%Y-%m-%d")
            ),
        ));
    }
    if let Some(end) = era.end().filter(|end| date > *end) {
        let last_year = era.year_of(end);
        let message = if i64::from(year) > i64::from(last_year) {
            format!("{}は{}年（{}）までです", era.name(), last_year, end.format("%Y-%m-%d"))
        } else {
            format!(
                "{}は{}年{}月{}日（{}）までです",
                era.name(),
                last_year,
                end.month(),
                end.day(),
                end.format("%Y-%m-%d")
            )
        };
        return Err(DateError::new(code::DATE_ERA_ENDED, message));
    }
    Ok(date)
}

/// A Gregorian date, or a message that says why it does not exist.
fn calendar_date(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError::new(code::DATE_INVALID, "存在しない日付です（月は1〜12）"));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let last = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
            .unwrap_or(28);
        DateError::new(
            code::DATE_INVALID,
            format!("存在しない日付です（{month}月は{last}日まで）"),
        )
    })
}

fn parse_western(s: &str) -> Result<NaiveDate, DateError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            8 => calendar_date(
                // Eight ASCII digits: the parses cannot fail.
                s[0..4].parse().map_err(|_| DateError::format())?,
                s[4..6].parse().map_err(|_| DateError::format())?,
                s[6..8].parse().map_err(|_| DateError::format())?,
            ),
            5 => from_excel_serial(s.parse::<f64>().map_err(|_| DateError::format())?),
            _ => Err(DateError::format()),
        };
    }
    // An Excel serial with a time fraction: 45383.5
    if let Some((whole, fraction)) = s.split_once('.') {
        if whole.len() == 5
            && whole.bytes().all(|b| b.is_ascii_digit())
            && !fraction.is_empty()
            && fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return from_excel_serial(s.parse::<f64>().map_err(|_| DateError::format())?);
        }
    }
    let parts = split_ymd(s).ok_or_else(DateError::format)?;
    let year = digits(parts.year, 4, 4).ok_or_else(DateError::format)?;
    let month = digits(parts.month, 1, 2).ok_or_else(DateError::format)?;
    let day = digits(parts.day, 1, 2).ok_or_else(DateError::format)?;
    calendar_date(i32::try_from(year).map_err(|_| DateError::format())?, month, day)
}

/// Excel's largest date serial, 9999-12-31.
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

/// The date of an Excel serial number in the 1900 date system; a time fraction is dropped.
///
/// Excel counts 1900-01-01 as 1 and keeps Lotus 1-2-3's fictitious 1900-02-29 as 60, so serials
/// from 61 on are one day ahead of a plain count: 61 is 1900-03-01, 45383 is 2024-04-01. Serial 60
/// is refused: the day does not exist.
pub fn from_excel_serial(serial: f64) -> Result<NaiveDate, DateError> {
    if !serial.is_finite() || !(1.0..EXCEL_MAX_SERIAL + 1.0).contains(&serial) {
        return Err(DateError::new(
            code::DATE_SERIAL,
            "Excelの日付のシリアル値は1（1900-01-01）から2958465（9999-12-31）までです",
        ));
    }
    let days = serial.floor() as i64;
    let epoch = match days {
        60 => {
            return Err(DateError::new(
                code::DATE_SERIAL,
                "シリアル値60はExcelだけにある1900年2月29日で、実在しない日付です",
            ))
        }
        ..=59 => ymd(1899, 12, 31),
        _ => ymd(1899, 12, 30),
    };
    Ok(epoch + Duration::days(days))
}

/// The Japanese-era form of a date: `令和8年4月1日`, `令和元年5月1日`. Dates before 明治 come back
/// in ISO form (`1868-01-24`).
pub fn to_wareki(date: NaiveDate) -> String {
    match Era::of(date) {
        Some(era) => {
            let year = era.year_of(date);
            let year = if year == 1 { "元".to_owned() } else { year.to_string() };
            format!("{}{}年{}月{}日", era.name(), year, date.month(), date.day())
        }
        None => date.format("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_bounds() {
        assert_eq!(Era::Heisei.end(), Some(ymd(2019, 4, 30)));
        assert_eq!(Era::Meiji.end(), Some(ymd(1912, 7, 29)));
        assert_eq!(Era::Reiwa.end(), None);
        assert_eq!(Era::of(ymd(1989, 1, 7)), Some(Era::Showa));
        assert_eq!(Era::of(ymd(1989, 1, 8)), Some(Era::Heisei));
        assert_eq!(Era::of(ymd(1868, 1, 24)), None);
    }
}
