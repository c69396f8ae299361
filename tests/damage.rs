//! Damaged and hostile captures: no panic, bounded time and memory, and the
//! report says what was skipped and where. Each analysis runs on a thread
//! with a generous deadline (`analyze`), so that a hang fails the test
//! instead of stalling the suite; nothing here asserts speed.

use std::sync::Arc;

use pcap_tls_audit::analyze::{ConnectionSink, Options, analyze_capture, analyze_into};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::report::CaptureReport;
use pcap_tls_audit::trust::TrustStore;

mod common;
use common::top;

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

fn analyze(bytes: Vec<u8>) -> CaptureReport {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rep = match CaptureFile::from_bytes("damaged", bytes) {
            Ok(cf) => analyze_capture(&cf, &opts()),
            Err(e) => CaptureReport {
                error: Some(e.to_string()),
                ..CaptureReport::default()
            },
        };
        let _ = tx.send(rep);
    });
    // Not a speed check: an input that hangs the analysis must fail, not stall CI.
    rx.recv_timeout(std::time::Duration::from_secs(300))
        .expect("the analysis hung (or panicked) on a damaged input")
}

/// A report document of one capture, for rendering.
fn document(c: CaptureReport) -> pcap_tls_audit::report::Document {
    pcap_tls_audit::report::Document {
        tool: pcap_tls_audit::report::Tool {
            name: "pcap-tls-audit",
            version: "test",
        },
        trust_store: pcap_tls_audit::report::TrustStoreInfo {
            source: "mozilla-builtin".into(),
            anchors: 0,
            files: Vec::new(),
        },
        captures: vec![c],
        groups: Vec::new(),
    }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(top().join("samples").join(name)).unwrap()
}

/// Offsets of the pcap records (after the 24-byte file header) of a little-endian pcap.
fn records(p: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut pos = 24;
    while pos + 16 <= p.len() {
        v.push(pos);
        let caplen = u32::from_le_bytes(p[pos + 8..pos + 12].try_into().unwrap()) as usize;
        pos += 16 + caplen;
    }
    v
}

/// A little-endian raw-IP pcap of the given packets.
fn pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut v = vec![
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 101, 0, 0, 0,
    ];
    for (i, p) in packets.iter().enumerate() {
        v.extend_from_slice(&(1_700_000_000u32 + (i / 1000) as u32).to_le_bytes());
        v.extend_from_slice(&((i % 1000) as u32 * 1000).to_le_bytes());
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        v.extend_from_slice(p);
    }
    v
}

/// An IPv4 TCP segment.
fn seg(sport: u16, dport: u16, seq: u32, ack: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = if dport == 443 {
        ([10, 0, 0, 1], [10, 0, 0, 2])
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1])
    };
    let mut b = etherparse::PacketBuilder::ipv4(src, dst, 64).tcp(sport, dport, seq, 65535);
    for f in flags.chars() {
        b = match f {
            'S' => b.syn(),
            'A' => b.ack(ack),
            'F' => b.fin(),
            'R' => b.rst(),
            'P' => b.psh(),
            _ => b,
        };
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn record(ct: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ct, 3, 3, (body.len() >> 8) as u8, body.len() as u8];
    v.extend_from_slice(body);
    v
}

/// A TLS connection: handshake, then the client's and the server's TLS bytes.
fn connection(client: &[u8], server: &[u8]) -> Vec<Vec<u8>> {
    let mut p = vec![
        seg(40000, 443, 100, 0, "S", &[]),
        seg(443, 40000, 500, 101, "SA", &[]),
        seg(40000, 443, 101, 501, "A", &[]),
    ];
    let mut cseq = 101u32;
    for chunk in client.chunks(1400) {
        p.push(seg(40000, 443, cseq, 501, "PA", chunk));
        cseq += chunk.len() as u32;
    }
    let mut sseq = 501u32;
    for chunk in server.chunks(1400) {
        p.push(seg(443, 40000, sseq, cseq, "PA", chunk));
        sseq += chunk.len() as u32;
    }
    p.push(seg(40000, 443, cseq, sseq, "FA", &[]));
    p
}

fn client_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0xc0, 0x2f, 1, 0, 0, 0]);
    let mut hs = vec![1, 0, 0, body.len() as u8];
    hs.extend_from_slice(&body);
    record(22, &hs)
}

/// Where records (pcap) or blocks (pcapng) end: cutting there loses nothing.
fn boundaries(s: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    if s[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut pos = 0;
        while pos + 8 <= s.len() {
            v.push(pos);
            let len = u32::from_le_bytes(s[pos + 4..pos + 8].try_into().unwrap()) as usize;
            pos += len.max(12);
        }
        v.push(pos);
    } else {
        v.push(24);
        for r in records(s) {
            let caplen = u32::from_le_bytes(s[r + 8..r + 12].try_into().unwrap()) as usize;
            v.push(r + 16 + caplen);
        }
    }
    v
}

#[test]
fn every_prefix_of_samples() {
    for name in ["java-pkix-tls12.pcap", "tls12-ok.pcapng", "mtls-ok.pcap"] {
        let s = sample(name);
        let boundaries = boundaries(&s);
        let cuts = (0..s.len().min(1024)).chain((1024..s.len()).step_by(61));
        for cut in cuts {
            let r = analyze(s[..cut].to_vec());
            // A cut inside a record or block is a warning naming the byte.
            if r.error.is_none() && !boundaries.contains(&cut) {
                assert!(
                    r.warnings.iter().any(|w| w.contains("truncated") || w.contains("byte")),
                    "{name} cut at {cut}: {:?}",
                    r.warnings
                );
            }
        }
    }
}

#[test]
fn every_single_byte_flip() {
    let s = sample("java-pkix-tls12.pcap");
    for i in 0..s.len() {
        for v in [0x00, 0xff, s[i] ^ 0x80] {
            let mut d = s.clone();
            d[i] = v;
            let _ = analyze(d);
        }
    }
}

#[test]
fn snap_lengths_from_40_to_200() {
    let s = sample("java-pkix-tls12.pcap");
    for snap in 40..=200 {
        let mut out = s[..24].to_vec();
        out[16..20].copy_from_slice(&(snap as u32).to_le_bytes());
        for r in records(&s) {
            let caplen = u32::from_le_bytes(s[r + 8..r + 12].try_into().unwrap()) as usize;
            let keep = caplen.min(snap);
            let mut h = s[r..r + 16].to_vec();
            h[8..12].copy_from_slice(&(keep as u32).to_le_bytes());
            out.extend_from_slice(&h);
            out.extend_from_slice(&s[r + 16..r + 16 + keep]);
        }
        let r = analyze(out);
        assert!(r.error.is_none());
        assert!(
            r.warnings.iter().any(|w| w.contains("snap length")),
            "snap {snap}: {:?}",
            r.warnings
        );
        let Some(c) = r.connections.first() else {
            // Too short for the TCP header (20 SLL2 + 20 IP + 32 TCP bytes): said so.
            assert!(
                r.warnings.iter().any(|w| w.contains("damaged or truncated headers")),
                "{:?}",
                r.warnings
            );
            continue;
        };
        // Bytes the capture lost are never blamed on a peer as a certificate problem without evidence.
        if let Some(f) = &c.failure {
            assert!(
                f.cause.word() != "server_closed" && f.cause.word() != "server_reset",
                "snap {snap}: {}",
                f.cause
            );
        }
    }
}

#[test]
fn zeroed_and_maximal_record_lengths() {
    let s = sample("java-pkix-tls12.pcap");
    let recs = records(&s);
    for &r in recs.iter().take(6) {
        for field in [8usize, 12] {
            for v in [0u32, 1, 0xffff, 0x7fff_ffff, 0xffff_ffff] {
                let mut d = s.clone();
                d[r + field..r + field + 4].copy_from_slice(&v.to_le_bytes());
                let rep = analyze(d);
                if field == 8 && v > 0xffff {
                    // Damage at the first record leaves nothing read: an error, never a clean capture.
                    let w = format!("{} {}", rep.warnings.join(" "), rep.error.clone().unwrap_or_default());
                    assert!(w.contains(&format!("byte {r}")), "{w}");
                    assert!(rep.read_stopped_early);
                    assert_eq!(rep.error.is_some(), rep.packets == 0, "{w}");
                }
            }
        }
    }
}

#[test]
fn pcapng_blocks_with_lying_lengths() {
    let s = sample("tls12-ok.pcapng");
    let mut pos = 0;
    let mut blocks = Vec::new();
    while pos + 12 <= s.len() {
        blocks.push(pos);
        let len = u32::from_le_bytes(s[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if len < 12 {
            break;
        }
        pos += len;
    }
    assert!(blocks.len() > 5);
    let clean = analyze(s.clone());
    assert!(!clean.read_stopped_early && clean.warnings.is_empty());
    for &b in &blocks {
        for v in [0u32, 4, 13, 28, 0x1000, 0xffff_fff0, 0xffff_ffff] {
            for at in [4usize, 20] {
                let mut d = s.clone();
                if b + at + 4 <= d.len() {
                    d[b + at..b + at + 4].copy_from_slice(&v.to_le_bytes());
                }
                let rep = analyze(d);
                // A block length that cannot be right stops the reading at that block, and says so.
                if at == 4 && (v < 12 || v % 4 != 0 || v as usize > s.len() - b) {
                    assert!(rep.read_stopped_early, "block at {b}, length {v}");
                    let said = format!("{} {}", rep.warnings.join(" "), rep.error.clone().unwrap_or_default());
                    assert!(said.contains(&format!("byte {b}")), "block at {b}, length {v}: {said}");
                }
                // Damage inside a block (not a valid type written over the next
                // block's, which no reader can tell) never looks clean.
                let block_len = u32::from_le_bytes(s[b + 4..b + 8].try_into().unwrap()) as usize;
                if at + 4 <= block_len && rep.packets < clean.packets {
                    assert!(
                        rep.read_stopped_early || rep.error.is_some() || !rep.warnings.is_empty(),
                        "block at {b}, field {at} = {v}: {} of {} packets and no word of it",
                        rep.packets,
                        clean.packets
                    );
                }
            }
        }
    }
}

#[test]
fn handshake_messages_declaring_16_mib() {
    // A ClientHello whose handshake header declares 16 MiB, then a Certificate that does.
    let mut ch = vec![22, 3, 1, 0, 8, 1, 0xff, 0xff, 0xff];
    ch.extend_from_slice(&[0; 4]);
    let mut cert = vec![22, 3, 3, 0x40, 0x00, 11, 0xff, 0xff, 0xff];
    cert.extend_from_slice(&vec![0u8; 0x4000 - 4]);
    let r = analyze(pcap(&connection(&ch, &cert)));
    let w = r.connections[0].warnings.join(" ");
    // Both directions' messages are refused, not buffered.
    assert_eq!(w.matches("declares 16777215 bytes, over the limit").count(), 2, "{w}");
    assert!(r.connections[0].client_hello.is_none());
}

/// A pcapng with a Decryption Secrets Block of `len` bytes after the
/// interface description, as `editcap --inject-secrets` writes it.
fn with_secrets_block(len: usize) -> Vec<u8> {
    let s = sample("tls12-ok.pcapng");
    let shb = u32::from_le_bytes(s[4..8].try_into().unwrap()) as usize;
    let idb = u32::from_le_bytes(s[shb + 4..shb + 8].try_into().unwrap()) as usize;
    let mut secrets = b"CLIENT_RANDOM 00 00\n".repeat(len / 20 + 1);
    secrets.truncate(len);
    let padded = secrets.len().div_ceil(4) * 4;
    let total = (12 + 8 + padded) as u32;
    let mut dsb = Vec::new();
    dsb.extend_from_slice(&0x0au32.to_le_bytes());
    dsb.extend_from_slice(&total.to_le_bytes());
    dsb.extend_from_slice(&0x544c_534bu32.to_le_bytes());
    dsb.extend_from_slice(&(secrets.len() as u32).to_le_bytes());
    dsb.extend_from_slice(&secrets);
    dsb.resize(8 + 8 + padded, 0);
    dsb.extend_from_slice(&total.to_le_bytes());
    let mut out = s[..shb + idb].to_vec();
    out.extend_from_slice(&dsb);
    out.extend_from_slice(&s[shb + idb..]);
    out
}

#[test]
fn large_non_packet_blocks_are_read_like_wireshark() {
    let clean = analyze(sample("tls12-ok.pcapng"));
    let r = analyze(with_secrets_block(1_500_000));
    assert_eq!(r.packets, clean.packets);
    assert!(!r.read_stopped_early && r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.connections[0].status.as_str(), "ok");
    // Past 16 MiB the block is damage: the reading stops there and says so.
    let r = analyze(with_secrets_block(17 * 1024 * 1024));
    assert!(r.read_stopped_early);
    assert!(
        r.error.as_deref().unwrap_or("").contains("no packet could be read"),
        "{:?}",
        r.error
    );
}

/// A Certificate handshake message around a certificate list, in records.
fn certificate_records(list: &[u8]) -> Vec<u8> {
    let mut body = vec![(list.len() >> 16) as u8, (list.len() >> 8) as u8, list.len() as u8];
    body.extend_from_slice(list);
    let mut hs = vec![11, (body.len() >> 16) as u8, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut server = Vec::new();
    for chunk in hs.chunks(16000) {
        server.extend_from_slice(&record(22, chunk));
    }
    server
}

#[test]
fn a_thousand_certificates_in_a_chain() {
    let kp = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["x.example".into()])
        .unwrap()
        .self_signed(&kp)
        .unwrap();
    let der = cert.der().to_vec();
    let mut list = Vec::new();
    for _ in 0..1000 {
        list.extend_from_slice(&[(der.len() >> 16) as u8, (der.len() >> 8) as u8, der.len() as u8]);
        list.extend_from_slice(&der);
    }
    let server = certificate_records(&list);
    let r = analyze(pcap(&connection(&client_hello(), &server)));
    let c = &r.connections[0];
    assert!(
        c.warnings.iter().any(|w| w.contains("1000 certificates")),
        "{:?}",
        c.warnings
    );
    assert_eq!(
        c.server_chain.as_ref().unwrap().certificates.len(),
        pcap_tls_audit::tls::MAX_CERTS
    );
}

#[test]
fn deeply_nested_asn1_certificate() {
    let depth = 20_000;
    let mut der = Vec::new();
    for _ in 0..depth {
        der.extend_from_slice(&[0x30, 0x84]);
    }
    // Lengths are lies; the parser must stop without recursing to the end.
    let mut list = vec![(der.len() >> 16) as u8, (der.len() >> 8) as u8, der.len() as u8];
    list.extend_from_slice(&der);
    let server = certificate_records(&list);
    let r = analyze(pcap(&connection(&client_hello(), &server)));
    let chain = r.connections[0].server_chain.as_ref().unwrap();
    assert!(chain.certificates[0].parse_error.is_some());
}

#[test]
fn many_tiny_out_of_order_segments() {
    let data = client_hello();
    let mut p = vec![seg(40000, 443, 100, 0, "S", &[]), seg(443, 40000, 500, 101, "SA", &[])];
    // 100 000 one-byte segments, last first: far more than reassembly keeps waiting.
    let n = 100_000u32;
    for i in (0..n).rev() {
        let b = [data[(i as usize) % data.len()]];
        p.push(seg(40000, 443, 101 + i, 501, "A", &b));
    }
    let r = analyze(pcap(&p));
    let c = &r.connections[0];
    assert!(
        c.handshake.iter().any(|h| h.message == "Gap"),
        "{:?}",
        c.handshake.len()
    );
}

#[test]
fn sequence_numbers_that_wrap_in_the_handshake() {
    let ch = client_hello();
    let mut server = record(22, &[2, 0, 0, 42, 3, 3]);
    server.truncate(0);
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[9; 32]);
    sh.extend_from_slice(&[0, 0xc0, 0x2f, 0]);
    let mut hs = vec![2, 0, 0, sh.len() as u8];
    hs.extend_from_slice(&sh);
    hs.extend_from_slice(&[14, 0, 0, 0]);
    server.extend_from_slice(&record(22, &hs));
    server.extend_from_slice(&record(21, &[2, 40]));
    // The server's ISN 20 bytes before the wrap: its flight crosses 2^32.
    let isn = u32::MAX - 20;
    let mut p = vec![seg(40000, 443, 100, 0, "S", &[]), seg(443, 40000, isn, 101, "SA", &[])];
    p.push(seg(40000, 443, 101, isn.wrapping_add(1), "PA", &ch));
    let mut sseq = isn.wrapping_add(1);
    for chunk in server.chunks(30) {
        p.push(seg(443, 40000, sseq, 101 + ch.len() as u32, "PA", chunk));
        sseq = sseq.wrapping_add(chunk.len() as u32);
    }
    let r = analyze(pcap(&p));
    let c = &r.connections[0];
    assert!(
        c.handshake.iter().any(|h| h.message == "ServerHello"),
        "{:?}",
        c.handshake
    );
    assert_eq!(c.failure.as_ref().unwrap().cause.word(), "alert_handshake_failure");
}

#[test]
fn a_million_syns_from_different_ports() {
    let mut packets = Vec::with_capacity(1_000_000);
    for i in 0..1_000_000u32 {
        let sport = 1024 + (i % 60_000) as u16;
        let mut p = seg(sport, 443, i, 0, "S", &[]);
        // Spread over source addresses so that every SYN is its own connection.
        p[13] = (i / 60_000) as u8;
        packets.push(p);
    }
    // Every connection is reported: the text report takes them one by one
    // and holds one block per distinct failure, not a million reports.
    struct Text(pcap_tls_audit::report::TextCapture, u64);
    impl ConnectionSink for Text {
        fn connection(&mut self, c: pcap_tls_audit::report::ConnectionReport) {
            self.0.add(&c);
            self.1 += 1;
        }
    }
    let cf = CaptureFile::from_bytes("syns", pcap(&packets)).unwrap();
    let mut sink = Text(Default::default(), 0);
    let r = analyze_into(&cf, &opts(), &|_, _| {}, 2, &mut sink);
    assert_eq!(r.summary.connections, 1_000_000);
    assert_eq!(r.summary.no_connection, 1_000_000);
    assert_eq!(sink.1, 1_000_000);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let text = sink.0.render(&r);
    assert!(
        text.contains("NO CONNECTION x1000000"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.lines().count() < 50);
}

#[test]
fn strings_from_the_capture_are_escaped_in_text_and_json() {
    let server = b"HTTP/1.1 400 \x1b]0;pwned\x07\r\n".to_vec();
    let hello = client_hello_with_sni(b"evil\x1b[31m\x07\xff.example");
    let rep = analyze(pcap(&connection(&hello, &server)));
    let doc = document(rep);
    let text = pcap_tls_audit::report::render_text(&doc);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text}");
    assert!(text.contains("evil\\x1b[31m\\x07\\xff.example"), "{text}");
    assert!(text.contains("\\x1b]0;pwned\\x07"), "{text}");
    let json = serde_json::to_string(&doc).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["captures"][0]["connections"][0]["sni"],
        "evil\\x1b[31m\\x07\\xff.example"
    );
}

#[test]
fn a_flood_of_warning_alerts_is_counted_not_listed() {
    // 65 000 warning alerts from the server after the ClientHello, then a fatal one.
    let mut server = Vec::new();
    for _ in 0..65_000 {
        server.extend_from_slice(&record(21, &[1, 112]));
    }
    server.extend_from_slice(&record(21, &[2, 40]));
    let r = analyze(pcap(&connection(&client_hello(), &server)));
    let c = &r.connections[0];
    assert!(c.handshake.len() < 100, "{} entries", c.handshake.len());
    let w = c.warnings.join(" ");
    assert!(w.contains("64968 more events"), "{w}");
    // The fatal alert after the flood still decides.
    let f = c.failure.as_ref().unwrap();
    assert_eq!(f.cause.word(), "no_shared_cipher", "{}", f.explanation);
    let json = serde_json::to_string(&document(r)).unwrap();
    assert!(json.len() < 64 * 1024, "{} bytes of JSON", json.len());
}

#[test]
fn timestamps_near_the_limits_never_wrap() {
    // A pcapng whose interface says if_tsoffset = i64::MAX - 5.
    let s = sample("tls12-ok.pcapng");
    let shb = u32::from_le_bytes(s[4..8].try_into().unwrap()) as usize;
    let idb_len = u32::from_le_bytes(s[shb + 4..shb + 8].try_into().unwrap()) as usize;
    let mut idb = s[shb..shb + 16].to_vec(); // type, length, link type, snap length
    let opt: i64 = i64::MAX - 5;
    idb.extend_from_slice(&14u16.to_le_bytes()); // if_tsoffset
    idb.extend_from_slice(&8u16.to_le_bytes());
    idb.extend_from_slice(&opt.to_le_bytes());
    idb.extend_from_slice(&[0, 0, 0, 0]); // end of options
    let total = (idb.len() + 4) as u32;
    idb[4..8].copy_from_slice(&total.to_le_bytes());
    idb.extend_from_slice(&total.to_le_bytes());
    let mut d = s[..shb].to_vec();
    d.extend_from_slice(&idb);
    d.extend_from_slice(&s[shb + idb_len..]);
    let r = analyze(d);
    assert_eq!(r.packets, 16, "{:?} {:?}", r.error, r.warnings);
    let first = r.first_packet.clone().unwrap_or_default();
    assert!(!first.starts_with('-'), "{first}");
    let text = pcap_tls_audit::report::render_text(&document(r));
    assert!(!text.contains("captured -"), "{text}");
}

/// A ClientHello whose SNI is these bytes.
fn client_hello_with_sni(sni: &[u8]) -> Vec<u8> {
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&((sni.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((sni.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    ext.extend_from_slice(sni);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0xc0, 0x2f, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0, 0, body.len() as u8];
    hs.extend_from_slice(&body);
    record(22, &hs)
}

#[test]
fn names_that_are_not_utf8_are_escaped_the_same_everywhere() {
    // A self-signed certificate whose CN (and so issuer) holds 0xff, and an
    // SNI holding 0xff: every name shows the byte as \xff, none shows the
    // parser's "<X509Error: ...>" or U+FFFD.
    let kp = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["x.example".into()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, "bad-Zname");
    let mut der = params.self_signed(&kp).unwrap().der().to_vec();
    let mut at = 0;
    while let Some(i) = der[at..].windows(9).position(|w| w == b"bad-Zname") {
        der[at + i + 4] = 0xff;
        at += i + 9;
    }
    let mut list = vec![(der.len() >> 16) as u8, (der.len() >> 8) as u8, der.len() as u8];
    list.extend_from_slice(&der);
    let server = certificate_records(&list);
    let rep = analyze(pcap(&connection(&client_hello_with_sni(b"host\xff.example"), &server)));
    let json = serde_json::to_string(&document(rep)).unwrap();
    assert!(!json.contains("X509Error") && !json.contains('\u{fffd}'), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cert = &v["captures"][0]["connections"][0]["server_chain"]["certificates"][0];
    assert_eq!(cert["subject"], "CN=bad-\\xffname");
    assert_eq!(cert["issuer"], "CN=bad-\\xffname");
    let messages = v["captures"][0]["connections"][0]["server_chain"]["findings"].to_string();
    assert!(messages.contains("host\\\\xff.example"), "{messages}");
}
