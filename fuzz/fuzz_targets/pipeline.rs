//! Fuzz target: the whole pipeline, whole and streamed, text and JSON.
//! The check is `fuzz/checks/pipeline.rs`, which
//! `tests/fuzz_checks.rs` also runs on the samples with every test run, so
//! that it compiles and holds with every change.
#![no_main]

#[path = "../checks/pipeline.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
