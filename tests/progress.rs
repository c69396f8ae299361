//! Progress on a terminal: indicatif's bar on stderr (bytes for a capture,
//! captures for a batch), never in the report. The terminal is the one
//! util-linux's `script` gives its command (bsdutils is part of every
//! Debian system).

#[path = "../benches/support/generate.rs"]
mod generate;

use std::path::Path;
use std::process::Command;

mod common;
use common::top;

/// Runs the tool under `script` (stderr and stdout on a pseudo-terminal,
/// the report redirected to `report`); what the terminal showed.
fn on_a_terminal(args: &str, report: &Path) -> String {
    let cmd = format!("{} {args} > {}", env!("CARGO_BIN_EXE_pcap-tls-audit"), report.display());
    let o = Command::new("script")
        .current_dir(top())
        .args(["-qec", &cmd, "/dev/null"])
        .env("COLUMNS", "120")
        .output()
        .expect("script (util-linux) runs the tool on a pseudo-terminal");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_bar_on_the_terminal_and_nothing_in_the_report() {
    let d = common::scratch("progress");
    let templates = generate::templates(&top().join("samples"));
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 1200, 48, 50), 7, &mut pcap, &mut truth).unwrap();
    let big = d.join("big.pcap");
    std::fs::write(&big, &pcap).unwrap();
    let report = d.join("report.txt");
    // One capture: bytes read of its size.
    let screen = on_a_terminal(&format!("--progress {}", big.display()), &report);
    let total = pcap.len() as f64 / 1024.0 / 1024.0;
    assert!(screen.contains(&format!("/{total:.2} MiB")), "{screen:?}");
    assert!(
        !screen.contains(" 0 B/0 B"),
        "the bar shows the size from the start: {screen:?}"
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.starts_with(&big.display().to_string()), "{text}");
    assert!(
        !text.contains('\x1b') && !text.contains("MiB"),
        "progress never reaches the report"
    );
    // A batch: the captures done.
    let screen = on_a_terminal("samples/tls12-ok.pcap samples/refused.pcap samples/multi.pcap", &report);
    assert!(screen.contains("/3] captures"), "{screen:?}");
    // -q: nothing at all.
    let screen = on_a_terminal(&format!("-q {}", big.display()), &report);
    assert!(!screen.contains("MiB"), "{screen:?}");
}
