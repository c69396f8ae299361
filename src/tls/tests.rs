use super::*;

fn record(ct: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ct, 3, 3, (body.len() >> 8) as u8, body.len() as u8];
    v.extend_from_slice(body);
    v
}

fn hs(t: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![t, 0, (body.len() >> 8) as u8, body.len() as u8];
    v.extend_from_slice(body);
    v
}

/// A ServerHello message: TLS 1.3 by supported_versions, TLS_AES_128_GCM_SHA256.
fn tls13_server_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
    hs(2, &body)
}

#[test]
fn handshake_split_across_records_and_segments() {
    let msg = hs(14, &[]);
    let mut cert = hs(11, &[0, 0, 6, 0, 0, 3, 1, 2, 3]);
    cert.extend_from_slice(&msg);
    let r1 = record(22, &cert[..5]);
    let r2 = record(22, &cert[5..]);
    let mut stream = r1.clone();
    stream.extend_from_slice(&r2);
    let mut p = TlsParser::new();
    p.feed(Dir::B, &stream[..7], 10);
    p.feed(Dir::B, &stream[7..], 11);
    assert_eq!(p.events.len(), 2);
    assert_eq!(p.events[0].msg, TlsMsg::Certificate(vec![vec![1, 2, 3]].into()));
    assert_eq!(p.events[0].frame, 11);
    assert_eq!(p.events[1].msg, TlsMsg::ServerHelloDone);
}

#[test]
fn whole_messages_are_decoded_in_place_and_only_a_continued_one_is_kept() {
    // One record: ServerHelloDone, ServerHelloDone, and the first 6 bytes of a Certificate.
    let cert = hs(11, &[0, 0, 6, 0, 0, 3, 1, 2, 3]);
    let mut first = hs(14, &[]);
    first.extend_from_slice(&hs(14, &[]));
    first.extend_from_slice(&cert[..6]);
    let mut p = TlsParser::new();
    p.feed(Dir::B, &record(22, &first), 3);
    assert_eq!(p.events.len(), 2);
    assert_eq!(p.dirs[Dir::B].hs_buf, cert[..6]);
    // The next record ends the Certificate and brings a whole message and half a header.
    let mut second = cert[6..].to_vec();
    second.extend_from_slice(&hs(14, &[]));
    second.extend_from_slice(&[14, 0]);
    p.feed(Dir::B, &record(22, &second), 4);
    assert_eq!(p.events[2].msg, TlsMsg::Certificate(vec![vec![1, 2, 3]].into()));
    assert_eq!((p.events[2].frame, p.events.len()), (4, 4));
    assert_eq!(p.dirs[Dir::B].hs_buf, [14, 0]);
    p.feed(Dir::B, &record(22, &[0, 0]), 5);
    assert_eq!((&p.events[4].msg, p.events[4].frame), (&TlsMsg::ServerHelloDone, 5));
    assert!(p.dirs[Dir::B].hs_buf.is_empty());
}

#[test]
fn bytes_after_a_tls13_server_hello_in_its_record_are_not_read_as_plaintext() {
    let mut both = tls13_server_hello();
    both.extend_from_slice(&hs(14, &[]));
    let mut p = TlsParser::new();
    p.feed(Dir::B, &record(22, &both), 6);
    assert_eq!(p.events.len(), 1, "{:?}", p.events);
    assert!(p.dirs[Dir::B].hs_buf.is_empty());
}

#[test]
fn a_type_21_record_after_a_tls13_server_hello_is_a_plaintext_alert() {
    let mut p = TlsParser::new();
    p.feed(Dir::B, &record(22, &tls13_server_hello()), 6);
    assert!(matches!(p.events[0].msg, TlsMsg::ServerHello(_)), "{:?}", p.events);
    // The client fails on the ServerHello before it has keys: its alert is plaintext.
    p.feed(Dir::A, &record(21, &[2, 47]), 8);
    assert_eq!(
        p.events[1].msg,
        TlsMsg::Alert {
            level: 2,
            description: 47
        }
    );
    // Anything encrypted in TLS 1.3 travels as type 23.
    p.feed(Dir::B, &record(23, &[0; 19]), 9);
    assert_eq!(p.events[2].msg, TlsMsg::Encrypted { len: 19 });
}

#[test]
fn alert_plain_and_encrypted() {
    let mut p = TlsParser::new();
    p.feed(Dir::A, &record(21, &[2, 48]), 5);
    assert_eq!(
        p.events[0].msg,
        TlsMsg::Alert {
            level: 2,
            description: 48
        }
    );
    p.feed(Dir::A, &record(20, &[1]), 6);
    p.feed(Dir::A, &record(21, &[9; 26]), 7);
    assert_eq!(p.events[2].msg, TlsMsg::EncryptedAlert { len: 26 });
}

#[test]
fn starttls_prologue_then_hello() {
    let mut p = TlsParser::new();
    p.feed(Dir::B, b"220 mail ESMTP\r\n", 3);
    p.feed(Dir::A, b"STARTTLS\r\n", 4);
    p.feed(Dir::B, b"220 Go ahead\r\n", 5);
    let ch = record(22, &hs(1, &[3, 3]));
    p.feed(Dir::A, &ch, 6);
    assert!(p.dirs[Dir::A].saw_tls);
}

#[test]
fn oversized_handshake_is_reported_not_buffered() {
    let mut p = TlsParser::new();
    let mut body = vec![11u8, 0xff, 0xff, 0xff];
    body.extend_from_slice(&[0u8; 100]);
    p.feed(Dir::B, &record(22, &body), 1);
    assert!(matches!(p.events[0].msg, TlsMsg::Malformed(_)));
    assert!(p.dirs[Dir::B].hs_buf.len() < 200);
}

#[test]
fn change_cipher_spec_around_a_hello_retry_is_not_encryption() {
    // TLS 1.3 with HelloRetryRequest (zeek hrr.pcap): CCS, then a second
    // ClientHello in the clear; the server's real ServerHello after its CCS.
    let mut ch = vec![3, 3];
    ch.extend_from_slice(&[1; 32]);
    ch.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4]);
    let hello = record(22, &hs(1, &ch));
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&HRR_RANDOM);
    sh.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
    let mut p = TlsParser::new();
    p.feed(Dir::A, &hello, 1);
    p.feed(Dir::B, &record(22, &hs(2, &sh)), 2);
    p.feed(Dir::B, &record(20, &[1]), 2);
    let mut second = record(20, &[1]);
    second.extend_from_slice(&hello);
    p.feed(Dir::A, &second, 3);
    let mut real = sh.clone();
    real[2..34].copy_from_slice(&[5; 32]);
    p.feed(Dir::B, &record(22, &hs(2, &real)), 4);
    let names: Vec<String> = p.events.iter().map(|e| e.msg.name().into_owned()).collect();
    assert_eq!(
        names,
        [
            "ClientHello",
            "HelloRetryRequest",
            "ChangeCipherSpec",
            "ChangeCipherSpec",
            "ClientHello",
            "ServerHello"
        ]
    );
}

#[test]
fn garbage_never_panics() {
    let mut seed = 12345u32;
    for _ in 0..200 {
        let mut p = TlsParser::new();
        let mut data = Vec::new();
        for _ in 0..300 {
            seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
            data.push((seed >> 16) as u8);
        }
        data[0] = 0x16;
        data[1] = 3;
        p.feed(Dir::A, &data, 1);
        p.feed(Dir::B, &data[3..], 2);
    }
}

#[test]
fn application_data_is_counted_and_skipped_never_held() {
    let mut p = TlsParser::new();
    let mut rec = vec![23u8, 3, 3, 0x40, 0x00];
    rec.extend(std::iter::repeat_n(0xab, 0x4000));
    // The header split over two segments, the body over three more.
    p.feed(Dir::B, &rec[..3], 1);
    p.feed(Dir::B, &rec[3..4000], 2);
    assert!(p.dirs[Dir::B].rec_buf.len() <= 5, "the body is not held");
    p.feed(Dir::B, &rec[4000..9000], 3);
    p.feed(Dir::B, &rec[9000..], 4);
    assert_eq!(p.events.len(), 1);
    assert_eq!(p.events[0].msg, TlsMsg::Encrypted { len: 0x4000 });
    assert_eq!(p.events[0].frame, 4, "the frame that completed the record");
    assert_eq!(p.encrypted_counts[Dir::B], 1);
    // A record after it, in the same segment as its end, is read as usual.
    let mut tail = rec[..10].to_vec();
    tail[3] = 0;
    tail[4] = 5;
    p.feed(Dir::B, &tail, 5);
    assert_eq!(p.encrypted_counts[Dir::B], 2);
}

#[test]
fn an_ssl3_server_hello_keeps_its_extensions_for_ja3s() -> Result<(), String> {
    // SSL 3.0, TLS_RSA_WITH_AES_256_CBC_SHA (53), no session id, no
    // compression, renegotiation_info (65281) empty: tshark's ja3s_full
    // and Arkime give "768,53,65281".
    let mut body = vec![3, 0];
    body.extend_from_slice(&[9; 32]);
    body.extend_from_slice(&[0, 0, 53, 0, 0, 5, 0xff, 0x01, 0, 1, 0]);
    let mut rec = vec![22, 3, 0, 0, 0];
    let msg = hs(2, &body);
    rec[4] = msg.len() as u8;
    rec.extend_from_slice(&msg);
    let mut p = TlsParser::new();
    p.feed(Dir::B, &rec, 6);
    let Some(TlsMsg::ServerHello(sh)) = p.events.first().map(|e| &e.msg) else {
        return Err(format!("no ServerHello: {:?}", p.events));
    };
    assert_eq!((sh.legacy_version, sh.cipher_suite), (0x0300, 53));
    assert_eq!(sh.extensions, vec![65281]);
    assert_eq!(
        crate::fingerprint::ja3s(sh),
        hex::encode(<md5::Md5 as md5::Digest>::digest(b"768,53,65281"))
    );
    Ok(())
}
