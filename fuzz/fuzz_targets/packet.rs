//! Fuzz target: the packet decoder, fast path against the general one.
//! The check is `fuzz/checks/packet.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/packet.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
