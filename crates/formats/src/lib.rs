//! Files in and out. Every reader refuses a bad file with positioned errors (file, row, column,
//! value, expected) and collects all of them before refusing.
pub mod package;
pub mod report;
pub mod date;
pub mod encoding;
pub mod error;
pub mod hr;
pub mod table;
pub mod text;
pub mod bill_doc;
pub mod change;
pub mod deduction;
pub mod ledger;
