//! When a reminder (督促状) is due for an unpaid amount (DOMAIN.md §7): the first notice after the
//! due date, the second 30 days after the first was issued, none after the second.
//!
//! The letter gives a new due date: [`GRACE_DAYS`] after the day it is issued, moved to the next
//! bank business day (the person pays by bank transfer). DOMAIN.md does not fix it; two weeks is
//! what clerks give, and a weekend or holiday due date would only be read as the next business day.

use chrono::{Duration, NaiveDate};

/// Days from the first notice to the second (DOMAIN.md §7).
pub const SECOND_AFTER_DAYS: i64 = 30;

/// Days from a letter's issue to the new due date it gives.
pub const GRACE_DAYS: i64 = 14;

/// What is due for one unpaid amount on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderDue {
    /// The first notice (督促状).
    First,
    /// The second notice (督促状・再通知).
    Second,
    /// Nothing yet; the next notice is due from this day.
    NotYet(NaiveDate),
    /// Both notices have been issued.
    Done,
}

/// Which notice `today` calls for, for an amount due on `due` whose first and second notices were
/// issued on `first` and `second` (if they were).
pub fn reminder_due(
    due: NaiveDate,
    first: Option<NaiveDate>,
    second: Option<NaiveDate>,
    today: NaiveDate,
) -> ReminderDue {
    match (first, second) {
        (_, Some(_)) => ReminderDue::Done,
        (None, None) => {
            let from = due + Duration::days(1);
            if today >= from {
                ReminderDue::First
            } else {
                ReminderDue::NotYet(from)
            }
        }
        (Some(f), None) => {
            let from = f + Duration::days(SECOND_AFTER_DAYS);
            if today >= from {
                ReminderDue::Second
            } else {
                ReminderDue::NotYet(from)
            }
        }
    }
}

/// The new due date a letter issued on `issued` gives.
pub fn new_due_date(issued: NaiveDate) -> NaiveDate {
    infoone_calendar::next_bank_business_day(issued + Duration::days(GRACE_DAYS))
}

/// Days past `due` on `today` (0 when not past).
pub fn days_overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_first_notice_comes_after_the_due_date_and_the_second_30_days_after_the_first() {
        let due = d(2026, 12, 28);
        assert_eq!(reminder_due(due, None, None, due), ReminderDue::NotYet(d(2026, 12, 29)));
        assert_eq!(reminder_due(due, None, None, d(2026, 12, 29)), ReminderDue::First);
        // First issued 2027-01-05: the second from 2027-02-04, not before.
        let first = Some(d(2027, 1, 5));
        assert_eq!(
            reminder_due(due, first, None, d(2027, 2, 3)),
            ReminderDue::NotYet(d(2027, 2, 4))
        );
        assert_eq!(reminder_due(due, first, None, d(2027, 2, 4)), ReminderDue::Second);
        assert_eq!(
            reminder_due(due, first, Some(d(2027, 2, 4)), d(2027, 6, 1)),
            ReminderDue::Done
        );
    }

    #[test]
    fn the_new_due_date_is_two_weeks_later_on_a_bank_business_day() {
        // 2027-01-05 (Tue) + 14 = 2027-01-19 (Tue).
        assert_eq!(new_due_date(d(2027, 1, 5)), d(2027, 1, 19));
        // 2026-12-20 + 14 = 2027-01-03: the bank holidays to 1/3, so 2027-01-04 (Mon).
        assert_eq!(new_due_date(d(2026, 12, 20)), d(2027, 1, 4));
        // 2027-01-01 + 14 = 2027-01-15 (Fri).
        assert_eq!(new_due_date(d(2027, 1, 1)), d(2027, 1, 15));
        // 2026-12-29 + 14 = 2027-01-12 (Tue, the day after 成人の日 1/11).
        assert_eq!(new_due_date(d(2026, 12, 29)), d(2027, 1, 12));
        // 2026-12-27 + 14 = 2027-01-10 (Sun) → 1/11 is 成人の日 → 2027-01-12.
        assert_eq!(new_due_date(d(2026, 12, 27)), d(2027, 1, 12));
        assert_eq!(days_overdue(d(2026, 12, 28), d(2027, 1, 5)), 8);
        assert_eq!(days_overdue(d(2026, 12, 28), d(2026, 12, 1)), 0);
    }
}
