//! What several test crates share: the repository's root, and the tool run
//! there on arguments (with an exit status that says it analysed, 0 or 1,
//! or as it exited). Each crate uses what it needs of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository's root.
pub fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tool's standard output, run in the repository's root; fails the
/// test (with the tool's messages) on an exit status of 2 or more.
pub fn tool(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// The tool run in the repository's root, however it exited.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(args)
        .output()
        .unwrap()
}
