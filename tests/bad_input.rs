//! Bad input: one line on stderr naming the file and what is wrong, the exit
//! code of the contract, and the other inputs still analysed. Never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::top;

fn tmp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(args)
        .output()
        .unwrap()
}

fn sample() -> Vec<u8> {
    std::fs::read(top().join("samples/java-pkix-tls12.pcap")).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE"), "{e}");
}

#[test]
fn not_a_capture_is_exit_2_and_the_others_are_still_analysed() {
    let dir = common::scratch("bad-input");
    let bad = tmp(&dir, "notes.pcap", b"this is a text file, not a capture\n");
    let good = top().join("samples/tls12-ok.pcap");
    let o = run(&[bad.as_os_str(), good.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("notes.pcap") && e.contains("text, not a capture"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["captures"][0]["error"].as_str().unwrap().contains("not a capture"));
    assert_eq!(v["captures"][1]["summary"]["ok"], 1);
}

#[test]
fn empty_file_is_exit_2() {
    let dir = common::scratch("bad-input");
    let p = tmp(&dir, "empty.pcap", b"");
    let o = run(&[p.as_os_str()]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"));
}

#[test]
fn missing_file_is_exit_2() {
    let o = run(&["/nonexistent/capture.pcap".as_ref()]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/capture.pcap"));
}

#[test]
fn capture_cut_in_a_packet_is_a_warning_not_an_error() {
    let s = sample();
    // Cut inside the last packet: what came before is still analysed.
    let dir = common::scratch("bad-input");
    let p = tmp(&dir, "cut.pcap", &s[..s.len() - 10]);
    let o = run(&[p.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    no_panic(&o);
    assert_ne!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = v["captures"][0]["warnings"][0].as_str().unwrap();
    assert!(w.contains("truncated at byte"), "{w}");
    assert_eq!(
        v["captures"][0]["connections"][0]["failure"]["cause"],
        "certificate_rejected_by_client"
    );
    assert!(stderr(&o).contains("truncated"));
}

#[test]
fn unknown_link_type_is_reported() {
    let mut s = sample();
    s[20..24].copy_from_slice(&147u32.to_le_bytes()); // LINKTYPE_USER0
    let dir = common::scratch("bad-input");
    let p = tmp(&dir, "user0.pcap", &s);
    let o = run(&[p.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = v["captures"][0]["warnings"].to_string();
    assert!(w.contains("unsupported link type LINKTYPE_147"), "{w}");
}

#[test]
fn every_prefix_of_a_sample_is_read_without_panic() {
    let s = sample();
    for cut in (0..s.len()).step_by(97) {
        let cf = pcap_tls_audit::capture::CaptureFile::from_bytes("prefix", s[..cut].to_vec()).unwrap();
        let opts = pcap_tls_audit::analyze::Options {
            chains: std::sync::Arc::new(pcap_tls_audit::chain::Chains::new(
                pcap_tls_audit::trust::TrustStore::mozilla(),
            )),
            at: None,
            host: None,
            keylog: None,
            filters: Default::default(),
            stores: Default::default(),
        };
        let _ = pcap_tls_audit::analyze::analyze_capture(&cf, &opts);
    }
}

#[test]
fn gzip_and_stdin_and_directories_are_read() {
    use std::io::Write;
    let s = sample();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&s).unwrap();
    let dir = common::scratch("bad-input");
    let p = tmp(&dir, "sample.pcap.gz", &gz.finish().unwrap());
    let o = run(&[p.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["captures"][0]["summary"]["failed"], 1);

    let mut child = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .args(["-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&s).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["captures"][0]["summary"]["failed"], 1);

    let o = run(&[top().join("samples").as_os_str(), "--format".as_ref(), "json".as_ref()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Every capture under samples/ and nothing else (goldens, scripts, PEM files are skipped).
    let n = v["captures"].as_array().unwrap().len();
    let expected = std::fs::read_dir(top().join("samples"))
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name().to_string_lossy().into_owned();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .count();
    assert_eq!(n, expected);
}

#[test]
fn a_capture_cut_short_fails_the_default_gate_and_none_turns_the_gate_off() {
    // An ok capture cut inside its last packet (a killed tcpdump): the
    // default --fail-on has `damaged`, so the gate sees it.
    let s = std::fs::read(top().join("samples/tls12-ok.pcap")).unwrap();
    let dir = common::scratch("bad-input-gate");
    let p = tmp(&dir, "cut-ok.pcap", &s[..s.len() - 10]);
    let whole = tmp(&dir, "whole-ok.pcap", &s);
    let ca = top().join("samples/pki/root.pem");
    let args = |extra: &[&str], p: &Path| {
        let mut a: Vec<std::ffi::OsString> = vec!["-q".into(), "--ca-file".into(), ca.clone().into_os_string()];
        a.extend(extra.iter().map(|x| std::ffi::OsString::from(*x)));
        a.push(p.as_os_str().to_owned());
        a
    };
    let code = |extra: &[&str], p: &Path| {
        let a = args(extra, p);
        let refs: Vec<&std::ffi::OsStr> = a.iter().map(|x| x.as_os_str()).collect();
        let o = run(&refs);
        no_panic(&o);
        o.status.code()
    };
    assert_eq!(code(&[], &whole), Some(0));
    assert_eq!(code(&[], &p), Some(1), "damaged is in the default gate");
    assert_eq!(code(&["--fail-on", "failed"], &p), Some(0));
    assert_eq!(code(&["--fail-on", "damaged"], &p), Some(1));
    // `none`: no gate, even on a failure.
    let failing = top().join("samples/java-pkix-tls12.pcap");
    assert_eq!(code(&["--fail-on", "none"], &failing), Some(0));
    assert_eq!(code(&[], &failing), Some(1));
    assert_eq!(
        code(&["--fail-on", "none,failed"], &failing),
        Some(2),
        "none combined is a usage error"
    );
    assert_eq!(
        code(&["--fail-on", "damagd"], &failing),
        Some(2),
        "a typo never turns a gate green"
    );
}
