//! Fuzz target: the TLS record and handshake parser, both directions, arbitrary chunking.
//! The check is `fuzz/checks/tls.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/tls.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
