//! Decryption with the session's keys (`--keylog`, pcapng secrets blocks):
//! the decrypted handshake messages, alert descriptions and certificates
//! agree with tshark's with the same keys (tests/data/keylog-oracle.tsv,
//! written by scripts/keylog-oracle.sh; the tests never run tshark), and
//! bad or missing keys never break a report.

mod common;
use common::{tool, top};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Handshake type of a message name in the report.
fn handshake_type(name: &str) -> Option<u8> {
    Some(match name {
        "ClientHello" => 1,
        "ServerHello" => 2,
        "NewSessionTicket" => 4,
        "EndOfEarlyData" => 5,
        "EncryptedExtensions" => 8,
        "Certificate" => 11,
        "ServerKeyExchange" => 12,
        "CertificateRequest" => 13,
        "ServerHelloDone" => 14,
        "ClientKeyExchange" => 16,
        "CertificateVerify" => 15,
        "Finished" => 20,
        _ => return None,
    })
}

type PerFrame = BTreeMap<u64, (Vec<u8>, Vec<u8>, usize)>;

fn ours(capture: &str, keylog: Option<&str>) -> PerFrame {
    let mut args = vec!["--format", "json", capture];
    if let Some(k) = keylog {
        args.extend(["--keylog", k]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(&args)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out = PerFrame::new();
    for c in doc["captures"][0]["connections"].as_array().unwrap() {
        for h in c["handshake"].as_array().unwrap() {
            let frame = h["frame"].as_u64().unwrap();
            let msg = h["message"].as_str().unwrap();
            let e = out.entry(frame).or_default();
            if let Some(t) = handshake_type(msg) {
                e.0.push(t);
                if msg == "Certificate" {
                    let d = h["detail"].as_str().unwrap_or("0");
                    e.2 += d.split(' ').next().unwrap().parse::<usize>().unwrap_or(0);
                }
            }
            if msg == "Alert" {
                let d = h["detail"].as_str().unwrap();
                let code = d
                    .rsplit('(')
                    .next()
                    .unwrap()
                    .trim_end_matches(')')
                    .parse::<u8>()
                    .unwrap();
                e.1.push(code);
            }
        }
    }
    out.retain(|_, v| !v.0.is_empty() || !v.1.is_empty());
    out
}

#[test]
fn decrypted_messages_alerts_and_certificates_agree_with_tshark() {
    let oracle = std::fs::read_to_string(top().join("tests/data/keylog-oracle.tsv")).unwrap();
    let mut want: BTreeMap<String, PerFrame> = BTreeMap::new();
    for l in oracle.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        let list = |s: &str| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().unwrap())
                .collect::<Vec<u8>>()
        };
        let (types, alerts) = (list(f[2]), list(f[3]));
        if types.is_empty() && alerts.is_empty() {
            continue;
        }
        let e = want.entry(f[0].to_string()).or_default();
        e.insert(f[1].parse().unwrap(), (types, alerts, f[4].parse().unwrap()));
    }
    assert!(want.len() >= 8, "{}", want.len());
    for (capture, frames) in &want {
        let keylog = if capture.ends_with(".pcapng") {
            None
        } else if capture.starts_with("samples/") {
            Some(capture.replace(".pcap", ".keylog"))
        } else {
            Some(format!("{capture}.keylog"))
        };
        let got = ours(capture, keylog.as_deref());
        let mut got_sorted = got.clone();
        for v in got_sorted.values_mut() {
            v.0.sort_unstable();
        }
        let mut want_sorted = frames.clone();
        for v in want_sorted.values_mut() {
            v.0.sort_unstable();
        }
        assert_eq!(got_sorted, want_sorted, "{capture}");
    }
}

fn report(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json", "--ca-file", "samples/pki/root.pem"];
    all.extend_from_slice(args);
    serde_json::from_slice(&tool(&all)).unwrap()
}

#[test]
fn the_report_says_how_the_connection_was_decrypted() {
    let d = report(&[
        "--keylog",
        "samples/keylog-tls13-reject.keylog",
        "samples/keylog-tls13-reject.pcap",
    ]);
    let c = &d["captures"][0]["connections"][0];
    assert_eq!(c["decryption"]["decrypted"], true);
    assert_eq!(c["decryption"]["keys"], "samples/keylog-tls13-reject.keylog line 2");
    assert_eq!(c["failure"]["cause"], "certificate_rejected_by_client");
    assert_eq!(c["failure"]["alert"]["description"], "unknown_ca");
    assert_eq!(c["server_chain"]["certificates"].as_array().unwrap().len(), 2);
    assert!(
        c["server_chain"]["certificates"][0]["ja4x"].is_string(),
        "JA4X of a decrypted certificate"
    );
    // The secrets block of the pcapng, without --keylog.
    let d = report(&["samples/keylog-tls13-secrets.pcapng"]);
    let c = &d["captures"][0]["connections"][0];
    assert_eq!(
        c["decryption"]["keys"],
        "the capture's secrets block at byte 108 line 2"
    );
    assert_eq!(c["failure"]["cause"], "certificate_rejected_by_client");
    // The same through a pipe: secrets blocks are read from streams too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(["--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(top().join("samples/keylog-tls13-secrets.pcapng")).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["captures"][0]["connections"][0]["decryption"]["decrypted"], true);
}

#[test]
fn a_captures_secrets_block_stays_with_that_capture() {
    // A batch read one capture after the other: the secrets of the first
    // capture's block were added to the run's key log, and the second
    // capture's report said that its session had no secrets in it.
    let d = report(&[
        "--jobs",
        "1",
        "samples/keylog-tls13-secrets.pcapng",
        "samples/tls12-ok.pcap",
    ]);
    let first = &d["captures"][0]["connections"][0];
    assert_eq!(first["decryption"]["decrypted"], true);
    let second = &d["captures"][1]["connections"][0];
    assert_eq!(second["status"], "ok");
    assert!(second.get("decryption").is_none(), "{second}");
    // With --keylog, both captures use the run's key log, and the first
    // its own block as well.
    let d = report(&[
        "--jobs",
        "1",
        "--keylog",
        "samples/keylog-tls13-reject.keylog",
        "samples/keylog-tls13-secrets.pcapng",
        "samples/keylog-tls13-reject.pcap",
    ]);
    for c in 0..2 {
        let conn = &d["captures"][c]["connections"][0];
        assert_eq!(conn["decryption"]["decrypted"], true, "{conn}");
    }
}

#[test]
fn wrong_or_missing_keys_are_a_reason_not_an_error() {
    // Keys of another session: "no secrets for this client random".
    let d = report(&[
        "--keylog",
        "samples/keylog-tls13-ok.keylog",
        "samples/keylog-tls13-reject.pcap",
    ]);
    let c = &d["captures"][0]["connections"][0];
    assert_eq!(c["decryption"]["decrypted"], false);
    assert!(
        c["decryption"]["problem"]
            .as_str()
            .unwrap()
            .contains("no secrets for this session")
    );
    // OpenSSL sends this rejection before it encrypts: the verdict needs no keys.
    assert_eq!(c["failure"]["cause"], "certificate_rejected_by_client");
    // The right client random with wrong secrets: nothing opens, and the
    // verdict is the one without keys.
    let good = std::fs::read_to_string(top().join("samples/keylog-tls13-ok.keylog")).unwrap();
    let bad: String = good
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            format!("{} {} {}\n", f[0], f[1], "ab".repeat(f[2].len() / 2))
        })
        .collect();
    let dir = common::scratch("keylog");
    let p = dir.join("wrong.keylog");
    std::fs::write(&p, format!("this line is not a key log line\n{bad}")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args([
            "--format",
            "json",
            "--keylog",
            p.to_str().unwrap(),
            "samples/keylog-tls13-ok.pcap",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "wrong keys are no usage error");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("wrong.keylog line 1: not"), "{err}");
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &d["captures"][0]["connections"][0];
    assert_eq!(c["decryption"]["decrypted"], false);
    assert!(
        c["decryption"]["problem"].as_str().unwrap().contains("do not open"),
        "{}",
        c["decryption"]
    );
    assert_eq!(c["status"], "ok");
    assert!(
        c["server_chain"].is_null(),
        "no chain claimed from records that did not open"
    );
    // An unreadable key log is a usage error.
    let o = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(["--keylog", "/nonexistent/keys.log", "samples/keylog-tls13-reject.pcap"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(Path::new("samples/keylog-tls13-reject.pcap").is_relative());
}

/// The verdict of each connection of a capture: status and cause.
fn verdicts(capture: &str, keylog: Option<&str>) -> Vec<(String, String)> {
    let mut args = vec!["--ca-file", "samples/pki/other-root.pem", capture];
    if let Some(k) = keylog {
        args.extend(["--keylog", k]);
    }
    let doc = report(&args);
    doc["captures"][0]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cause = c["failure"]["cause"].as_str().unwrap_or("-").to_string();
            (c["status"].as_str().unwrap_or("").to_string(), cause)
        })
        .collect()
}

#[test]
fn keys_never_make_a_verdict_worse() {
    // Every sample recorded with its key log: what the keys show may only
    // replace "not visible without keys" with the reason, never turn an
    // answer into a worse one (ok into a failure, a named cause into
    // handshake_failed_encrypted, anything into incomplete).
    let mut checked = 0;
    for e in std::fs::read_dir(top().join("samples")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "keylog") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let capture = format!("samples/{}", name.replace(".keylog", ".pcap"));
        let keylog = format!("samples/{name}");
        let without = verdicts(&capture, None);
        let with = verdicts(&capture, Some(&keylog));
        assert_eq!(without.len(), with.len(), "{capture}");
        for ((ws, wc), (ks, kc)) in without.iter().zip(&with) {
            let worse = (ws == "ok" && ks != "ok")
                || (ks == "incomplete" && ws != "incomplete")
                || (kc == "handshake_failed_encrypted" && wc != "handshake_failed_encrypted");
            assert!(!worse, "{capture}: without keys {ws} {wc}, with keys {ks} {kc}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
}
