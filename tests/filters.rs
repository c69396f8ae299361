//! `--sni`, `--server`, `--client`, `--port` (the contract's filters) and
//! `--host` (for connections without SNI only): what is kept, the count of
//! what was left out, and ids that stay the connections' ranks in the
//! capture.

mod common;
use common::run;

/// (id, server, sni, status) of each connection, and the summary.
fn report(args: &[&str]) -> (Vec<(u64, String, String, String)>, serde_json::Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_ne!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cap = &v["captures"][0];
    let conns = cap["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_u64().unwrap(),
                c["server"].as_str().unwrap().to_string(),
                c["sni"].as_str().unwrap_or("-").to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (conns, cap["summary"].clone())
}

#[test]
fn filters_keep_what_matches_every_kind_and_count_the_rest() {
    let all = report(&["samples/multi.pcap"]).0;
    assert_eq!(all.len(), 4);
    let (kept, summary) = report(&["--sni", "*.company.com", "samples/multi.pcap"]);
    assert!(kept.iter().all(|c| c.2 == "backend.company.com"), "{kept:?}");
    assert_eq!(summary["filtered_out"].as_u64(), Some((all.len() - kept.len()) as u64));
    assert_eq!(summary["connections"].as_u64(), Some(kept.len() as u64));
    // Ids are the ranks among all the capture's connections.
    for c in &kept {
        assert!(all.contains(c), "{c:?} as in the unfiltered run");
    }
    // `-`: the connections without SNI.
    let (none, _) = report(&["--sni", "-", "samples/multi.pcap"]);
    assert!(none.iter().all(|c| c.2 == "-") && !none.is_empty(), "{none:?}");
    // Any value of one kind; every kind.
    let (both, _) = report(&["--sni", "-", "--sni", "backend.*.com", "samples/multi.pcap"]);
    assert_eq!(both.len(), all.len());
    let (none_at_all, summary) = report(&["--sni", "-", "--port", "1", "samples/multi.pcap"]);
    assert!(none_at_all.is_empty());
    assert_eq!(summary["filtered_out"].as_u64(), Some(4));
    let server = &all[0].1;
    let (to, _) = report(&["--server", server, "samples/multi.pcap"]);
    assert!(to.iter().all(|c| &c.1 == server) && !to.is_empty());
    let ip = server.rsplit_once(':').unwrap().0;
    let (by_ip, _) = report(&["--server", ip, "--client", "127.0.0.1", "samples/multi.pcap"]);
    assert!(!by_ip.is_empty());
    let (other, summary) = report(&["--client", "10.9.9.9", "samples/multi.pcap"]);
    assert!(other.is_empty());
    assert_eq!(summary["filtered_out"].as_u64(), Some(4));
    // Without filters the summary has no such count.
    assert!(report(&["samples/multi.pcap"]).1.get("filtered_out").is_none());
}

#[test]
fn the_text_summary_says_what_the_filters_left_out_and_bad_values_are_usage_errors() {
    let o = run(&["--sni", "nothing.example", "samples/multi.pcap"]);
    assert_eq!(o.status.code(), Some(0), "nothing kept, nothing failed");
    // (The summary line is wrapped at 100 columns.)
    let text = String::from_utf8(o.stdout).unwrap().replace("\n  ", " ");
    assert!(
        text.contains("0 TCP connections: nothing to report; 4 connections left out by the filters"),
        "{text}"
    );
    for (flag, value) in [
        ("--server", "backend:443"),
        ("--client", "10.0.0"),
        ("--port", "https"),
        ("--sni", ""),
    ] {
        let o = run(&[flag, value, "samples/multi.pcap"]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
    }
}

#[test]
fn host_names_the_server_only_for_connections_without_sni() {
    // With SNI: the SNI decides the name check, whatever --host says.
    let (with_sni, _) = report(&["--host", "other.example", "samples/tls12-ok.pcap"]);
    assert_eq!(with_sni[0].3, "ok");
    let o = run(&["--format", "json", "--host", "other.example", "samples/tls12-ok.pcap"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("hostname_mismatch"));
    // Without SNI: --host is the name the client meant.
    let o = run(&[
        "--format",
        "json",
        "--host",
        "backend.company.com",
        "samples/nginx-no-sni.pcap",
    ]);
    let json = String::from_utf8_lossy(&o.stdout);
    assert!(
        json.contains("hostname_mismatch"),
        "the certificate names backend.apigee.net"
    );
    let o = run(&["--format", "json", "samples/nginx-no-sni.pcap"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("hostname_mismatch"));
}
