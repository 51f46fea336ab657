#![no_main]
//! `cargo +nightly fuzz run deductions` (docs/RELIABILITY.md).

use infoone_formats::fuzzing::{run, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = run(Target::Deductions, data) {
        panic!("{e}");
    }
});
