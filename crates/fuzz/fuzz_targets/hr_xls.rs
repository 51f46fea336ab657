#![no_main]
//! `cargo +nightly fuzz run hr_xls` (docs/RELIABILITY.md).
//!
//! calamine's xls parser indexes record bytes without checking their length; the reader catches
//! its panics and refuses the file (formats::table), so the panic hook libfuzzer-sys installs
//! (abort on any panic, caught or not) is replaced by a silent one here. A panic that escapes the
//! reader still reaches libfuzzer-sys's own catch and aborts: that is a crash.

use std::sync::Once;

use infoone_formats::fuzzing::{run, Target};
use libfuzzer_sys::fuzz_target;

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Err(e) = run(Target::HrXls, data) {
        panic!("{e}");
    }
});
