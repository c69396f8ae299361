//! The bundled samples (real captures from real TLS stacks, see
//! samples/README.md): each report must match its golden exactly, and the
//! verdict must be the one the scenario produced (samples/cases.tsv).
//! After an intended change of the output: `samples/generate.sh --goldens`.

use std::path::Path;
use std::process::Command;

mod common;
use common::top;

struct Case {
    /// `capture` or `capture@variant` (the same capture with other options).
    name: String,
    capture: String,
    findings: Vec<String>,
    args: Vec<String>,
    status: Vec<String>,
    cause: Vec<String>,
    side: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(top().join("samples/cases.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let list = |i: usize| {
                c.get(i)
                    .unwrap_or(&"")
                    .split(',')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            Case {
                name: c[0].to_string(),
                capture: c[0].split('@').next().unwrap_or(c[0]).to_string(),
                findings: c
                    .get(5)
                    .unwrap_or(&"-")
                    .split_whitespace()
                    .filter(|f| *f != "-")
                    .map(str::to_string)
                    .collect(),
                args: c[1]
                    .split_whitespace()
                    .filter(|a| *a != "-")
                    .map(str::to_string)
                    .collect(),
                status: list(2),
                cause: list(3),
                side: list(4),
            }
        })
        .collect()
}

fn run(args: &[String], extra: &[&str], sample: &str) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(extra)
        .args(args)
        .arg(format!("samples/{sample}"))
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap_or(-1))
}

fn golden(name: &str) -> String {
    let p: &Path = &top().join("samples/golden").join(name);
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A JSON report without what changes with a release rather than with the
/// capture: the tool's version and the number of built-in Mozilla roots.
fn normalized(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
    v["tool"]["version"] = "VERSION".into();
    if v["trust_store"]["source"] == "mozilla-builtin" {
        v["trust_store"]["anchors"] = 0.into();
    }
    v
}

#[test]
fn json_goldens_do_not_change_with_a_version_or_a_roots_release() {
    let a = r#"{"tool":{"name":"pcap-tls-audit","version":"0.1.0"},"trust_store":{"source":"mozilla-builtin","anchors":146}}"#;
    let b = r#"{"tool":{"name":"pcap-tls-audit","version":"0.2.0"},"trust_store":{"source":"mozilla-builtin","anchors":150}}"#;
    assert_eq!(normalized(a), normalized(b));
    let c = r#"{"tool":{"name":"pcap-tls-audit","version":"0.1.0"},"trust_store":{"source":"files","anchors":1}}"#;
    let d = r#"{"tool":{"name":"pcap-tls-audit","version":"0.1.0"},"trust_store":{"source":"files","anchors":2}}"#;
    assert_ne!(
        normalized(c),
        normalized(d),
        "a given store's size is part of the report"
    );
}

#[test]
fn every_sample_matches_its_golden_text_and_json() {
    let mut bad = Vec::new();
    for c in cases() {
        let (text, _) = run(&c.args, &[], &c.capture);
        if text != golden(&format!("{}.txt", c.name)) {
            bad.push(format!("{}: text differs from samples/golden/{}.txt", c.name, c.name));
        }
        let (json, _) = run(&c.args, &["--format", "json"], &c.capture);
        if normalized(&json) != normalized(&golden(&format!("{}.json", c.name))) {
            bad.push(format!("{}: JSON differs from samples/golden/{}.json", c.name, c.name));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_sample_has_the_verdict_of_its_scenario() {
    for c in cases() {
        let (json, code) = run(&c.args, &["--format", "json"], &c.capture);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let conns = v["captures"][0]["connections"].as_array().unwrap();
        assert_eq!(conns.len(), c.status.len(), "{}: number of connections", c.name);
        for (i, conn) in conns.iter().enumerate() {
            assert_eq!(conn["status"], c.status[i].as_str(), "{} #{}: status", c.name, i + 1);
            let cause = conn["failure"]["cause"].as_str().unwrap_or("-");
            assert_eq!(cause, c.cause[i], "{} #{}: cause", c.name, i + 1);
            let side = conn["failure"]["side"].as_str().unwrap_or("-");
            assert_eq!(side, c.side[i], "{} #{}: side", c.name, i + 1);
        }
        let mut codes: Vec<String> = Vec::new();
        for conn in conns {
            for key in ["findings"] {
                for f in conn[key].as_array().into_iter().flatten() {
                    codes.push(f["code"].as_str().unwrap_or("").to_string());
                }
            }
            for chain in ["server_chain", "client_chain"] {
                for f in conn[chain]["findings"].as_array().into_iter().flatten() {
                    codes.push(f["code"].as_str().unwrap_or("").to_string());
                }
            }
        }
        for want in &c.findings {
            assert!(
                codes.contains(want),
                "{}: finding {want} missing (found {codes:?})",
                c.name
            );
        }
        let failing = c.status.iter().any(|s| s == "failed" || s == "no_connection");
        assert_eq!(code, if failing { 1 } else { 0 }, "{}: exit code", c.name);
    }
}

#[test]
fn formats_of_one_capture_agree() {
    // The same connection recorded once: pcap (micro), pcapng (editcap) give one verdict.
    let args = vec!["--format".to_string(), "json".to_string()];
    let (a, _) = run(&args, &[], "tls12-ok.pcap");
    let (b, _) = run(&args, &[], "tls12-ok.pcapng");
    let va: serde_json::Value = serde_json::from_str(&a).unwrap();
    let vb: serde_json::Value = serde_json::from_str(&b).unwrap();
    let ca = &va["captures"][0]["connections"][0];
    let cb = &vb["captures"][0]["connections"][0];
    assert_eq!(ca["handshake"], cb["handshake"]);
    assert_eq!(ca["status"], cb["status"]);
    assert_eq!(vb["captures"][0]["format"], "pcapng");
}

#[test]
fn nanosecond_captures_keep_nanoseconds() {
    let (j, _) = run(&["--format".into(), "json".into()], &[], "tls12-ok.nano.pcap");
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    let t = v["captures"][0]["first_packet"].as_str().unwrap();
    // 2026-11-23T16:40:21.123456789Z: nine digits of fraction.
    let frac = t.split('.').nth(1).unwrap().trim_end_matches('Z');
    assert_eq!(frac.len(), 9, "{t}");
}

#[test]
fn key_exchange_signatures_are_checked() {
    // Verified only where it can change the verdict (issue 11): a completed
    // handshake proves the client accepted the signature.
    for (sample, want) in [
        ("tls12-ok.pcap", "not checked: the handshake completed"),
        ("tls12-dhe-ok.pcap", "not checked: the handshake completed"),
        ("server-key-mismatch.pcap", "mismatch"),
        ("java-server-key-mismatch.pcap", "mismatch"),
        ("java-pkix-tls12.pcap", "verified"),
    ] {
        let (j, _) = run(&["--format".into(), "json".into()], &[], sample);
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(
            v["captures"][0]["connections"][0]["server_key_exchange"], want,
            "{sample}"
        );
    }
}

fn first_connection(args: &[&str], sample: &str) -> serde_json::Value {
    let mut a: Vec<String> = vec!["--format".into(), "json".into()];
    a.extend(args.iter().map(|s| s.to_string()));
    let (j, _) = run(&a, &[], sample);
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    v["captures"][0]["connections"][0].clone()
}

#[test]
fn only_the_path_decides_the_trust_verdict() {
    let c = first_connection(&["--ca-file", "samples/pki/root.pem"], "crosssign-expired.pcap");
    let ch = &c["server_chain"];
    assert_eq!(ch["trust"]["verdict"], "trusted", "{ch}");
    assert_eq!(ch["trust"]["anchor"], "C=US, O=Audit Test PKI, CN=Audit Test Root CA");
    let expired: Vec<&serde_json::Value> = ch["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["cert_index"], 2, "only the cross-sign is expired");
}

#[test]
fn what_follows_a_completed_handshake_is_reported() {
    let root = ["--ca-file", "samples/pki/root.pem"];
    let c = first_connection(&root, "reset-after-idle.pcap");
    assert_eq!(c["close"]["ended_by"], "server");
    assert_eq!(c["close"]["how"], "rst");
    let idle = c["close"]["idle_before_close_s"].as_f64().unwrap();
    assert!((2.4..3.0).contains(&idle), "{idle}");
    assert!(c["close"]["bytes"]["server"].as_u64().unwrap() > 3000);
    let c = first_connection(&root, "reset-mid-stream.pcap");
    assert!(c["close"]["idle_before_close_s"].as_f64().unwrap() < 1.0);
    assert!(
        c["close"]["bytes"]["server"].as_u64().unwrap() > 150_000,
        "bytes past the index cap are counted"
    );
    // nginx's post-handshake rejection: decided at the client's close_notify.
    let c = first_connection(&["--ca-file", "samples/pki/other-root.pem"], "nginx-untrusted.pcap");
    assert_eq!(c["failure"]["frame"], 12);
    let e = c["failure"]["explanation"].as_str().unwrap();
    assert!(
        e.contains("after the handshake") && e.contains("Audit Test Root CA"),
        "{e}"
    );
    // The key usage is named in the explanation of the client's alert.
    let c = first_connection(&root, "wrong-key-usage.pcap");
    let e = c["failure"]["explanation"].as_str().unwrap();
    assert!(e.contains("keyUsage lacks digitalSignature"), "{e}");
}
