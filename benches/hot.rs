//! The hot paths of the engine, each on its own, on a generated capture
//! (`support/generate.rs`: interleaved TLS 1.2 and 1.3 connections with
//! application data, a few failures): the walk over the records, the
//! decode to TCP, the whole analysis with one worker and with all, and the
//! same capture read as a gzip stream. `cargo bench --bench hot`.

use std::io::Write;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pcap_tls_audit::analyze::{Options, analyze_into};
use pcap_tls_audit::capture::{CaptureFile, FrameReader};
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::packet;
use pcap_tls_audit::report::ConnectionReport;
use pcap_tls_audit::trust::TrustStore;

#[path = "support/generate.rs"]
mod generate;

fn capture() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (20_000_000, 2_000, 64, 50), 5, &mut pcap, &mut truth).unwrap();
    pcap
}

fn bench(c: &mut Criterion) {
    let data = capture();
    let opts = Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    };
    let mut g = c.benchmark_group("hot");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("frame-walk", |b| {
        b.iter(|| {
            FrameReader::new(&data, "bench")
                .unwrap()
                .map(|f| f.data.len())
                .sum::<usize>()
        })
    });
    g.bench_function("walk-and-decode", |b| {
        b.iter(|| {
            FrameReader::new(&data, "bench")
                .unwrap()
                .filter(|f| packet::decode(f.link_type, f.data, f.orig_len).is_ok())
                .count()
        })
    });
    let cf = CaptureFile::from_bytes("bench", data.clone()).unwrap();
    for workers in [1, 2] {
        g.bench_function(format!("analysis-{workers}-workers"), |b| {
            b.iter(|| {
                let mut out: Vec<ConnectionReport> = Vec::new();
                analyze_into(&cf, &opts, &|_, _| {}, workers, &mut out)
            })
        });
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let gz = gz.finish().unwrap();
    g.bench_function("analysis-gzip-stream-2-workers", |b| {
        b.iter(|| {
            let cf = CaptureFile::from_bytes("bench.gz", gz.clone()).unwrap();
            let mut out: Vec<ConnectionReport> = Vec::new();
            analyze_into(&cf, &opts, &|_, _| {}, 2, &mut out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
