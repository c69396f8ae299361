//! Verdicts on the tricky orders: an alert and a FIN in one segment, a RST
//! after an alert, retransmissions, captures that start or end mid-way,
//! renegotiation, HelloRetryRequest, gaps (the helpers of `tests.rs`).
use super::tests::*;
use super::*;

#[test]
fn alert_and_fin_in_the_same_segment() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(alert(8, C, 2, 48));
    ev.push(e(8, C, EventKind::Fin));
    assert_eq!(cause(&run(ev)), ("certificate_rejected_by_client", "client", Some(8)));
}

#[test]
fn rst_from_the_client_after_its_own_alert_and_a_server_fin_first() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    ev.push(alert(8, C, 2, 46));
    ev.push(e(9, S, EventKind::Fin));
    ev.push(e(10, C, EventKind::Rst));
    let v = run(ev);
    // The server's FIN came first, but it only answered the client's alert.
    assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(8)));
}

#[test]
fn retransmitted_alert_counts_once() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(alert(6, S, 2, 40));
    ev.push(alert(8, S, 2, 40));
    assert_eq!(cause(&run(ev)), ("no_shared_cipher", "server", Some(6)));
}

#[test]
fn capture_starting_after_the_client_hello() {
    let mut ev = tls12_server_flight(3);
    ev.push(alert(5, C, 2, 48));
    ev.push(e(6, C, EventKind::Fin));
    // A partial capture never produces a failure: what it shows is said.
    let v = run(ev);
    assert_eq!(
        (v.status, v.partial),
        (Status::Incomplete, Some(Partial::StartsMidHandshake))
    );
    let note = v.note.unwrap_or_default();
    assert!(
        note.contains("client's alert fatal unknown_ca (48) in frame 5"),
        "{note}"
    );
}

#[test]
fn capture_ending_right_after_the_certificate_is_incomplete() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.extend(tls12_server_flight(6));
    let v = run(ev);
    assert_eq!(v.status, Status::Incomplete);
    assert!(v.failure.is_none());
    assert!(v.note.is_some_and(|n| n.contains("nothing shows who gave up")));
}

#[test]
fn renegotiation_after_an_ok_handshake_stays_ok() {
    let mut ev = tls12_ok_handshake();
    ev.push(enc(10, C, 300));
    // A renegotiation is encrypted: handshake records after ChangeCipherSpec.
    ev.push(m(11, S, TlsMsg::EncryptedHandshake));
    ev.push(m(12, C, TlsMsg::EncryptedHandshake));
    ev.push(enc(13, S, 800));
    ev.push(e(20, C, EventKind::Fin));
    assert_eq!(run(ev).status, Status::Ok);
}

#[test]
fn hello_retry_request_then_ok() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh(6, 0x0304, true));
    ev.push(ch(8));
    ev.push(sh(10, 0x0304, false));
    ev.push(enc(10, S, 2000));
    ev.push(enc(12, C, 53));
    ev.push(enc(12, C, 100));
    ev.push(enc(13, S, 250));
    let v = run(ev);
    assert_eq!(v.status, Status::Ok);
    assert!(v.note.is_some_and(|n| n.contains("frame 10")));
}

#[test]
fn close_notify_from_the_server_during_the_handshake() {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh(6, 0x0303, false));
    ev.push(m(6, S, TlsMsg::Certificate(vec![vec![1]].into())));
    ev.push(alert(7, S, 1, 0));
    ev.push(e(7, S, EventKind::Fin));
    let v = run(ev);
    assert_eq!(cause(&v), ("server_aborted", "server", Some(7)));
    assert_eq!(v.failure.and_then(|f| f.alert).map(|a| a.description), Some(0));
}

#[test]
fn a_close_before_a_tls13_server_hello_does_not_panic() {
    // Found by the pipeline fuzzer: a FIN ordered before the ServerHello.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(e(5, C, EventKind::Fin));
    ev.push(sh(6, 0x0304, false));
    ev.push(enc(7, C, 19));
    assert_eq!(cause(&run(ev)), ("client_aborted", "client", Some(5)));
}

#[test]
fn a_gap_is_named_not_blamed() -> Outcome {
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh(6, 0x0303, false));
    ev.push(e(7, S, EventKind::Gap(1448)));
    ev.push(e(9, C, EventKind::Fin));
    let v = run(ev);
    let f = v.failure.ok_or("no failure")?;
    assert!(
        f.explanation.contains("the capture missed 1448 bytes"),
        "{}",
        f.explanation
    );
    Ok(())
}
