//! Verdicts on captures as the field cuts them: bytes the capture missed,
//! the narrowed post-handshake rule, TLS 1.3 close sizes, a close_notify
//! before a reset (the cases of `tests.rs`'s helpers, one test per rule).
use super::tests::*;
use super::*;

#[test]
fn a_close_after_bytes_the_capture_missed_rests_on_nothing() {
    // The snap length cut the server's flight: "before the server answered"
    // would rest on bytes the capture missed.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(e(6, S, EventKind::Gap(2738)));
    ev.push(e(9, C, EventKind::Fin));
    let v = run(ev.clone());
    assert_eq!(v.status, Status::Incomplete);
    let note = v.note.unwrap_or_default();
    assert!(
        note.contains("missed 2738 of the server's bytes") && note.contains("frame 6"),
        "{note}"
    );
    // The server's RST after the client's bytes were cut: the server sent
    // nothing, which the capture does show.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(e(4, C, EventKind::Gap(301)));
    ev.push(e(6, S, EventKind::Rst));
    assert_eq!(cause(&run(ev)), ("server_reset", "server", Some(6)));
    // A plaintext alert decides whatever was missed before it.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(e(6, S, EventKind::Gap(1400)));
    ev.push(alert(10, C, 2, 48));
    assert_eq!(cause(&run(ev)), ("certificate_rejected_by_client", "client", Some(10)));
}

#[test]
fn a_connection_whose_every_record_the_capture_cut_is_not_called_not_tls() {
    let mut ev = handshake_start();
    ev.push(e(4, C, EventKind::Gap(301)));
    ev.push(e(6, S, EventKind::Gap(1424)));
    ev.push(e(9, C, EventKind::Fin));
    let v = run(ev);
    assert_eq!(v.status, Status::Incomplete);
    assert!(v.note.is_some_and(|n| n.contains("no TLS record could be read")));
}

fn at_ms(ms: i64) -> crate::capture::Timestamp {
    crate::capture::Timestamp {
        secs: 1_780_000_000 + ms / 1000,
        nanos: (ms % 1000) as u32 * 1_000_000,
    }
}

/// A trace whose frames happened at the given milliseconds.
fn timed(events: Vec<Event>, times: &[(u64, i64)]) -> Trace {
    let mut t = trace_of(events);
    t.frame_times = times.iter().map(|&(f, ms)| (f, at_ms(ms))).collect();
    t.timing.start = at_ms(0);
    for e in &t.events {
        let mark = crate::connection::Mark {
            frame: e.frame,
            from: e.from,
            ts: t.time_of(e.frame).unwrap_or_default(),
        };
        match e.kind {
            EventKind::Fin if t.timing.first_fin.is_none() => t.timing.first_fin = Some(mark),
            EventKind::Rst if t.timing.first_rst.is_none() => t.timing.first_rst = Some(mark),
            _ => {}
        }
    }
    t
}

fn codes(v: &Verdict) -> Vec<&'static str> {
    v.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn the_post_handshake_rejection_is_inferred_only_within_a_second_and_without_server_data() -> Outcome {
    let rejecting = ChainContext {
        rejected_after_handshake: true,
        checked: true,
        problem: Some("The chain does not lead to a trusted root: X.".into()),
        ..ChainContext::default()
    };
    let mut ev = tls12_ok_handshake();
    ev.push(e(11, C, EventKind::Fin));
    let frames = [(1, 0), (2, 1), (4, 2), (6, 3), (8, 4), (9, 5)];
    // At once: the rejection, worded as an inference.
    let quick = timed(ev.clone(), &[&frames[..], &[(11, 40)]].concat());
    let v = diagnose(&quick, &rejecting);
    assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(11)));
    let f = v.failure.ok_or("no failure")?;
    assert!(
        f.explanation.contains("inferred") && f.explanation.contains("health check"),
        "{}",
        f.explanation
    );
    // 2.6 s later (a server-first protocol, a speculative connection): ok.
    let slow = timed(ev.clone(), &[&frames[..], &[(11, 2605)]].concat());
    let v = diagnose(&slow, &rejecting);
    assert_eq!(v.status, Status::Ok);
    assert_eq!(codes(&v), vec!["closed_without_request"]);
    // The server sent data (a banner, a heartbeat answer): the connection was used.
    let mut banner = ev.clone();
    banner.insert(banner.len() - 1, m(10, S, TlsMsg::Encrypted { len: 60 }));
    let used = timed(banner, &[&frames[..], &[(10, 20), (11, 40)]].concat());
    let v = diagnose(&used, &rejecting);
    assert_eq!((v.status, codes(&v)), (Status::Ok, vec![]));
    // The client sent heartbeats: it sent records after its Finished.
    let mut beats = quick;
    beats.heartbeats = [4, 4];
    assert!(codes(&diagnose(&beats, &rejecting)).is_empty());
    Ok(())
}

#[test]
fn tls13_a_short_request_is_no_close() {
    // "PING\r\n" (6 bytes) is a 23-byte record; 2 bytes of data are 19 like an
    // alert, but the server answers it before the client's FIN.
    let mut ev = tls13_sha384(&[(10, 69), (12, 23)]);
    ev.push(e(14, C, EventKind::Fin));
    assert!(codes(&run(ev)).is_empty(), "a request, not a close");
    let mut ev = tls13_sha384(&[(10, 69), (12, 19)]);
    ev.push(enc(13, S, 19));
    ev.push(e(14, C, EventKind::Fin));
    assert!(codes(&run(ev)).is_empty(), "answered: a request");
    // AES-128-CCM-8: an alert is an 11-byte record.
    let mut ev = handshake_start();
    ev.push(ch(4));
    ev.push(sh13(6, 0x1305));
    ev.push(enc(6, S, 900));
    ev.push(enc(10, C, 4 + 32 + 1 + 8));
    ev.push(enc(12, C, 11));
    ev.push(e(12, C, EventKind::Fin));
    assert_eq!(codes(&run(ev)), vec!["closed_without_request"]);
}

#[test]
fn a_close_notify_before_a_reset_after_a_silence_is_reset_after_idle() {
    let mut ev = tls12_ok_handshake();
    ev.push(m(10, C, TlsMsg::Encrypted { len: 120 }));
    ev.push(m(11, S, TlsMsg::Encrypted { len: 300 }));
    ev.push(m(20, S, TlsMsg::EncryptedAlert { len: 26 }));
    ev.push(e(21, S, EventKind::Rst));
    let mut t = timed(ev, &[(1, 0), (9, 5), (10, 10), (11, 20), (20, 3020), (21, 3021)]);
    let mark = |frame, from, ms| crate::connection::Mark {
        frame,
        from,
        ts: at_ms(ms),
    };
    t.timing.data_tail = [Some(mark(11, S, 20)), Some(mark(20, S, 3020))];
    t.last_records[1] = Some(crate::tls::RecordMark {
        frame: 20,
        content_type: 21,
        len: 26,
    });
    let v = diagnose(&t, &ChainContext::default());
    assert_eq!(codes(&v), vec!["reset_after_idle"]);
    assert!(
        v.findings[0].message.contains("after 3.0 s"),
        "{}",
        v.findings[0].message
    );
    // The same close_notify and RST right after data: no finding (closed, not cut).
    t.timing.data_tail[0] = Some(mark(11, S, 2900));
    assert!(codes(&diagnose(&t, &ChainContext::default())).is_empty());
}
