//! JA3 and JA3S agree with tshark's (`tls.handshake.ja3_full`, `.ja3s_full`,
//! hashed here) on every sample: tshark's strings are in tests/data/ja3.tsv,
//! written by scripts/ja3-oracle.sh (the tests do not run tshark). One known
//! difference: for a ClientHello without an extensions block, tshark 4.0
//! writes three fields ("771,49199-49200,"), Salesforce's reference five
//! ("771,49199-49200,,,"); we follow Salesforce.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use pcap_tls_audit::analyze::{Options, analyze_capture};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::trust::TrustStore;

#[test]
fn ja3_and_ja3s_agree_with_tshark_on_every_sample() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let oracle = std::fs::read_to_string(top.join("tests/data/ja3.tsv")).unwrap();
    // (sample, kind, client port) -> tshark's values (a retried hello has two).
    let mut want: HashMap<(String, String, String), HashSet<String>> = HashMap::new();
    for l in oracle.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        let mut full = f[3].to_string();
        if f[1] == "ja3" && full.matches(',').count() == 2 {
            full.push_str(",,");
        }
        let hash = hex::encode(<md5::Md5 as md5::Digest>::digest(full.as_bytes()));
        want.entry((f[0].into(), f[1].into(), f[2].into()))
            .or_default()
            .insert(hash);
    }
    let opts = Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    };
    let (mut checked, mut bad) = (0, Vec::new());
    let samples = std::fs::read_dir(top.join("samples")).unwrap();
    for p in samples.map(|e| e.unwrap().path()) {
        if !p.extension().is_some_and(|e| e == "pcap" || e == "pcapng") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let rep = analyze_capture(
            &CaptureFile::from_bytes(&name, std::fs::read(&p).unwrap()).unwrap(),
            &opts,
        );
        for c in &rep.connections {
            let port = c.client.rsplit_once(':').unwrap().1.to_string();
            for (kind, ours) in [("ja3", &c.ja3), ("ja3s", &c.ja3s)] {
                let theirs = want.get(&(name.clone(), kind.to_string(), port.clone()));
                match (ours, theirs) {
                    (Some(v), Some(t)) if t.contains(&v.to_string()) => checked += 1,
                    (None, None) => {}
                    _ => bad.push(format!("{name} #{} {kind}: ours {ours:?}, tshark {theirs:?}", c.id)),
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(checked > 80, "{checked}");
}

/// JA4, JA4S and JA4X agree with the values FoxIO publishes for its own
/// captures (tests/data/ja4.tsv, from FoxIO's test snapshots).
#[test]
fn ja4_ja4s_and_ja4x_agree_with_foxio_snapshots() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let oracle = std::fs::read_to_string(top.join("tests/data/ja4.tsv")).unwrap();
    let opts = Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        // The capture's own secrets blocks decrypt its TLS 1.3 chains.
        keylog: Some(Arc::new(pcap_tls_audit::keylog::KeyLog::new())),
        filters: Default::default(),
        stores: Default::default(),
    };
    let mut reports = HashMap::new();
    let (mut checked, mut bad) = (0, Vec::new());
    for l in oracle.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        let rep = reports.entry(f[0].to_string()).or_insert_with(|| {
            let p = top.join("tests/corpus/public").join(format!("ja4__{}", f[0]));
            analyze_capture(
                &CaptureFile::from_bytes(f[0], std::fs::read(&p).unwrap()).unwrap(),
                &opts,
            )
        });
        let Some(c) = rep.connections.iter().find(|c| c.client == f[1]) else {
            bad.push(format!("{} {}: no such connection", f[0], f[1]));
            continue;
        };
        let ja4x: Vec<String> = c
            .server_chain
            .iter()
            .flat_map(|ch| ch.certificates.iter())
            .map(|x| x.ja4x.clone().unwrap_or_default())
            .collect();
        let ours = [
            c.ja4.as_deref().unwrap_or_default().to_string(),
            c.ja4s.as_deref().unwrap_or_default().to_string(),
            ja4x.join(","),
        ];
        for (i, (o, t)) in ours.iter().zip(&f[2..5]).enumerate() {
            if *t == "-" {
                continue;
            }
            if o != t {
                bad.push(format!("{} {} field {}: ours {o}, FoxIO {t}", f[0], f[1], i + 2));
            }
            checked += 1;
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(checked >= 60, "{checked}");
}
