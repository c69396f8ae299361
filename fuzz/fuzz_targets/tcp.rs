//! Fuzz target: TCP reassembly fed arbitrary segments, ACKs and closes.
//! The check is `fuzz/checks/tcp.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/tcp.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
