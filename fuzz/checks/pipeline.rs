//! The whole pipeline on a byte buffer: capture, packets, flows, reassembly,
//! TLS, chains, diagnosis, report (text and JSON); and the same bytes read
//! as a gzip stream in small chunks with two workers give the same report.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use pcap_tls_audit::analyze::{Options, analyze_capture, analyze_in_chunks};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::report::{Document, Tool, TrustStoreInfo, render_text};
use pcap_tls_audit::trust::TrustStore;

pub fn run(data: &[u8]) {
    static STORE: OnceLock<Arc<Chains>> = OnceLock::new();
    let chains = STORE
        .get_or_init(|| Arc::new(Chains::new(TrustStore::mozilla())))
        .clone();
    let Ok(cf) = CaptureFile::from_bytes("fuzz", data.to_vec()) else {
        return;
    };
    let opts = Options {
        chains,
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    };
    let rep = analyze_capture(&cf, &opts);
    if !data.starts_with(&[0x1f, 0x8b]) {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).unwrap();
        let gz = CaptureFile::from_bytes("fuzz", gz.finish().unwrap()).unwrap();
        let chunk = 1 + data.first().copied().unwrap_or(0) as usize * 5;
        let streamed = analyze_in_chunks(&gz, &opts, 2, chunk);
        assert_eq!(
            serde_json::to_value(&streamed).unwrap(),
            serde_json::to_value(&rep).unwrap()
        );
    }
    let doc = Document {
        tool: Tool {
            name: "pcap-tls-audit",
            version: "fuzz",
        },
        trust_store: TrustStoreInfo {
            source: "mozilla-builtin".into(),
            anchors: 0,
            files: Vec::new(),
        },
        captures: vec![rep],
        groups: Vec::new(),
    };
    let text = render_text(&doc);
    // Nothing from the capture reaches a terminal unescaped.
    assert!(!text.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{1b}'));
    let json = serde_json::to_string(&doc).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
}
