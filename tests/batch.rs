//! A batch of captures: failures and findings grouped across the captures
//! (the contract's GROUP, in json and as the text report's closing block),
//! the same whatever the number of threads.

mod common;
use common::{run, top};

/// Two gateway hosts' captures of the same rejected chain, a third client
/// rejecting it too, one ok connection with a finding, one expired chain.
fn batch(name: &str) -> common::Scratch {
    let d = common::scratch(&format!("batch-{name}"));
    for (from, to) in [
        ("java-pkix-tls12.pcap", "mp1/gw.pcap"),
        ("java-pkix-tls12.pcap", "mp2/gw.pcap"),
        ("nginx-untrusted.pcap", "nginx-untrusted.pcap"),
        ("tls12-ok.pcap", "tls12-ok.pcap"),
        ("expired.pcap", "expired.pcap"),
    ] {
        let to = d.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(top().join("samples").join(from), to).unwrap();
    }
    d
}

#[test]
fn json_groups_failures_across_captures() {
    let d = batch("json");
    let o = run(&["--format", "json", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let groups = doc["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "{groups:#?}");
    let g = &groups[0];
    assert_eq!(g["server"], "127.0.0.1:8443");
    assert_eq!(g["sni"], "backend.company.com");
    assert_eq!(g["status"], "failed");
    assert_eq!(g["cause"], "certificate_rejected_by_client");
    assert_eq!(g["codes"], serde_json::json!(["untrusted_root"]));
    assert_eq!(g["chain_sha256"].as_str().unwrap().len(), 64);
    assert_eq!((g["connections"].as_u64(), g["captures"].as_u64()), (Some(3), Some(3)));
    let p = d.to_str().unwrap();
    let ex: Vec<(String, u64)> = g["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["capture"].as_str().unwrap().replace(p, ""),
                e["frame"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("/mp1/gw.pcap", 10),
        ("/mp2/gw.pcap", 10),
        ("/nginx-untrusted.pcap", 12),
    ];
    assert_eq!(ex, want.map(|(c, f)| (c.to_string(), f)));
    // The ok connection with a finding is its own group; ok without findings none.
    assert_eq!(groups[1]["status"], "ok");
    assert_eq!(groups[1]["cause"], serde_json::Value::Null);
    assert_eq!(groups[2]["codes"], serde_json::json!(["untrusted_root", "expired"]));
    // A single capture's document has its groups too.
    let o = run(&["--format", "json", "samples/expired.pcap"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["groups"].as_array().unwrap().len(), 1);
}

#[test]
fn text_batch_ends_with_the_groups_the_same_with_any_number_of_threads() {
    let d = batch("text");
    let p = d.to_str().unwrap();
    let one = run(&["--jobs", "1", p]);
    let two = run(&["--jobs", "2", p]);
    assert_eq!(one.stdout, two.stdout);
    let text = String::from_utf8(one.stdout).unwrap();
    let block = &text[text.find("ACROSS 5 CAPTURES").expect(&text)..];
    // Lines wrapped at 100 columns go on four spaces in.
    assert!(block.lines().all(|l| l.chars().count() <= 100), "{block}");
    let block = block.replace("\n    ", " ");
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines[0], "ACROSS 5 CAPTURES: 3 groups of failures and findings");
    assert_eq!(
        lines[1],
        format!(
            "  backend.company.com:8443 certificate_rejected_by_client untrusted_root: 3 connections in 3 captures, \
             e.g. {p}/mp1/gw.pcap frame 10, {p}/mp2/gw.pcap frame 10, {p}/nginx-untrusted.pcap frame 12"
        )
    );
    assert_eq!(lines.len(), 5);
    assert!(lines[4].starts_with("TOTAL: 5 captures, "), "{}", lines[4]);
    // One capture: no closing block.
    let o = run(&["samples/expired.pcap"]);
    assert!(!String::from_utf8(o.stdout).unwrap().contains("ACROSS"));
}
