//! Throughput of the whole pipeline on the samples and on a capture of many
//! connections (the sample repeated with other client ports).
//! `cargo bench`; the tshark comparison is scripts/bench-vs-tshark.sh.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pcap_tls_audit::analyze::{Options, analyze_capture};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::trust::TrustStore;

#[path = "support/replicate.rs"]
mod replicate;

fn bench(c: &mut Criterion) {
    let opts = Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    };
    let top = env!("CARGO_MANIFEST_DIR");
    let mut g = c.benchmark_group("pipeline");
    for name in ["multi.pcap", "java-pkix-tls12.pcap"] {
        let data = std::fs::read(format!("{top}/samples/{name}")).unwrap();
        g.throughput(Throughput::Bytes(data.len() as u64));
        let cf = CaptureFile::from_bytes(name, data).unwrap();
        g.bench_function(name, |b| b.iter(|| analyze_capture(&cf, &opts)));
    }
    let small = std::fs::read(format!("{top}/samples/tls12-ok.pcap")).unwrap();
    let mut big = Vec::new();
    replicate::replicate(&small, 2000, &mut big).unwrap();
    g.throughput(Throughput::Bytes(big.len() as u64));
    let cf = CaptureFile::from_bytes("2000 connections", big).unwrap();
    g.sample_size(20);
    g.bench_function("2000-connections", |b| b.iter(|| analyze_capture(&cf, &opts)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
