//! Captures that show only part of a connection: its handshake came before
//! the capture began, or one direction was not captured (asymmetric
//! routing, a capture filter on one address). Such a connection is
//! `incomplete`, never a failure: nothing shows who gave up. What the
//! capture does show is still reported (the offer, the chain, a reset after
//! a silence, with its idle time as "at least").

use super::established::started_late_reset;
use super::incomplete::last_stage;
use super::*;
use crate::vocabulary::Partial;

/// The side whose packets the capture lacks: it sent nothing after the TCP
/// handshake while the other side sent payload. (A live peer always sends
/// something back, if only the ACKs of that payload.)
pub(super) fn missing_direction(t: &Trace) -> Option<Side> {
    let [client, server] = t.packets;
    if server == 0 && client > 0 && t.client_bytes > 0 {
        return Some(Side::Server);
    }
    if client == 0 && server > 0 && t.server_bytes > 0 {
        return Some(Side::Client);
    }
    None
}

/// No SYN, no SYN-ACK and no ClientHello: the connection was open before
/// the capture began.
fn started_before_capture(v: &View) -> bool {
    !v.ev
        .iter()
        .any(|e| matches!(e.kind, EventKind::Syn | EventKind::SynAck) || matches!(tls(e), Some(TlsMsg::ClientHello(_))))
}

/// The verdict of a connection the capture shows only part of, if it is one.
pub(super) fn partial(t: &Trace, v: &View) -> Option<Verdict> {
    if let Some(missing) = missing_direction(t) {
        return Some(one_direction(t, v, missing));
    }
    if !started_before_capture(v) {
        return None;
    }
    let records =
        v.ev.iter()
            .any(|e| matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. } | TlsMsg::Malformed(_))));
    let plaintext = v.ev.iter().any(|e| matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    if plaintext && !records {
        // Text flowing on a connection older than the capture: not TLS.
        return None;
    }
    Some(precedes_capture(t, v, records))
}

fn incomplete_with(partial: Partial, note: String, findings: Vec<Finding>) -> Verdict {
    Verdict {
        findings,
        ..super::incomplete::incomplete_note(note, Some(partial))
    }
}

fn one_direction(t: &Trace, v: &View, missing: Side) -> Verdict {
    let present = missing.other();
    let seen = last_stage(v.ev)
        .map(|s| format!(" The last TLS message it shows: {s}."))
        .unwrap_or_default();
    let note = format!(
        "Only the {present}'s packets of this connection were captured: the {missing} sent nothing the capture shows ({} packets from the {present}, none from the {missing}), as with asymmetric routing or a capture filter on one address or direction, so nothing shows how the handshake went or who ended it.{seen} Capture on a host or port that sees both directions.",
        t.packets[match present {
            Side::Client => 0,
            Side::Server => 1,
        }],
        present = present.name(),
        missing = missing.name(),
    );
    let partial = match missing {
        Side::Client => Partial::ClientMissing,
        Side::Server => Partial::ServerMissing,
    };
    incomplete_with(partial, note, Vec::new())
}

fn precedes_capture(t: &Trace, v: &View, records: bool) -> Verdict {
    let both_ways = t.encrypted_counts[0] > 0 && t.encrypted_counts[1] > 0;
    if let Some(hello) = v.first(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::ServerHello(_)))) {
        return mid_handshake(v, hello.1);
    }
    let what = if !records && t.client_bytes == 0 && t.server_bytes == 0 {
        " It carried no payload in the capture, so nothing shows whether it is TLS.".to_string()
    } else if both_ways {
        " Encrypted records flow both ways, so its handshake had succeeded before the capture began.".to_string()
    } else {
        match last_stage(v.ev) {
            Some(s) => format!(" The capture shows only what followed (last: {s}), not what led to it."),
            None => String::new(),
        }
    };
    let note = format!(
        "The handshake precedes the capture: neither the TCP handshake nor the ClientHello of this connection was captured (the capture began while it was open), so the handshake's outcome is not visible.{what}"
    );
    let findings = started_late_reset(t).into_iter().collect();
    incomplete_with(Partial::PrecedesCapture, note, findings)
}

/// The ServerHello is there but not the ClientHello: what the capture shows
/// of the end is said, not judged (what the client offered is unknown).
fn mid_handshake(v: &View, hello: &Event) -> Verdict {
    let alert = v.ev.iter().find_map(|e| match tls(e) {
        Some(TlsMsg::Alert { level: 2, description }) => Some(format!(
            " It shows the {}'s alert {} in frame {}, but not what the client offered.",
            e.from.name(),
            alert_text(2, *description),
            e.frame
        )),
        _ => None,
    });
    let note = format!(
        "The capture starts in the middle of the handshake: the TCP handshake and the ClientHello were not captured (the first message seen is the ServerHello, frame {}), so nothing shows how it began and the verdict is left open.{} Start the capture before the connection opens.",
        hello.frame,
        alert.unwrap_or_default()
    );
    incomplete_with(Partial::StartsMidHandshake, note, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::connection::{Mark, Timing};

    fn at(secs: i64) -> Timestamp {
        Timestamp {
            secs: 1_780_000_000 + secs,
            nanos: 0,
        }
    }
    fn ev(frame: u64, from: Side, kind: EventKind) -> Event {
        Event { frame, from, kind }
    }
    fn enc(frame: u64, from: Side) -> Event {
        ev(frame, from, EventKind::Tls(TlsMsg::Encrypted { len: 90 }))
    }
    fn trace(events: Vec<Event>, packets: [u32; 2], timing: Timing) -> Trace {
        Trace {
            events,
            packets,
            client_bytes: 100,
            server_bytes: 100,
            encrypted_counts: [1, 1],
            timing,
            ..Trace::default()
        }
    }

    #[test]
    fn a_connection_older_than_the_capture_is_incomplete_and_its_idle_reset_still_judged() {
        // Keep-alive data, 350 s of silence, the NLB's RST: no SYN, no hello.
        let timing = Timing {
            start: at(0),
            end: at(351),
            data_tail: [
                Some(Mark {
                    frame: 1,
                    from: Side::Client,
                    ts: at(0),
                }),
                Some(Mark {
                    frame: 2,
                    from: Side::Server,
                    ts: at(1),
                }),
            ],
            first_rst: Some(Mark {
                frame: 4,
                from: Side::Server,
                ts: at(351),
            }),
            ..Timing::default()
        };
        let t = trace(
            vec![
                enc(1, Side::Client),
                enc(2, Side::Server),
                ev(4, Side::Server, EventKind::Rst),
            ],
            [2, 2],
            timing,
        );
        let v = diagnose(&t, &ChainContext::default());
        assert_eq!(v.status, Status::Incomplete);
        assert_eq!(v.partial, Some(Partial::PrecedesCapture));
        assert!(v.failure.is_none());
        assert!(
            v.note.as_deref().is_some_and(|n| n.contains("precedes the capture")),
            "{:?}",
            v.note
        );
        let codes: Vec<&str> = v.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["reset_after_idle"]);
    }

    #[test]
    fn a_reset_with_no_data_in_the_capture_is_idle_for_at_least_what_the_capture_shows() {
        let timing = Timing {
            start: at(0),
            end: at(12),
            first_rst: Some(Mark {
                frame: 9,
                from: Side::Server,
                ts: at(12),
            }),
            ..Timing::default()
        };
        let mut t = trace(vec![ev(9, Side::Server, EventKind::Rst)], [1, 1], timing);
        t.client_bytes = 0;
        t.server_bytes = 0;
        let v = diagnose(&t, &ChainContext::default());
        assert_eq!(
            (v.status, v.partial),
            (Status::Incomplete, Some(Partial::PrecedesCapture))
        );
        let f = v.findings.first().map(|f| (f.code.as_str(), f.message.clone()));
        assert!(
            f.as_ref()
                .is_some_and(|(c, m)| *c == "reset_after_idle" && m.contains("at least 12.0 s")),
            "{f:?}"
        );
        // Less than a second seen: the silence is not shown, nothing is said.
        t.timing.first_rst = Some(Mark {
            frame: 9,
            from: Side::Server,
            ts: at(0),
        });
        assert!(diagnose(&t, &ChainContext::default()).findings.is_empty());
    }

    #[test]
    fn one_direction_is_incomplete_with_the_missing_side_named() {
        // Only the server's half: SYN-ACK, its flight, its FIN.
        let ch_less = vec![
            ev(1, Side::Server, EventKind::SynAck),
            ev(2, Side::Server, EventKind::Tls(TlsMsg::ServerHelloDone)),
            ev(3, Side::Server, EventKind::Fin),
        ];
        let t = trace(ch_less, [0, 3], Timing::default());
        let v = diagnose(&t, &ChainContext::default());
        assert_eq!(v.status, Status::Incomplete);
        assert_eq!(v.partial, Some(Partial::ClientMissing));
        assert!(v.failure.is_none());
        let note = v.note.unwrap_or_default();
        assert!(
            note.contains("Only the server's packets") && note.contains("none from the client"),
            "{note}"
        );
        // The client's half only.
        let t = trace(
            vec![
                ev(1, Side::Client, EventKind::Syn),
                enc(4, Side::Client),
                ev(5, Side::Client, EventKind::Rst),
            ],
            [3, 0],
            Timing::default(),
        );
        assert_eq!(
            diagnose(&t, &ChainContext::default()).partial,
            Some(Partial::ServerMissing)
        );
    }
}
