//! The fuzz targets' checks (`fuzz/checks/`), run with every test run on
//! the samples, the regression inputs, the test PKI and fixed pseudo-random
//! bytes. The fuzz targets are built only by `fuzz/run.sh`, with
//! cargo-fuzz: a target that no longer compiled (the report's `Document`
//! had gained a field) went unnoticed until the fuzzers were run again.
//! Here each check compiles with the crate and holds on real inputs.

use std::path::{Path, PathBuf};

#[path = "../fuzz/checks/capture.rs"]
mod capture;
#[path = "../fuzz/checks/chain.rs"]
mod chain;
#[path = "../fuzz/checks/packet.rs"]
mod packet;
#[path = "../fuzz/checks/pipeline.rs"]
mod pipeline;
#[path = "../fuzz/checks/tcp.rs"]
mod tcp;
#[path = "../fuzz/checks/tls.rs"]
mod tls;

fn files(dir: &str, ext: &[&str]) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| ext.iter().any(|x| e == *x)))
        .collect();
    v.sort();
    v
}

/// The captures the fuzzers start from: the samples and the regressions.
fn captures() -> Vec<Vec<u8>> {
    let mut v: Vec<PathBuf> = files("samples", &["pcap", "pcapng"]);
    v.extend(files("tests/regressions", &["pcap", "pcapng", "gz"]));
    assert!(v.len() > 40, "{} captures", v.len());
    v.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Fixed pseudo-random buffers (xorshift), of 0 to 4 KiB.
fn noise(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let len = (next() % 4096) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

#[test]
fn the_capture_and_pipeline_checks_hold_on_every_capture() {
    for c in captures() {
        capture::run(&c);
        pipeline::run(&c);
    }
}

#[test]
fn the_pipeline_check_holds_on_cut_and_flipped_captures() {
    let all = captures();
    let Some(small) = all.iter().filter(|c| c.len() > 2000).min_by_key(|c| c.len()) else {
        panic!("no capture over 2 000 bytes");
    };
    for i in 1..40usize {
        let at = small.len() * i / 40;
        pipeline::run(&small[..at]);
        let mut flipped = small.clone();
        flipped[at] ^= 0x5a;
        flipped[at / 2] = flipped[at / 2].wrapping_add(i as u8);
        pipeline::run(&flipped);
    }
}

#[test]
fn the_packet_check_holds_on_every_frame_of_the_samples_under_every_link_type() {
    let mut frames = 0;
    for c in captures().iter().take(12) {
        let Ok(r) = pcap_tls_audit::capture::FrameReader::new(c, "fuzz") else {
            continue;
        };
        for f in r {
            for k in [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x11, 0xf1] {
                let mut input = vec![k];
                input.extend_from_slice(f.data);
                packet::run(&input);
            }
            frames += 1;
        }
    }
    assert!(frames > 100, "{frames} frames");
    for n in noise(200, 3) {
        packet::run(&n);
    }
}

#[test]
fn the_tcp_and_tls_checks_hold_on_capture_bytes_and_noise() {
    let mut inputs = captures();
    inputs.extend(noise(300, 7));
    for i in &inputs {
        tcp::run(i);
        tls::run(i);
    }
}

#[test]
fn the_chain_check_holds_on_the_test_pki_and_noise() {
    let mut ders = Vec::new();
    for p in files("samples/pki", &["pem"]) {
        ders.extend(pcap_tls_audit::chain::read_certificates(&std::fs::read(p).unwrap()));
    }
    assert!(ders.len() > 5, "{} certificates", ders.len());
    // Chains of one to four certificates, each behind its 2-byte length,
    // whole and cut.
    for (i, _) in ders.iter().enumerate() {
        let mut input = Vec::new();
        for d in ders.iter().cycle().skip(i).take(1 + i % 4) {
            input.extend_from_slice(&(d.len() as u16).to_be_bytes());
            input.extend_from_slice(d);
        }
        chain::run(&input);
        chain::run(&input[..input.len() / 2]);
        chain::run(&input[..input.len() - 1]);
    }
    for n in noise(200, 11) {
        chain::run(&n);
    }
}
