//! `--format junit`: well-formed JUnit XML (read back with an XML parser)
//! with a testsuite per capture, a testcase per connection, failures with
//! their cause, errors for captures that were not read whole, and strings
//! from the capture kept as text.

mod common;
use common::top;

use std::process::Output;

fn run(args: &[&str]) -> Output {
    let mut all = vec!["--format", "junit"];
    all.extend_from_slice(args);
    common::run(&all)
}

fn tmp(d: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = d.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn attr<'a>(n: roxmltree::Node<'a, '_>, k: &str) -> &'a str {
    n.attribute(k).unwrap_or_default()
}

#[test]
fn a_suite_per_capture_a_case_per_connection() {
    let o = run(&[
        "samples/java-pkix-tls12.pcap",
        "samples/multi.pcap",
        "samples/tls12-ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let xml = String::from_utf8(o.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 3);
    // <testsuites> gives the totals of its suites.
    for k in ["tests", "failures", "errors", "skipped"] {
        let sum: u64 = suites.iter().map(|s| attr(*s, k).parse::<u64>().unwrap()).sum();
        assert_eq!(attr(root, k), sum.to_string(), "{k}");
    }
    assert_eq!(attr(suites[0], "name"), "samples/java-pkix-tls12.pcap");
    for s in &suites {
        let cases: Vec<_> = s.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(attr(*s, "tests"), cases.len().to_string(), "counts match the cases");
        let failed = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(attr(*s, "failures"), failed.to_string());
        // Every connection has its client, ports and the Wireshark filter
        // in system-out (never in its name).
        for c in cases.iter().filter(|c| attr(**c, "name") != "capture read") {
            let out = c
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .unwrap()
                .text()
                .unwrap();
            assert!(out.starts_with("connection #"), "{out}");
            assert!(out.contains("\nwireshark: ip.addr=="), "{out}");
        }
    }
    let case = suites[0].children().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(attr(case, "name"), "127.0.0.1:8443 backend.company.com");
    assert_eq!(attr(case, "classname"), "pcap-tls-audit.java-pkix-tls12_pcap");
    let f = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(attr(f, "type"), "certificate_rejected_by_client");
    assert_eq!(
        attr(f, "message"),
        "certificate_rejected_by_client: client gave up, frame 10"
    );
    assert!(
        f.text()
            .unwrap()
            .contains("frame     10  client  Alert  fatal certificate_unknown (46)")
    );
    // multi.pcap has ok, failed and refused connections.
    assert!(attr(suites[1], "failures").parse::<u32>().unwrap() >= 1);
    assert_eq!(attr(suites[2], "failures"), "0");
}

#[test]
fn damaged_and_unreadable_captures_are_errors_and_fail_on_words_fail_cases() {
    let sample = std::fs::read(top().join("samples/tls12-ok.pcap")).unwrap();
    let dir = common::scratch("junit");
    let cut = tmp(&dir, "cut.pcap", &sample[..sample.len() - 10]);
    let bad = tmp(&dir, "bad.pcap", b"not a capture");
    let o = run(&["--fail-on", "untrusted_root", "samples/tls12-ok.pcap", &cut, &bad]);
    assert_eq!(o.status.code(), Some(2));
    let xml = String::from_utf8(o.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 3);
    // An ok connection that a --fail-on word matched is a failure.
    let f = suites[0].descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(attr(f, "type"), "untrusted_root");
    assert!(attr(f, "message").starts_with("matched --fail-on untrusted_root"));
    for s in &suites[1..] {
        assert_eq!(attr(*s, "errors"), "1", "{}", attr(*s, "name"));
        let e = s.descendants().find(|n| n.has_tag_name("error")).unwrap();
        assert_eq!(attr(e, "type"), "capture");
    }
}

#[test]
fn hostile_names_stay_text() {
    // The SNI (and the certificate's names) replaced by markup of the same length.
    let sample = std::fs::read(top().join("samples/tls12-ok.pcap")).unwrap();
    let (from, to): (&[u8], &[u8]) = (b"backend.company.com", b"<s>\"&'</testcase>xy");
    let mut b = sample.clone();
    let mut i = 0;
    while let Some(p) = b[i..].windows(from.len()).position(|w| w == from) {
        b[i + p..i + p + from.len()].copy_from_slice(to);
        i += p + from.len();
    }
    let dir = common::scratch("junit");
    let p = tmp(&dir, "hostile.pcap", &b);
    let o = run(&[&p]);
    let xml = String::from_utf8(o.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2, "one connection and the capture: no testcase injected");
    assert!(
        attr(cases[0], "name").ends_with(" <s>\"&'</testcase>xy"),
        "{}",
        attr(cases[0], "name")
    );
}

/// The (classname, name) of every testcase.
fn names(xml: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|c| (attr(c, "classname").to_string(), attr(c, "name").to_string()))
        .collect()
}

#[test]
fn names_are_the_same_across_runs_whatever_the_client_ports() {
    // Two captures of the same servers, a day apart: other client ports
    // (the ephemeral ones), the same names, and ` #K` in first-frame order
    // where a server and SNI repeat in a capture.
    let multi = std::fs::read(top().join("samples/multi.pcap")).unwrap();
    let mut other = multi.clone();
    // Each TCP header's client port (every port but the servers') shifted by 7.
    let link = u32::from_le_bytes(multi[20..24].try_into().unwrap());
    let header = match link {
        1 => 14,
        113 => 16,
        _ => 20, // LINUX_SLL2
    };
    let mut pos = 24;
    while pos + 16 <= other.len() {
        let len = u32::from_le_bytes(other[pos + 8..pos + 12].try_into().unwrap()) as usize;
        let frame = pos + 16;
        let ip = frame + header;
        let tcp = ip + ((other[ip] & 15) as usize) * 4;
        for at in [tcp, tcp + 2] {
            let port = u16::from_be_bytes([other[at], other[at + 1]]);
            if port > 30000 {
                other[at..at + 2].copy_from_slice(&(port + 7).to_be_bytes());
            }
        }
        pos = frame + len;
    }
    let dir = common::scratch("junit-names");
    let a = tmp(&dir, "gw.pcap", &multi);
    std::fs::create_dir_all(dir.join("tomorrow")).unwrap();
    let b = tmp(&dir.join("tomorrow"), "gw.pcap", &other);
    let (one, two) = (run(&[&a]), run(&[&b]));
    let (one, two) = (
        String::from_utf8(one.stdout).unwrap(),
        String::from_utf8(two.stdout).unwrap(),
    );
    assert_ne!(one, two, "the client ports differ");
    let n = names(&one);
    assert_eq!(n, names(&two));
    assert!(n.iter().all(|(c, _)| c == "pcap-tls-audit.gw_pcap"), "{n:?}");
    let repeated: Vec<&String> = n.iter().map(|(_, x)| x).filter(|x| x.ends_with(" #2")).collect();
    assert!(!repeated.is_empty(), "{n:?}");
    for r in repeated {
        let first = r.replace(" #2", " #1");
        assert!(n.iter().any(|(_, x)| *x == first), "{first} in {n:?}");
    }
    let mut unique: Vec<&String> = n.iter().map(|(_, x)| x).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), n.len(), "every name once in a suite: {n:?}");
}
