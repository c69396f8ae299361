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
    assert_eq!(attr(suites[0], "name"), "samples/java-pkix-tls12.pcap");
    for s in &suites {
        let cases: Vec<_> = s.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(attr(*s, "tests"), cases.len().to_string(), "counts match the cases");
        let failed = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(attr(*s, "failures"), failed.to_string());
        // Every connection has the Wireshark filter in system-out.
        for c in cases.iter().filter(|c| attr(**c, "name").starts_with('#')) {
            let out = c
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .unwrap()
                .text()
                .unwrap();
            assert!(out.starts_with("wireshark: ip.addr=="), "{out}");
        }
    }
    let case = suites[0].children().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(
        attr(case, "name"),
        "#1 127.0.0.1:34066 -> 127.0.0.1:8443 SNI backend.company.com"
    );
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
        attr(cases[0], "name").ends_with("SNI <s>\"&'</testcase>xy"),
        "{}",
        attr(cases[0], "name")
    );
}
