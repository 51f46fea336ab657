//! Files in and out. Every reader refuses a bad file with positioned errors (file, row, column,
//! value, expected) and collects all of them before refusing.
pub mod atomic;
pub mod bill_doc;
pub mod change;
pub mod date;
pub mod deduction;
pub mod encoding;
pub mod error;
pub mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod hr;
pub mod kana;
pub mod ledger;
pub mod limits;
pub mod media;
pub mod package;
pub mod package_bounds;
pub mod package_diff;
pub mod pdf;
pub mod report;
pub mod roster;
pub mod table;
pub mod text;
pub mod xls_bounds;
pub mod xlsx;
pub mod zengin;
