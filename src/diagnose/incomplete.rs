//! A capture that starts or ends in the middle of a handshake: nothing shows
//! who gave up.

use super::*;

pub(super) fn last_stage(before: &[Event]) -> Option<String> {
    before.iter().rev().find_map(|e| match tls(e) {
        Some(m) if !matches!(m, TlsMsg::NotTls { .. } | TlsMsg::Malformed(_)) => {
            Some(format!("{} from the {}, frame {}", m.name(), e.from.name(), e.frame))
        }
        _ => None,
    })
}

pub(super) fn incomplete(t: &Trace, saw_ch: bool, v: &View) -> Verdict {
    let note = if !saw_ch {
        let enc = t.encrypted_counts[0] > 0 && t.encrypted_counts[1] > 0;
        if enc {
            "The capture starts after the handshake: encrypted data flows both ways, so it had succeeded before the capture began.".to_string()
        } else {
            "The capture starts in the middle of the handshake (no ClientHello): nothing shows how it began."
                .to_string()
        }
    } else {
        let last = v.ev.iter().rev().find(|e| matches!(e.kind, EventKind::Tls(_)));
        format!(
            "The capture ends (frame {}) before the handshake completed{}; nothing shows who gave up. Capture longer, or check the capture filter and that it ran on the right host.",
            t.last_frame,
            last.map(|e| format!(
                ", last message {} from the {} in frame {}",
                tls(e).map(TlsMsg::name).unwrap_or_default(),
                e.from.name(),
                e.frame
            ))
            .unwrap_or_default()
        )
    };
    Verdict {
        status: Status::Incomplete,
        failure: None,
        note: Some(note),
        findings: Vec::new(),
        partial: None,
    }
}

/// No TLS could be read, and the capture missed bytes of the connection
/// (a snap length, drops): never "not TLS", since what it missed may have been.
pub(super) fn all_missed(t: &Trace, v: &View) -> Option<Verdict> {
    let missed = super::evidence::Missed::in_events(v.ev).total();
    let plaintext = v.ev.iter().any(|e| matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    if missed == 0 || plaintext {
        return None;
    }
    let note = format!(
        "The capture missed {missed} of this connection's {} payload bytes (a snap length that cut the packets, or packets dropped by the capture), and no TLS record could be read from what it kept: nothing shows whether it carried TLS or how a handshake went. Capture with the full snap length (tcpdump -s 0).",
        t.client_bytes + t.server_bytes
    );
    Some(incomplete_note(note, None))
}

/// `incomplete` with this note: the capture does not show how it ended.
pub(super) fn incomplete_note(note: String, partial: Option<Partial>) -> Verdict {
    Verdict {
        status: Status::Incomplete,
        failure: None,
        note: Some(note),
        findings: Vec::new(),
        partial,
    }
}
