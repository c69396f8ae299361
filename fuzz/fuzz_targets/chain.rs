//! Fuzz target: certificate parsing and chain analysis.
//! The check is `fuzz/checks/chain.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/chain.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
