#![no_main]
//! `cargo +nightly fuzz run hr_xlsx` (docs/RELIABILITY.md).

use infoone_formats::fuzzing::{run, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = run(Target::HrXlsx, data) {
        panic!("{e}");
    }
});
