//! Fuzz target: the capture reader and the packet decoder on every frame.
//! The check is `fuzz/checks/capture.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/capture.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
