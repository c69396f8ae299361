//! Standard input and gzip are read as streams, chunk by chunk: a record
//! cut at any place by the end of a chunk must read as in one piece, and
//! damage must be reported at the same byte, whatever the chunk size and
//! the number of workers.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use pcap_tls_audit::analyze::{Options, analyze_capture, analyze_in_chunks};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::report::CaptureReport;
use pcap_tls_audit::trust::TrustStore;

fn opts() -> Options {
    static STORE: std::sync::OnceLock<Arc<Chains>> = std::sync::OnceLock::new();
    Options {
        chains: STORE
            .get_or_init(|| Arc::new(Chains::new(TrustStore::mozilla())))
            .clone(),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    }
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b).unwrap();
    gz.finish().unwrap()
}

/// What must not depend on how the capture was read.
fn facts(r: &CaptureReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["path"] = serde_json::Value::Null;
    v
}

fn samples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_sample_reads_the_same_in_chunks_of_any_size() {
    let all = samples();
    assert!(all.len() > 40);
    for (i, p) in all.iter().enumerate() {
        let bytes = std::fs::read(p).unwrap();
        let whole = analyze_capture(&CaptureFile::from_bytes("x", bytes.clone()).unwrap(), &opts());
        // Chunk sizes vary per sample so that cuts fall everywhere.
        for (chunk, workers) in [(1 + i * 7 % 97, 1), (301 + i * 13, 2), (4096, 2)] {
            let cf = CaptureFile::from_bytes("x", gzip(&bytes)).unwrap();
            let streamed = analyze_in_chunks(&cf, &opts(), workers, chunk);
            assert_eq!(
                facts(&streamed),
                facts(&whole),
                "{} in chunks of {chunk} with {workers} workers",
                p.display()
            );
        }
    }
}

#[test]
fn damage_is_reported_at_the_same_byte_when_streamed() {
    let bytes = std::fs::read(samples().iter().find(|p| p.ends_with("java-pkix-tls12.pcap")).unwrap()).unwrap();
    for cut in (0..bytes.len()).step_by(211) {
        let mut b = bytes[..cut].to_vec();
        // A lying length after the cut, when there is room for one.
        if cut > 40 && cut % 2 == 0 {
            b.extend_from_slice(&[0xff; 16]);
        }
        let whole = analyze_capture(&CaptureFile::from_bytes("x", b.clone()).unwrap(), &opts());
        let cf = CaptureFile::from_bytes("x", gzip(&b)).unwrap();
        let streamed = analyze_in_chunks(&cf, &opts(), 2, 50);
        assert_eq!(facts(&streamed), facts(&whole), "cut at {cut}");
    }
}

#[test]
fn inputs_the_fuzzers_found_read_the_same_streamed() {
    // One of them (pipeline-judged-by-batch-boundary.pcap) was judged at a
    // chunk's end in the stream but not in the file: when a connection is
    // over now depends only on its own packets and the capture's clock.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            continue;
        }
        let whole = analyze_capture(&CaptureFile::from_bytes("x", bytes.clone()).unwrap(), &opts());
        let chunk = 1 + bytes.first().copied().unwrap_or(0) as usize * 5;
        let cf = CaptureFile::from_bytes("x", gzip(&bytes)).unwrap();
        let streamed = analyze_in_chunks(&cf, &opts(), 2, chunk);
        assert_eq!(facts(&streamed), facts(&whole), "{}", p.display());
    }
}
