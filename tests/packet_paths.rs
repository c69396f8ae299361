//! The decoder's fast path (plain Ethernet, cooked or raw IP to TCP, read at
//! fixed places) gives exactly what the general path (etherparse, tunnels)
//! gives, on every frame of the samples, the corpus copy and a generated
//! capture; and it is taken for most of them.

#[path = "../benches/support/generate.rs"]
mod generate;

use std::path::{Path, PathBuf};

use pcap_tls_audit::capture::FrameReader;
use pcap_tls_audit::packet::{decode, decode_general};

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            captures(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "cap")
        {
            out.push(p);
        }
    }
}

/// Frames compared, and how many of them the fast path took.
fn compare(name: &str, data: &[u8]) -> (usize, usize) {
    let Ok(reader) = FrameReader::new(data, name) else {
        return (0, 0);
    };
    let (mut n, mut fast) = (0, 0);
    for f in reader {
        let a = decode(f.link_type, f.data, f.orig_len);
        let b = decode_general(f.link_type, f.data, f.orig_len);
        assert_eq!(a, b, "{name} frame {}", f.number);
        n += 1;
        // The fast path leaves cut frames to the general one.
        if a.is_ok() && f.orig_len as usize == f.data.len() {
            fast += 1;
        }
    }
    (n, fast)
}

#[test]
fn the_fast_path_agrees_with_etherparse_on_every_frame() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    captures(&top.join("samples"), &mut files);
    captures(&top.join("tests/corpus"), &mut files);
    assert!(files.len() > 50, "{}", files.len());
    let (mut frames, mut tcp) = (0, 0);
    for p in &files {
        let (n, f) = compare(&p.display().to_string(), &std::fs::read(p).unwrap());
        frames += n;
        tcp += f;
    }
    let templates = generate::templates(&top.join("samples"));
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 300, 32, 10), 4, &mut pcap, &mut truth).unwrap();
    let (n, f) = compare("generated", &pcap);
    assert!(n > 5000 && f == n, "{f} of {n}");
    assert!(frames > 10_000 && tcp > frames / 2, "{tcp} of {frames}");
}
