//! Pure business rules of group-insurance month-end (DOMAIN.md). No I/O and no clock: dates come
//! in as parameters, so every rule is testable for any day.
//!
//! - [`money`]: `Yen`, `Ratio` and the named rounding rules.
//! - [`month`]: months, the cutoff rule, policy years.
//! - [`age`]: 満年齢 and 保険年齢.
//! - [`product`]: group products, rate tables, the premium of one enrollment-month.
//! - [`ledger`]: one group's month: members, enrollments, billed history, carry-overs.
//! - [`change`]: changes (異動) and how each applies to the ledger.
//! - [`bill`]: office bills (regular, retro, carry-over lines), fees, individual bills.
//! - [`deduction`]: deduction results spread over lines; what each office owes.
//! - [`finding`]: findings with stable codes.
//! - [`reminder`]: when a reminder (督促状) is due for an unpaid amount.

pub mod age;
pub mod bill;
pub mod change;
pub mod deduction;
pub mod finding;
pub mod ledger;
pub mod money;
pub mod month;
pub mod product;
pub mod reminder;
