//! Inputs the fuzzers found crashing, kept as they were found
//! (tests/regressions/, named after the target and the bug): each must now be
//! analysed and rendered without a panic.

use std::path::PathBuf;
use std::sync::Arc;

use pcap_tls_audit::analyze::{Options, analyze_capture};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::report::{Document, Tool, TrustStoreInfo, render_text};
use pcap_tls_audit::trust::TrustStore;

#[test]
fn fuzzer_finds_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let opts = Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    };
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let Ok(cf) = CaptureFile::from_bytes("regression", std::fs::read(&p).unwrap()) else {
            continue;
        };
        let rep = analyze_capture(&cf, &opts);
        let doc = Document {
            tool: Tool {
                name: "pcap-tls-audit",
                version: "test",
            },
            trust_store: TrustStoreInfo {
                source: "mozilla-builtin".into(),
                anchors: 0,
                files: Vec::new(),
            },
            captures: vec![rep],
            groups: Vec::new(),
        };
        let _ = render_text(&doc);
        let _ = serde_json::to_string(&doc).unwrap();
        n += 1;
    }
    assert!(n >= 1);
}
