//! A generated capture (replayed sample connections over IPv4 and IPv6,
//! interleaved, with application data, failures, retransmissions and
//! reordering; `benches/support/generate.rs`) is reported exactly as its
//! truth file says: every connection, in first-packet order, with its status.

#[path = "../benches/support/generate.rs"]
mod generate;

use std::sync::Arc;

use pcap_tls_audit::analyze::{Options, analyze_capture};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::trust::TrustStore;

#[test]
fn a_generated_capture_matches_its_truth() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates: Vec<_> = generate::MIX
        .iter()
        .map(|(name, status, w)| (generate::template(&dir, name, status), *w))
        .collect();
    for seed in [1, 2, 3] {
        let (mut pcap, mut truth) = (Vec::new(), Vec::new());
        let (_, n) = generate::generate(&templates, (u64::MAX, 600, 48, 50), seed, &mut pcap, &mut truth).unwrap();
        assert_eq!(n, 600);
        let cf = CaptureFile::from_bytes("generated", pcap).unwrap();
        let opts = Options {
            chains: Arc::new(Chains::new(TrustStore::mozilla())),
            at: None,
            host: None,
        };
        let rep = analyze_capture(&cf, &opts);
        assert!(rep.warnings.is_empty() && rep.error.is_none(), "{:?}", rep.warnings);
        let truth = String::from_utf8(truth).unwrap();
        let want: Vec<(&str, &str)> = truth
            .lines()
            .map(|l| {
                let mut f = l.split('\t');
                (f.next().unwrap(), f.next().unwrap())
            })
            .collect();
        let got: Vec<(&str, &str)> = rep
            .connections
            .iter()
            .map(|c| (c.client.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(got.len(), want.len(), "seed {seed}: every connection is reported");
        let wrong: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).take(5).collect();
        assert!(wrong.is_empty(), "seed {seed}: {wrong:?}");
        let failures = want.iter().filter(|(_, s)| *s != "ok").count();
        assert!(failures > 5, "seed {seed}: the mix has failures ({failures})");
    }
}
