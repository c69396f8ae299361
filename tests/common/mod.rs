//! What several test crates share: the repository's root, and the tool run
//! there on arguments (with an exit status that says it analysed, 0 or 1,
//! or as it exited). Each crate uses what it needs of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
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

/// A directory of a test's own under the system's temporary directory,
/// removed with everything in it when the value is dropped: when the test
/// ends, whether it passed or failed. It reads as the directory's path.
pub struct Scratch(tempfile::TempDir);

/// A new, empty scratch directory named after `what` (`pta-what-` and a
/// random suffix, so that tests and runs never share one).
pub fn scratch(what: &str) -> Scratch {
    let d = tempfile::Builder::new()
        .prefix(&format!("pta-{what}-"))
        .tempdir()
        .unwrap();
    Scratch(d)
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// The tool run in the repository's root, however it exited.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(args)
        .output()
        .unwrap()
}
