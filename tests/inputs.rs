//! Inputs users attach: captures compressed with gzip, xz, zstd or bzip2
//! (told by their magic bytes, read as streams), tar archives (plain or
//! compressed) and zip archives of captures, member by member, each named
//! `ARCHIVE!MEMBER`; anything else is one clear message.

mod common;
use common::{run, top};

use std::io::Write;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(top().join("samples").join(name)).unwrap()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn xz(b: &[u8]) -> Vec<u8> {
    let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    w.write_all(b).unwrap();
    w.finish().unwrap()
}

fn zstd(b: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(b, ruzstd::encoding::CompressionLevel::Fastest)
}

fn bzip2(b: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// The report from its `captured` line on (the summary before it names the file).
fn body(out: &[u8]) -> String {
    let s = String::from_utf8_lossy(out);
    s.find("\n  captured ").map_or(String::new(), |i| s[i..].to_string())
}

#[test]
fn each_compression_reads_as_the_capture_itself() {
    let dir = common::scratch("inputs-compressed");
    let pcap = sample("java-pkix-tls12.pcap");
    let plain = run(&["samples/java-pkix-tls12.pcap"]);
    for (name, bytes) in [
        ("a.pcap.gz", gzip(&pcap)),
        ("a.pcap.xz", xz(&pcap)),
        ("a.pcap.zst", zstd(&pcap)),
        ("a.pcap.bz2", bzip2(&pcap)),
        // The name says nothing: the magic bytes decide.
        ("no-extension", xz(&pcap)),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = run(&[p.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(body(&o.stdout), body(&plain.stdout), "{name}");
    }
    // Cut short: what was read is reported, the capture is damaged.
    for (name, packed) in [
        ("cut.pcap.xz", xz(&sample("reset-mid-stream.pcap"))),
        ("cut.pcap.gz", gzip(&sample("reset-mid-stream.pcap"))),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, &packed[..packed.len() * 2 / 3]).unwrap();
        let o = run(&[p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}: damaged, in the default --fail-on");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.starts_with("INCOMPLETE READ "), "{name}: {text}");
    }
    // Too little to read anything: an unreadable input, in our words.
    let cut = xz(&sample("tls12-ok.pcap"));
    let p = dir.join("tiny.pcap.xz");
    std::fs::write(&p, &cut[..cut.len() / 2]).unwrap();
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("xz data is damaged or cut short"), "{e}");
}

/// A tar archive of (name, bytes).
fn tar(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &bytes[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// A zip archive of (name, bytes), deflated.
fn zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn archives_are_read_member_by_member_and_named_archive_bang_member() {
    let dir = common::scratch("inputs-archives");
    let members = vec![
        ("case/gw.pcap", sample("java-pkix-tls12.pcap")),
        ("case/notes.txt", b"the customer's notes\n".to_vec()),
        ("case/backend.pcap.gz", gzip(&sample("refused.pcap"))),
        ("case/ok.pcapng", sample("tls12-ok.pcapng")),
    ];
    let t = tar(&members);
    for (name, bytes) in [
        ("case.tar", t.clone()),
        ("case.tar.gz", gzip(&t)),
        ("case.tar.xz", xz(&t)),
        ("case.tar.zst", zstd(&t)),
        ("case.tar.bz2", bzip2(&t)),
        ("case.zip", zip(&members)),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let a = p.to_str().unwrap();
        let o = run(&["--format", "json", a]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let paths: Vec<&str> = (v["captures"].as_array().unwrap().iter())
            .map(|c| c["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                format!("{a}!case/gw.pcap"),
                format!("{a}!case/backend.pcap.gz"),
                format!("{a}!case/ok.pcapng")
            ],
            "{name}: the notes are skipped"
        );
        assert_eq!(v["total"]["captures"], 3);
        assert_eq!(
            (v["total"]["failed"].as_u64(), v["total"]["no_connection"].as_u64()),
            (Some(1), Some(1))
        );
    }
    // From standard input too, as a stream.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .args(["--format", "jsonl", "-"])
        .stdin(std::fs::File::open(dir.join("case.zip")).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let captures = String::from_utf8_lossy(&o.stdout)
        .matches("\"type\":\"capture\"")
        .count();
    assert_eq!(captures, 3);
}

#[test]
fn an_archive_without_captures_a_damaged_one_and_other_files_are_clear_errors() {
    let dir = common::scratch("inputs-errors");
    let none = dir.join("docs.tar");
    std::fs::write(&none, tar(&[("a.txt", b"text".to_vec())])).unwrap();
    let o = run(&[none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no capture in this archive"), "{e}");
    // Cut in the second member: the first is reported, the archive is an error.
    let t = gzip(&tar(&[
        ("one.pcap", sample("tls12-ok.pcap")),
        ("two.pcap", sample("java-pkix-tls12.pcap")),
        ("three.pcap", sample("refused.pcap")),
    ]));
    let cut = dir.join("cut.tar.gz");
    std::fs::write(&cut, &t[..t.len() * 3 / 5]).unwrap();
    let o = run(&["--format", "jsonl", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cut.tar.gz!one.pcap"), "{out}");
    let png = dir.join("screenshot.pcap");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01").unwrap();
    let o = run(&["-q", png.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("a PNG image, not a capture"), "{e}");
    assert_eq!(e.lines().count(), 1, "one message: {e}");
}

#[test]
fn a_directory_takes_compressed_captures_and_archives() {
    let dir = common::scratch("inputs-dir");
    std::fs::write(dir.join("a.pcap.zst"), zstd(&sample("tls12-ok.pcap"))).unwrap();
    std::fs::write(
        dir.join("b.tar.bz2"),
        bzip2(&tar(&[("b.pcap", sample("refused.pcap"))])),
    )
    .unwrap();
    std::fs::write(dir.join("c.txt"), b"not a capture").unwrap();
    std::fs::write(dir.join("d.tar"), tar(&[("d.pcap", sample("tls12-ok.pcap"))])).unwrap();
    let o = run(&["--format", "jsonl", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.matches("\"type\":\"capture\"").count(), 3, "{out}");
    assert!(out.contains("d.tar!d.pcap"));
    assert!(out.contains("b.tar.bz2!b.pcap"));
}

#[test]
fn exported_chains_of_an_archive_are_named_by_capture_and_member() {
    let dir = common::scratch("inputs-export");
    let a = dir.join("case.tar");
    std::fs::write(
        &a,
        tar(&[
            ("one.pcap", sample("java-pkix-tls12.pcap")),
            ("two.pcap", sample("tls12-ok.pcap")),
        ]),
    )
    .unwrap();
    let out = dir.join("certs");
    let o = run(&["-q", "--export-certs", out.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    for f in ["chain-1-1-1.pem", "chain-1-2-1.pem", "index.tsv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let index = std::fs::read_to_string(out.join("index.tsv")).unwrap();
    assert!(
        index.contains(&format!("chain-1-2-1.pem\t{}!two.pcap\t1\t", a.display())),
        "{index}"
    );
}

#[test]
fn damaged_compressed_files_and_archives_never_panic() {
    // Cut and flipped at many places: every run ends with a report or a
    // message, exit 0, 1 or 2, never a panic.
    let dir = common::scratch("inputs-hostile");
    let pcap = sample("java-pkix-tls12.pcap");
    let t = tar(&[("a.pcap", pcap.clone()), ("b.pcap.gz", gzip(&pcap))]);
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("x.gz", gzip(&pcap)),
        ("x.xz", xz(&pcap)),
        ("x.zst", zstd(&pcap)),
        ("x.bz2", bzip2(&pcap)),
        ("x.tar", t.clone()),
        ("x.tar.xz", xz(&t)),
        ("x.zip", zip(&[("a.pcap", pcap.clone()), ("b.pcap", pcap.clone())])),
    ];
    let mut runs = 0;
    for (name, bytes) in &forms {
        let n = bytes.len();
        let mut variants: Vec<Vec<u8>> = [1, 7, 40, 300, n / 3, n / 2, n - 1]
            .iter()
            .filter(|&&k| k < n)
            .map(|&k| bytes[..k].to_vec())
            .collect();
        for at in [4, 12, 30, 120, 257, n / 2, n - 8] {
            if at < n {
                let mut b = bytes.clone();
                b[at] ^= 0x5a;
                variants.push(b);
            }
        }
        for (k, v) in variants.iter().enumerate() {
            let p = dir.join(format!("{k}-{name}"));
            std::fs::write(&p, v).unwrap();
            let o = run(&["-q", "--format", "jsonl", p.to_str().unwrap()]);
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.code().is_some_and(|c| c <= 2), "{name} #{k}: {e}");
            assert!(!e.contains("panicked"), "{name} #{k}: {e}");
            runs += 1;
        }
    }
    assert!(runs > 60);
}
