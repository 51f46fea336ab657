//! Expected values are written out by hand from the Cabinet Office list of holidays
//! (内閣府「国民の祝日について」).

use super::*;

/// (year, month, day) as written in the tables.
type Ymd = (i32, u32, u32);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Compares a year's full list with `(month, day, name)` rows.
fn assert_year(year: i32, expected: &[(u32, u32, &str)]) {
    let expected: Vec<(NaiveDate, &str)> = expected.iter().map(|&(m, d, name)| (date(year, m, d), name)).collect();
    assert_eq!(holidays_in_year(year), expected, "holidays of {year}");
}

#[test]
fn holidays_2025() {
    assert_year(
        2025,
        &[
            (1, 1, "元日"),
            (1, 13, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (2, 24, "振替休日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 21, "海の日"),
            (8, 11, "山の日"),
            (9, 15, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 13, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (11, 24, "振替休日"),
        ],
    );
}

#[test]
fn holidays_2026() {
    assert_year(
        2026,
        &[
            (1, 1, "元日"),
            (1, 12, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 20, "海の日"),
            (8, 11, "山の日"),
            (9, 21, "敬老の日"),
            (9, 22, "国民の休日"),
            (9, 23, "秋分の日"),
            (10, 12, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    );
}

#[test]
fn holidays_2027() {
    assert_year(
        2027,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 21, "春分の日"),
            (3, 22, "振替休日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 19, "海の日"),
            (8, 11, "山の日"),
            (9, 20, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 11, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    );
}

/// The era change: no 天皇誕生日 at all, and the enthronement days.
#[test]
fn holidays_2019() {
    assert_year(
        2019,
        &[
            (1, 1, "元日"),
            (1, 14, "成人の日"),
            (2, 11, "建国記念の日"),
            (3, 21, "春分の日"),
            (4, 29, "昭和の日"),
            (4, 30, "国民の休日"),
            (5, 1, "天皇の即位の日"),
            (5, 2, "国民の休日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 15, "海の日"),
            (8, 11, "山の日"),
            (8, 12, "振替休日"),
            (9, 16, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 14, "体育の日"),
            (10, 22, "即位礼正殿の儀"),
            (11, 3, "文化の日"),
            (11, 4, "振替休日"),
            (11, 23, "勤労感謝の日"),
        ],
    );
}

/// Tokyo Olympics: 海の日, スポーツの日 and 山の日 moved; nothing in October.
#[test]
fn holidays_2020() {
    assert_year(
        2020,
        &[
            (1, 1, "元日"),
            (1, 13, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (2, 24, "振替休日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 23, "海の日"),
            (7, 24, "スポーツの日"),
            (8, 10, "山の日"),
            (9, 21, "敬老の日"),
            (9, 22, "秋分の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    );
}

/// The postponed Olympics: moved again, and 山の日 on a Sunday.
#[test]
fn holidays_2021() {
    assert_year(
        2021,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 22, "海の日"),
            (7, 23, "スポーツの日"),
            (8, 8, "山の日"),
            (8, 9, "振替休日"),
            (9, 20, "敬老の日"),
            (9, 23, "秋分の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    );
}

/// Single days that exercise the historical rules and their start dates.
#[test]
fn historical_days() {
    let cases: &[(Ymd, Option<&str>)] = &[
        ((1959, 4, 10), Some("皇太子明仁親王の結婚の儀")),
        ((1966, 9, 15), Some("敬老の日")),
        ((1966, 10, 10), Some("体育の日")),
        ((1966, 2, 11), None), // 建国記念の日 from 1967
        ((1967, 2, 11), Some("建国記念の日")),
        ((1973, 4, 29), Some("天皇誕生日")), // a Sunday
        ((1973, 4, 30), Some("振替休日")),   // the first 振替休日
        ((1972, 1, 16), None),               // 成人の日 on Sunday, before 振替休日 existed
        ((1986, 5, 4), None),                // sandwiched, but a Sunday
        ((1987, 5, 4), Some("振替休日")),    // 5/3 Sunday
        ((1988, 5, 4), Some("国民の休日")),  // the first 国民の休日
        ((1988, 4, 29), Some("天皇誕生日")),
        ((1989, 2, 24), Some("昭和天皇の大喪の礼")),
        ((1989, 4, 29), Some("みどりの日")),
        ((1989, 12, 23), Some("天皇誕生日")),
        ((1990, 11, 12), Some("即位礼正殿の儀")),
        ((1993, 6, 9), Some("皇太子徳仁親王の結婚の儀")),
        ((1995, 7, 20), None), // 海の日 from 1996
        ((1996, 7, 20), Some("海の日")),
        ((1999, 1, 15), Some("成人の日")),
        ((2000, 1, 10), Some("成人の日")), // second Monday
        ((2000, 1, 15), None),
        ((2003, 7, 21), Some("海の日")), // third Monday
        ((2003, 9, 15), Some("敬老の日")),
        ((2006, 5, 4), Some("国民の休日")),
        ((2007, 4, 29), Some("昭和の日")), // a Sunday
        ((2007, 4, 30), Some("振替休日")),
        ((2008, 5, 6), Some("振替休日")), // 5/4 Sunday, 5/5 a holiday: moved on to 5/6
        ((2009, 9, 22), Some("国民の休日")),
        ((2015, 9, 22), Some("国民の休日")),
        ((2015, 8, 11), None), // 山の日 from 2016
        ((2016, 8, 11), Some("山の日")),
        ((2018, 12, 23), Some("天皇誕生日")), // a Sunday
        ((2018, 12, 24), Some("振替休日")),
        ((2019, 12, 23), None),
        ((2022, 7, 18), Some("海の日")),
        ((2022, 10, 10), Some("スポーツの日")),
        ((2024, 2, 12), Some("振替休日")), // 建国記念の日 on Sunday
        ((2026, 12, 31), None),
    ];
    for &((y, m, d), expected) in cases {
        assert_eq!(holiday_name(date(y, m, d)), expected, "{y}-{m:02}-{d:02}");
    }
}

/// (year, vernal day in March, autumnal day in September), as announced in the gazette.
#[test]
fn equinox_days() {
    let cases: &[(i32, u32, u32)] = &[
        (1960, 3, 20),
        (1960, 9, 23),
        (1978, 3, 21), // the inner division truncates toward zero
        (1978, 9, 23),
        (1979, 3, 21),
        (1979, 9, 24),
        (2000, 3, 20),
        (2000, 9, 23),
        (2012, 3, 20),
        (2012, 9, 22),
        (2024, 3, 20),
        (2024, 9, 22),
        (2025, 3, 20),
        (2025, 9, 23),
    ];
    for &(y, m, d) in cases {
        let name = if m == 3 { "春分の日" } else { "秋分の日" };
        assert_eq!(holiday_name(date(y, m, d)), Some(name), "{y}-{m:02}-{d:02}");
    }
}

#[test]
fn outside_supported_range() {
    assert_eq!(holiday_name(date(1948, 11, 3)), None);
    assert_eq!(holiday_name(date(2100, 1, 1)), None);
    assert!(holidays_in_year(1948).is_empty());
    assert!(holidays_in_year(2100).is_empty());
    assert_eq!(holidays_in_year(FIRST_YEAR).first(), Some(&(date(1949, 1, 1), "元日")));
    assert_eq!(
        holidays_in_year(LAST_YEAR).last(),
        Some(&(date(2099, 11, 23), "勤労感謝の日"))
    );
    // Banks still close on the year-end days outside the range.
    assert!(is_bank_holiday(date(2100, 1, 1)));
    assert!(!is_bank_holiday(date(2100, 1, 4))); // a Monday
}

#[test]
fn bank_holidays() {
    let cases: &[(Ymd, bool)] = &[
        ((2026, 1, 2), true),    // Friday, new-year closure
        ((2026, 1, 5), false),   // Monday
        ((2026, 2, 23), true),   // 天皇誕生日
        ((2026, 9, 22), true),   // 国民の休日
        ((2026, 12, 30), false), // Wednesday
        ((2026, 12, 31), true),  // Thursday, year-end closure
        ((2027, 3, 22), true),   // 振替休日
        ((2027, 3, 20), true),   // Saturday
        ((2027, 3, 23), false),  // Tuesday
    ];
    for &((y, m, d), expected) in cases {
        assert_eq!(is_bank_holiday(date(y, m, d)), expected, "{y}-{m:02}-{d:02}");
    }
}

#[test]
fn next_and_previous_bank_business_days() {
    // (from, next, previous)
    let cases: &[(Ymd, Ymd, Ymd)] = &[
        ((2026, 12, 31), (2027, 1, 4), (2026, 12, 30)),
        ((2027, 1, 3), (2027, 1, 4), (2026, 12, 30)),
        ((2026, 5, 2), (2026, 5, 7), (2026, 5, 1)),
        ((2026, 9, 19), (2026, 9, 24), (2026, 9, 18)),
        ((2027, 3, 21), (2027, 3, 23), (2027, 3, 19)),
        // Already business days map to themselves.
        ((2026, 5, 7), (2026, 5, 7), (2026, 5, 7)),
        ((2026, 12, 30), (2026, 12, 30), (2026, 12, 30)),
        ((2027, 1, 4), (2027, 1, 4), (2027, 1, 4)),
    ];
    for &((y, m, d), (ny, nm, nd), (py, pm, pd)) in cases {
        let from = date(y, m, d);
        assert_eq!(next_bank_business_day(from), date(ny, nm, nd), "next after {from}");
        assert_eq!(
            previous_bank_business_day(from),
            date(py, pm, pd),
            "previous before {from}"
        );
    }
}

/// Structural checks over the whole range: sorted, at most one name a day, and every
/// 振替休日 / 国民の休日 follows the rules it is derived from.
#[test]
fn whole_range_is_consistent() {
    for year in FIRST_YEAR..=LAST_YEAR {
        let list = holidays_in_year(year);
        assert!(list.windows(2).all(|w| w[0].0 < w[1].0), "{year} sorted");
        assert!(list.len() >= 9 && list.len() <= 22, "{year}: {} holidays", list.len());
        for &(day, name) in &list {
            if name == "国民の休日" {
                assert!(day.pred_opt().and_then(holiday_name).is_some(), "{day}");
                assert!(day.succ_opt().and_then(holiday_name).is_some(), "{day}");
            }
            if name == "振替休日" {
                assert_ne!(day.weekday(), Weekday::Sun, "{day}");
            }
        }
    }
}
