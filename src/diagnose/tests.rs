//! One test per cause of the contract (the tricky orders are in
//! `order_tests.rs`, the captures the field cuts in `field_tests.rs`).
use super::*;
use crate::tls::{ClientHello, ServerHello};

pub(super) use Side::{Client as C, Server as S};

pub(super) fn e(frame: u64, from: Side, kind: EventKind) -> Event {
    Event { frame, from, kind }
}
pub(super) fn m(frame: u64, from: Side, msg: TlsMsg) -> Event {
    e(frame, from, EventKind::Tls(msg))
}
pub(super) fn ch(frame: u64) -> Event {
    m(
        frame,
        C,
        TlsMsg::ClientHello(Box::new(ClientHello {
            legacy_version: 0x0303,
            cipher_suites: vec![0xc02f, 0xc030],
            sni: Some(b"backend.company.com".to_vec()),
            ..ClientHello::default()
        })),
    )
}
pub(super) fn sh(frame: u64, version: u16, hrr: bool) -> Event {
    m(
        frame,
        S,
        TlsMsg::ServerHello(Box::new(ServerHello {
            legacy_version: 0x0303,
            selected_version: (version == 0x0304).then_some(0x0304),
            cipher_suite: 0xc02f,
            hello_retry: hrr,
            ..ServerHello::default()
        })),
    )
}
pub(super) fn alert(frame: u64, from: Side, level: u8, description: u8) -> Event {
    m(frame, from, TlsMsg::Alert { level, description })
}
pub(super) fn enc(frame: u64, from: Side, len: usize) -> Event {
    m(frame, from, TlsMsg::Encrypted { len })
}
pub(super) fn tcp(frames: &[(u64, Side, EventKind)]) -> Vec<Event> {
    frames.iter().map(|(f, s, k)| e(*f, *s, k.clone())).collect()
}
pub(super) fn run_with(events: Vec<Event>, ctx: &ChainContext) -> Verdict {
    diagnose(&trace_of(events), ctx)
}
pub(super) fn trace_of(events: Vec<Event>) -> Trace {
    let syn_count = events.iter().filter(|x| x.kind == EventKind::Syn).count() as u32;
    let last_frame = events.iter().map(|x| x.frame).max().unwrap_or(0);
    let has_data = events.iter().any(|x| matches!(x.kind, EventKind::Tls(_)));
    let side_events = |side: Side| events.iter().filter(|x| x.from == side).count() as u32;
    let packets = [1 + side_events(C), 1 + side_events(S)];
    let records = |side: Side| {
        events
            .iter()
            .filter(|x| x.from == side && matches!(x.kind, EventKind::Tls(TlsMsg::Encrypted { .. })))
            .count() as u64
    };
    let encrypted_counts = [records(C), records(S)];
    Trace {
        events,
        syn_count,
        last_syn: None,
        last_frame,
        client_bytes: if has_data { 100 } else { 0 },
        server_bytes: if has_data { 100 } else { 0 },
        // Both sides' ACKs were captured (one-direction captures set their own).
        packets,
        server_port: 443,
        client_is_a: true,
        encrypted_counts,
        last_records: [None, None],
        heartbeats: [0, 0],
        events_not_listed: 0,
        decryption: None,
        frame_times: Vec::new(),
        timing: Default::default(),
    }
}
pub(super) fn run(events: Vec<Event>) -> Verdict {
    run_with(events, &ChainContext::default())
}
pub(super) fn handshake_start() -> Vec<Event> {
    tcp(&[(1, C, EventKind::Syn), (2, S, EventKind::SynAck)])
}
pub(super) fn tls12_server_flight(at: u64) -> Vec<Event> {
    vec![
        sh(at, 0x0303, false),
        m(at, S, TlsMsg::Certificate(vec![vec![1, 2, 3]].into())),
        m(at, S, TlsMsg::ServerKeyExchange(vec![])),
        m(at, S, TlsMsg::ServerHelloDone),
    ]
}
/// A complete TLS 1.2 handshake: Finished both ways by frame 9.
pub(super) fn tls12_ok_handshake() -> Vec<Event> {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
    ev.push(m(8, C, TlsMsg::EncryptedHandshake));
    ev.push(m(9, S, TlsMsg::ChangeCipherSpec));
    ev.push(m(9, S, TlsMsg::EncryptedHandshake));
    ev
}

/// What a test that needs a failure returns: none fails it.
pub(super) type Outcome = Result<(), Box<dyn std::error::Error>>;

pub(super) fn cause(v: &Verdict) -> (&'static str, &str, Option<u64>) {
    match v.failure.as_ref() {
        Some(f) => (Box::leak(f.cause.word().into_boxed_str()), f.side.name(), f.frame),
        None => ("(no failure)", "", None),
    }
}

#[test]
fn tcp_no_response() {
    let mut ev = tcp(&[(1, C, EventKind::Syn)]);
    let v = run_with(ev.clone(), &ChainContext::default());
    assert_eq!(v.status, Status::NoConnection);
    assert_eq!(cause(&v), ("tcp_no_response", "network", None));
    ev.push(e(2, C, EventKind::Syn));
    assert!(run(ev).failure.is_some_and(|f| f.explanation.contains("frame 1")));
}

#[test]
fn tcp_refused() {
    let v = run(tcp(&[(1, C, EventKind::Syn), (2, S, EventKind::Rst)]));
    assert_eq!(v.status, Status::NoConnection);
    assert_eq!(cause(&v), ("tcp_refused", "server", Some(2)));
}

#[test]
fn server_reset_and_server_closed() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(e(6, S, EventKind::Rst));
    assert_eq!(cause(&run(ev.clone())), ("server_reset", "server", Some(6)));
    ev.pop();
    ev.push(e(6, S, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("server_closed", "server", Some(6)));
}

#[test]
fn server_not_tls() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(m(
        6,
        S,
        TlsMsg::NotTls {
            preview: b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
            len: 120,
        },
    ));
    ev.push(e(7, S, EventKind::Fin));
    let v = run(ev);
    assert_eq!(cause(&v), ("server_not_tls", "server", Some(6)));
    assert!(
        v.failure
            .is_some_and(|f| f.explanation.contains("HTTP/1.1 400 Bad Request\\r\\n"))
    );
}

#[test]
fn client_not_tls() {
    let mut ev = handshake_start();
    ev.push(m(
        4,
        C,
        TlsMsg::NotTls {
            preview: b"GET / HTTP/1.1\r\n".to_vec(),
            len: 80,
        },
    ));
    ev.push(alert(6, S, 2, 10));
    assert_eq!(cause(&run(ev)), ("client_not_tls", "client", Some(6)));
}

#[test]
fn no_shared_version_and_cipher_and_sni() {
    for (d, want) in [
        (70, "no_shared_version"),
        (40, "no_shared_cipher"),
        (71, "no_shared_cipher"),
        (112, "sni_rejected"),
    ] {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(alert(6, S, 2, d));
        ev.push(e(7, C, EventKind::Fin));
        let v = run(ev);
        assert_eq!(cause(&v), (want, "server", Some(6)), "alert {d}");
        assert_eq!(v.failure.and_then(|f| f.alert).map(|a| a.description), Some(d));
    }
}

#[test]
fn certificate_rejected_by_client_with_and_without_alert() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    let mut with_alert = ev.clone();
    with_alert.push(alert(8, C, 2, 46));
    with_alert.push(e(9, S, EventKind::Fin));
    assert_eq!(
        cause(&run(with_alert)),
        ("certificate_rejected_by_client", "client", Some(8))
    );
    // The FIELD-GUIDE pattern: FIN then RST from the client, no alert.
    ev.push(e(8, C, EventKind::Fin));
    ev.push(e(9, C, EventKind::Rst));
    let v = run(ev);
    assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(8)));
    assert!(v.failure.is_some_and(|f| f.explanation.contains("frame 6")));
}

#[test]
fn server_key_mismatch_when_proven_only() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(alert(8, C, 2, 51));
    let proven = ChainContext {
        key_mismatch: Some("The ServerKeyExchange signature does not verify".into()),
        ..ChainContext::default()
    };
    assert_eq!(
        cause(&run_with(ev.clone(), &proven)),
        ("server_key_mismatch", "client", Some(8))
    );
    assert_eq!(cause(&run(ev)), ("alert_decrypt_error", "client", Some(8)));
}

#[test]
fn client_certificate_required_tls12() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.insert(ev.len() - 1, m(6, S, TlsMsg::CertificateRequest(vec![])));
    ev.push(m(8, C, TlsMsg::Certificate(vec![].into())));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
    ev.push(m(8, C, TlsMsg::EncryptedHandshake));
    ev.push(alert(9, S, 2, 40));
    assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(9)));
}

fn tls13_until_client_flight(client_records: &[usize]) -> Vec<Event> {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh(6, 0x0304, false));
    ev.push(m(6, S, TlsMsg::ChangeCipherSpec));
    ev.push(enc(6, S, 23));
    ev.push(enc(8, S, 2400));
    ev.push(enc(10, S, 281));
    ev.push(enc(10, S, 69));
    ev.push(m(12, C, TlsMsg::ChangeCipherSpec));
    for &l in client_records {
        ev.push(enc(12, C, l));
    }
    ev
}

pub(super) fn sh13(frame: u64, suite: u16) -> Event {
    m(
        frame,
        S,
        TlsMsg::ServerHello(Box::new(ServerHello {
            legacy_version: 0x0303,
            selected_version: Some(0x0304),
            cipher_suite: suite,
            ..ServerHello::default()
        })),
    )
}

/// TLS 1.3 with TLS_AES_256_GCM_SHA384 (Finished record: 69 bytes) up to the client's flight.
pub(super) fn tls13_sha384(client_records: &[(u64, usize)]) -> Vec<Event> {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh13(6, 0x1302));
    ev.push(enc(6, S, 23));
    ev.push(enc(8, S, 2400));
    ev.push(enc(8, S, 281));
    ev.push(enc(8, S, 69));
    for &(f, l) in client_records {
        ev.push(enc(f, C, l));
    }
    ev
}

#[test]
fn tls13_a_short_answer_to_the_clients_request_is_ok() {
    // Finished, then a request; the server answers 3 bytes (20-byte record) and closes, no ticket.
    let mut ev = tls13_sha384(&[(10, 69), (10, 95)]);
    ev.push(enc(11, S, 20));
    ev.push(e(11, S, EventKind::Fin));
    let v = run(ev);
    assert_eq!(v.status, Status::Ok, "{:?}", v.failure);
    // The same sizes after an empty Certificate: the server rejected the missing certificate.
    let mut ev = tls13_sha384(&[(10, 25), (10, 69), (10, 95)]);
    ev.push(enc(11, S, 19));
    ev.push(e(11, S, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(11)));
}

#[test]
fn tls13_client_closing_without_a_request() {
    // Finished then a close_notify-sized record and FIN: closed_without_request (chain encrypted).
    let mut ev = tls13_sha384(&[(10, 69), (12, 19)]);
    ev.push(e(12, C, EventKind::Fin));
    ev.push(enc(13, S, 19));
    let v = run(ev);
    assert_eq!(v.status, Status::Ok);
    assert_eq!(
        v.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
        vec!["closed_without_request"]
    );
}

#[test]
fn post_handshake_rejection_tls12() -> Outcome {
    let mut ev = tls12_ok_handshake();
    ev.push(m(10, C, TlsMsg::EncryptedAlert { len: 26 }));
    ev.push(e(11, C, EventKind::Fin));
    ev.push(m(12, S, TlsMsg::EncryptedAlert { len: 26 }));
    let rejecting = ChainContext {
        rejected_after_handshake: true,
        checked: true,
        problem: Some("The chain does not lead to a trusted root: X.".into()),
        ..ChainContext::default()
    };
    let v = run_with(ev.clone(), &rejecting);
    assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(10)));
    let f = v.failure.ok_or("no failure")?;
    assert!(
        f.explanation
            .contains("verifies the server's certificate after the handshake"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("trusted root: X."), "{}", f.explanation);
    // Without a finding such a client rejects: ok, closed_without_request.
    let v = run(ev);
    assert_eq!(v.status, Status::Ok);
    assert_eq!(v.findings[0].code.as_str(), "closed_without_request");
    Ok(())
}

#[test]
fn no_post_handshake_rejection_when_the_server_closes_first_or_the_client_sends_data() {
    let rejecting = ChainContext {
        rejected_after_handshake: true,
        ..ChainContext::default()
    };
    let mut ev = tls12_ok_handshake();
    ev.push(m(10, S, TlsMsg::EncryptedAlert { len: 26 }));
    ev.push(e(11, S, EventKind::Fin));
    ev.push(e(12, C, EventKind::Fin));
    let v = run_with(ev, &rejecting);
    assert_eq!(v.status, Status::Ok);
    assert!(v.findings.is_empty(), "{:?}", v.findings);
    let mut ev = tls12_ok_handshake();
    ev.push(enc(10, C, 120));
    ev.push(e(11, C, EventKind::Fin));
    let mut t = trace_of(ev);
    t.encrypted_counts = [1, 0];
    let v = diagnose(&t, &rejecting);
    assert_eq!(v.status, Status::Ok);
    assert!(v.findings.is_empty(), "{:?}", v.findings);
}

#[test]
fn bad_certificate_after_an_empty_certificate_is_client_certificate_required() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.insert(ev.len() - 1, m(6, S, TlsMsg::CertificateRequest(vec![])));
    ev.push(m(8, C, TlsMsg::Certificate(vec![].into())));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(alert(9, S, 2, 42));
    assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(9)));
}

#[test]
fn a_plaintext_alert_after_a_tls13_server_hello_is_that_alert() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh13(6, 0x1301));
    ev.push(alert(8, C, 2, 47));
    ev.push(e(8, C, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("alert_illegal_parameter", "client", Some(8)));
}

#[test]
fn client_certificate_required_and_rejected_tls13() {
    let mut ev = tls13_until_client_flight(&[25, 69]);
    ev.push(enc(13, S, 19));
    ev.push(e(14, S, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(13)));
    let mut ev = tls13_until_client_flight(&[900, 280, 69]);
    ev.push(enc(13, S, 19));
    ev.push(e(14, S, EventKind::Rst));
    assert_eq!(cause(&run(ev)), ("client_certificate_rejected", "server", Some(13)));
}

#[test]
fn client_certificate_rejected_tls12() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(m(8, C, TlsMsg::Certificate(vec![vec![9; 10]].into())));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(alert(9, S, 2, 48));
    assert_eq!(cause(&run(ev)), ("client_certificate_rejected", "server", Some(9)));
}

#[test]
fn handshake_failed_encrypted() {
    // TLS 1.3: the client's only encrypted record, then the server closes: a client alert.
    let mut ev = tls13_until_client_flight(&[19]);
    ev.push(e(13, S, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("handshake_failed_encrypted", "client", Some(12)));
    // TLS 1.2: an alert after ChangeCipherSpec.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
    ev.push(m(8, C, TlsMsg::EncryptedHandshake));
    ev.push(m(9, S, TlsMsg::ChangeCipherSpec));
    ev.push(m(9, S, TlsMsg::EncryptedAlert { len: 26 }));
    assert_eq!(cause(&run(ev)), ("handshake_failed_encrypted", "server", Some(9)));
}

#[test]
fn other_alerts_are_named() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh(6, 0x0303, false));
    ev.push(alert(7, C, 2, 47));
    assert_eq!(cause(&run(ev)), ("alert_illegal_parameter", "client", Some(7)));
}

#[test]
fn client_and_server_aborted() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    let mut c = ev.clone();
    c.push(e(6, C, EventKind::Fin));
    let v = run(c);
    assert_eq!(cause(&v), ("client_aborted", "client", Some(6)));
    assert!(
        v.failure
            .is_some_and(|f| f.explanation.contains("before the server answered"))
    );
    ev.extend(tls12_server_flight(6));
    ev.push(m(8, C, TlsMsg::ClientKeyExchange));
    ev.push(e(9, S, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("server_aborted", "server", Some(9)));
}

#[test]
fn tls12_and_tls13_ok() {
    let ev = tls12_ok_handshake();
    assert_eq!(run(ev).status, Status::Ok);
    let mut ev = tls13_until_client_flight(&[53, 300]);
    ev.push(enc(13, S, 250));
    assert_eq!(run(ev).status, Status::Ok);
}
