//! Date parsing and formatting (FORMATS.md, "Japanese text handling").

use chrono::NaiveDate;
use infoone_formats::date::{from_excel_serial, parse_date, to_wareki, DateError};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Expected outcome: a date, or a refusal with its code and exact message.
enum Want {
    Date(NaiveDate),
    Refused(&'static str, &'static str),
}
use Want::{Date, Refused};

fn check(input: &str, want: Want) {
    let got = parse_date(input);
    match want {
        Date(date) => assert_eq!(got, Ok(date), "input {input:?}"),
        Refused(code, message) => assert_eq!(
            got,
            Err(DateError {
                code,
                message: message.to_owned()
            }),
            "input {input:?}"
        ),
    }
}

const FORMAT: &str = "日付（例: 2026-04-01、2026/4/1、20260401、令和6年4月1日、R6.4.1）";

#[test]
fn western_and_serial_forms() {
    let cases = [
        ("2026-04-01", Date(d(2026, 4, 1))),
        ("2026/4/1", Date(d(2026, 4, 1))),
        ("2026/04/01", Date(d(2026, 4, 1))),
        ("2026.4.1", Date(d(2026, 4, 1))),
        ("20260401", Date(d(2026, 4, 1))),
        ("2026年4月1日", Date(d(2026, 4, 1))),
        ("２０２６／４／１", Date(d(2026, 4, 1))),
        ("２０２６０４０１", Date(d(2026, 4, 1))),
        ("２０２６－０４－０１", Date(d(2026, 4, 1))),
        ("  2026-04-01  ", Date(d(2026, 4, 1))),
        ("2026/04/01 0:00:00", Date(d(2026, 4, 1))),
        ("2026-04-01T00:00:00", Date(d(2026, 4, 1))),
        ("2024-02-29", Date(d(2024, 2, 29))),
        ("45383", Date(d(2024, 4, 1))),
        ("45383.5", Date(d(2024, 4, 1))),
        ("４５３８３", Date(d(2024, 4, 1))),
        ("2026-02-29", Refused("F2002", "存在しない日付です（2月は28日まで）")),
        ("2024-02-30", Refused("F2002", "存在しない日付です（2月は29日まで）")),
        ("2026-04-31", Refused("F2002", "存在しない日付です（4月は30日まで）")),
        ("2026-13-01", Refused("F2002", "存在しない日付です（月は1〜12）")),
        ("20261301", Refused("F2002", "存在しない日付です（月は1〜12）")),
        ("", Refused("F2001", "日付が空欄です")),
        ("　", Refused("F2001", "日付が空欄です")),
        ("2026", Refused("F2001", FORMAT)),
        ("26/4/1", Refused("F2001", FORMAT)),
        ("2026/4-1", Refused("F2001", FORMAT)),
        ("2026-04-01x", Refused("F2001", FORMAT)),
        ("2026/4/1/1", Refused("F2001", FORMAT)),
        ("abc", Refused("F2001", FORMAT)),
        ("1.5", Refused("F2001", FORMAT)),
        ("202604011", Refused("F2001", FORMAT)),
    ];
    for (input, want) in cases {
        check(input, want);
    }
}

#[test]
fn japanese_era_forms() {
    let cases = [
        ("R6.4.1", Date(d(2024, 4, 1))),
        ("R06/04/01", Date(d(2024, 4, 1))),
        ("R6-4-1", Date(d(2024, 4, 1))),
        ("r6.4.1", Date(d(2024, 4, 1))),
        ("R060401", Date(d(2024, 4, 1))),
        ("Ｒ６．４．１", Date(d(2024, 4, 1))),
        ("R6年4月1日", Date(d(2024, 4, 1))),
        ("令和6年4月1日", Date(d(2024, 4, 1))),
        ("令和６年４月１日", Date(d(2024, 4, 1))),
        ("令和 6年 4月 1日", Date(d(2024, 4, 1))),
        ("令和6年4月1", Date(d(2024, 4, 1))),
        ("令6.4.1", Date(d(2024, 4, 1))),
        ("㋿6.4.1", Date(d(2024, 4, 1))),
        ("令和8年4月1日", Date(d(2026, 4, 1))),
        ("令和元年5月1日", Date(d(2019, 5, 1))),
        ("R元.5.1", Date(d(2019, 5, 1))),
        ("H31.4.30", Date(d(2019, 4, 30))),
        ("平成31年4月30日", Date(d(2019, 4, 30))),
        ("平31.4.30", Date(d(2019, 4, 30))),
        ("㍻31.4.30", Date(d(2019, 4, 30))),
        ("平成元年1月8日", Date(d(1989, 1, 8))),
        ("H1.1.8", Date(d(1989, 1, 8))),
        ("S45.3.2", Date(d(1970, 3, 2))),
        ("昭和45年3月2日", Date(d(1970, 3, 2))),
        ("s45.03.02", Date(d(1970, 3, 2))),
        ("昭和64年1月7日", Date(d(1989, 1, 7))),
        ("昭和元年12月25日", Date(d(1926, 12, 25))),
        ("T1.7.30", Date(d(1912, 7, 30))),
        ("大正15年12月24日", Date(d(1926, 12, 24))),
        ("M45.7.29", Date(d(1912, 7, 29))),
        ("明治元年1月25日", Date(d(1868, 1, 25))),
        ("明治45年7月29日", Date(d(1912, 7, 29))),
        // Outside their era: refused, never moved into the next one.
        ("平成32年1月1日", Refused("F2004", "平成は31年（2019-04-30）までです")),
        ("H32.1.1", Refused("F2004", "平成は31年（2019-04-30）までです")),
        (
            "平成31年5月1日",
            Refused("F2004", "平成は31年4月30日（2019-04-30）までです"),
        ),
        (
            "令和1年4月30日",
            Refused("F2003", "令和は元年5月1日（2019-05-01）からです"),
        ),
        (
            "令和元年4月1日",
            Refused("F2003", "令和は元年5月1日（2019-05-01）からです"),
        ),
        (
            "平成元年1月7日",
            Refused("F2003", "平成は元年1月8日（1989-01-08）からです"),
        ),
        (
            "昭和64年1月8日",
            Refused("F2004", "昭和は64年1月7日（1989-01-07）までです"),
        ),
        ("昭和65年1月1日", Refused("F2004", "昭和は64年（1989-01-07）までです")),
        (
            "昭和元年12月24日",
            Refused("F2003", "昭和は元年12月25日（1926-12-25）からです"),
        ),
        (
            "大正15年12月25日",
            Refused("F2004", "大正は15年12月24日（1926-12-24）までです"),
        ),
        ("T1.7.29", Refused("F2003", "大正は元年7月30日（1912-07-30）からです")),
        ("M45.7.30", Refused("F2004", "明治は45年7月29日（1912-07-29）までです")),
        (
            "明治元年1月24日",
            Refused("F2003", "明治は元年1月25日（1868-01-25）からです"),
        ),
        (
            "H0.1.1",
            Refused("F2002", "存在しない日付です（和暦の年は元年（1年）から）"),
        ),
        ("R6.2.30", Refused("F2002", "存在しない日付です（2月は29日まで）")),
        ("R7.2.29", Refused("F2002", "存在しない日付です（2月は28日まで）")),
        ("R6.13.1", Refused("F2002", "存在しない日付です（月は1〜12）")),
        ("R6.4", Refused("F2001", FORMAT)),
        ("R2024.4.1", Refused("F2001", FORMAT)),
        ("X6.4.1", Refused("F2001", FORMAT)),
        ("令和六年四月一日", Refused("F2001", FORMAT)),
        ("R6.4/1", Refused("F2001", FORMAT)),
    ];
    for (input, want) in cases {
        check(input, want);
    }
}

#[test]
fn excel_serials_in_the_1900_date_system() {
    let ok = [
        (1.0, d(1900, 1, 1)),
        (59.0, d(1900, 2, 28)),
        (61.0, d(1900, 3, 1)),
        (45383.0, d(2024, 4, 1)),
        (45383.99, d(2024, 4, 1)),
        (46113.0, d(2026, 4, 1)),
        (2_958_465.0, d(9999, 12, 31)),
    ];
    for (serial, date) in ok {
        assert_eq!(from_excel_serial(serial), Ok(date), "serial {serial}");
    }
    let fake = from_excel_serial(60.0).unwrap_err();
    assert_eq!(fake.code, "F2005");
    assert_eq!(
        fake.message,
        "シリアル値60はExcelだけにある1900年2月29日で、実在しない日付です"
    );
    for serial in [0.0, -1.0, 2_958_466.0, f64::NAN, f64::INFINITY] {
        assert_eq!(from_excel_serial(serial).unwrap_err().code, "F2005", "serial {serial}");
    }
}

#[test]
fn to_wareki_cases() {
    let cases = [
        (d(2026, 4, 1), "令和8年4月1日"),
        (d(2019, 5, 1), "令和元年5月1日"),
        (d(2019, 4, 30), "平成31年4月30日"),
        (d(1989, 1, 8), "平成元年1月8日"),
        (d(1989, 1, 7), "昭和64年1月7日"),
        (d(1970, 3, 2), "昭和45年3月2日"),
        (d(1926, 12, 25), "昭和元年12月25日"),
        (d(1926, 12, 24), "大正15年12月24日"),
        (d(1912, 7, 30), "大正元年7月30日"),
        (d(1868, 1, 25), "明治元年1月25日"),
        (d(1868, 1, 24), "1868-01-24"),
    ];
    for (date, expected) in cases {
        assert_eq!(to_wareki(date), expected, "{date}");
    }
}

#[test]
fn every_day_round_trips_through_wareki() {
    let mut date = d(1868, 1, 25);
    while date <= d(2100, 12, 31) {
        assert_eq!(parse_date(&to_wareki(date)), Ok(date), "{date}");
        assert_eq!(parse_date(&date.format("%Y%m%d").to_string()), Ok(date), "{date}");
        date = date.succ_opt().unwrap();
    }
}
