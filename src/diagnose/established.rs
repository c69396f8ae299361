//! After a completed handshake: a client that verified the chain afterwards
//! and closed without a request, a client certificate asked for and not
//! sent, a reset after a silence or in the middle of the data. Pure: from a
//! connection's events and times to findings (and, for a post-handshake
//! rejection, the failure).

use crate::chain::{Finding, FindingCode};
use crate::connection::{Event, EventKind, Mark, Side, Trace, seconds_between};
use crate::tls::TlsMsg;

/// Largest encrypted record that can only be an alert: 2 bytes of alert, the
/// inner content type and a 16-byte AEAD tag make 19; allow a little padding.
pub const ALERT_RECORD_MAX: usize = 24;
/// A TLS 1.3 record holding an empty client Certificate: 4 bytes of header,
/// an empty request context and an empty list (8), the inner type, the tag.
pub const EMPTY_CERTIFICATE_RECORD: usize = 8 + 1 + 16;
/// A silence of at least this long before a RST makes `reset_after_idle`.
pub const IDLE_SECONDS: f64 = 1.0;

/// The client's encrypted records after a TLS 1.3 ServerHello, read by size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls13Flight {
    /// Index (in the events) of the record of exactly Finished's size.
    pub finished: Option<usize>,
    /// Records before the Finished: a Certificate (and CertificateVerify).
    pub certificate_records: usize,
    /// The first of those is an empty Certificate.
    pub empty_certificate: bool,
    /// A record larger than an alert after the Finished: application data.
    pub data_after_finished: Option<usize>,
}

/// The size of the client's TLS 1.3 Finished record: the verify data (the
/// hash's size), 4 bytes of header, the inner type and the tag.
pub fn finished_record_len(cipher_suite: u16) -> usize {
    let hash = if cipher_suite == 0x1302 { 48 } else { 32 };
    let tag = if cipher_suite == TLS_AES_128_CCM_8_SHA256 {
        8
    } else {
        16
    };
    hash + 4 + 1 + tag
}

fn encrypted_len(e: &Event) -> Option<usize> {
    match &e.kind {
        EventKind::Tls(TlsMsg::Encrypted { len }) => Some(*len),
        _ => None,
    }
}

/// Reads the client's flight from `shi` (the ServerHello's index) on.
pub fn tls13_flight(ev: &[Event], shi: usize, cipher_suite: u16) -> Tls13Flight {
    let fin_len = finished_record_len(cipher_suite);
    let client: Vec<(usize, usize)> = ev
        .iter()
        .enumerate()
        .skip(shi)
        .filter(|(_, e)| e.from == Side::Client)
        .filter_map(|(i, e)| encrypted_len(e).map(|l| (i, l)))
        .collect();
    let mut f = Tls13Flight::default();
    let Some(k) = client.iter().position(|&(_, l)| l == fin_len) else {
        return f;
    };
    f.finished = Some(client[k].0);
    f.certificate_records = k;
    f.empty_certificate = k >= 1 && client[0].1 == EMPTY_CERTIFICATE_RECORD;
    f.data_after_finished = client[k + 1..]
        .iter()
        .find(|&&(_, l)| l > ALERT_RECORD_MAX)
        .map(|&(i, _)| i);
    f
}

/// What a completed handshake was followed by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Afterwards {
    /// The client closed without a request after a chain it would reject:
    /// the client's first closing event.
    pub rejected_at: Option<Mark>,
    pub findings: Vec<Finding>,
}

/// The facts `after_handshake` needs beyond the events.
#[derive(Clone, Copy, Debug, Default)]
pub struct Handshake {
    /// Index of the event that completed the handshake (the last Finished
    /// or, in TLS 1.3, the client's Finished).
    pub done: usize,
    pub tls13: bool,
    pub cipher_suite: u16,
    /// Index of the (non-retry) ServerHello.
    pub server_hello: usize,
}

/// Looks at what followed a completed handshake. `rejectable`: the visible
/// chain has a finding that a client verifying after the handshake rejects.
pub fn after_handshake(t: &Trace, h: Handshake, rejectable: bool) -> Afterwards {
    let mut out = Afterwards::default();
    let flight = h.tls13.then(|| tls13_flight(&t.events, h.server_hello, h.cipher_suite));
    let close = requestless_close(t, h).filter(|c| !server_sent_data(t, h, c.at.frame));
    if let Some(close) = close {
        if rejectable && close.after <= REJECTION_WINDOW_SECONDS {
            out.rejected_at = Some(close.at);
        } else {
            out.findings.push(Finding {
                code: FindingCode::ClosedWithoutRequest,
                cert_index: None,
                message: format!(
                    "the handshake completed and the client closed the connection (frame {}, {:.1} s later) without sending a request: a client that verifies the certificate after the handshake (nginx's proxy_ssl_verify, Node.js) against a trust store that differs from the one given, a health check, or a speculative connection",
                    close.at.frame, close.after
                ),
            });
        }
    }
    if let Some(f) = certificate_not_sent(t, flight.as_ref()) {
        out.findings.push(f);
    }
    if let Some(f) = reset_finding(t) {
        out.findings.push(f);
    }
    out
}

/// A TLS 1.3 record that can hold an alert and nothing else: 2 bytes of
/// alert, the inner content type and the AEAD tag (16 bytes, 8 with
/// AES-128-CCM-8). Padded alerts cannot be told from short data by size.
pub fn alert_sized(len: usize, cipher_suite: u16) -> bool {
    len == 2 + 1 + 16 || (cipher_suite == TLS_AES_128_CCM_8_SHA256 && len == 2 + 1 + 8)
}

/// How long after the handshake a client's close may come for the
/// post-handshake rejection to be inferred (a client that verifies and
/// rejects closes at once; a health check or speculative connection may not).
pub const REJECTION_WINDOW_SECONDS: f64 = 1.0;

/// The client's close after a completed handshake, when nothing but that
/// close followed the client's Finished and the server sent no data.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RequestlessClose {
    /// The client's first closing event: its alert, or its FIN/RST.
    at: Mark,
    /// Seconds from the last handshake message to that close.
    after: f64,
}

/// Server records after the handshake and before the client's close (at
/// `close`) that can only be data: TLS 1.2 application data or heartbeats;
/// in TLS 1.3 (where tickets are encrypted records too) more than two
/// records, or one larger than a ticket. Records past the listed ones are
/// counted as before the close when the last listed one is.
fn server_sent_data(t: &Trace, h: Handshake, close: u64) -> bool {
    if t.heartbeats[1] > 0 {
        return true;
    }
    let after = t.events.get(h.done + 1..).unwrap_or(&[]);
    let server = |e: &&Event| e.from == Side::Server;
    if after
        .iter()
        .filter(server)
        .any(|e| e.frame < close && matches!(e.kind, EventKind::Tls(TlsMsg::ApplicationData { .. })))
    {
        return true;
    }
    let listed: Vec<&Event> = t
        .events
        .iter()
        .filter(server)
        .filter(|e| encrypted_len(e).is_some())
        .collect();
    let unlisted = t.encrypted_counts[1].saturating_sub(listed.len() as u64);
    let unlisted_before = if listed.last().is_none_or(|e| e.frame < close) {
        unlisted
    } else {
        0
    };
    let between: Vec<usize> = after
        .iter()
        .filter(server)
        .filter(|e| e.frame < close)
        .filter_map(encrypted_len)
        .collect();
    if !h.tls13 {
        return !between.is_empty() || unlisted_before > 0;
    }
    between.len() as u64 + unlisted_before > 2 || between.iter().any(|&l| l > TICKET_RECORD_MAX)
}

/// The largest TLS 1.3 record read as a NewSessionTicket rather than data.
const TICKET_RECORD_MAX: usize = 512;

/// The client's close, when the client sent nothing after its Finished but
/// that close (an alert, or in TLS 1.3 an alert-sized last record before
/// its own FIN/RST that no server data answered), and closed first.
fn requestless_close(t: &Trace, h: Handshake) -> Option<RequestlessClose> {
    let after = t.events.get(h.done + 1..)?;
    if t.heartbeats[0] > 0
        || after
            .iter()
            .any(|e| e.from == Side::Client && matches!(e.kind, EventKind::Tls(TlsMsg::ApplicationData { .. })))
    {
        return None;
    }
    let fin_or_rst = |e: &Event| matches!(e.kind, EventKind::Fin | EventKind::Rst);
    // The client's FIN/RST, and its records between its Finished and that.
    let client_close = after.iter().position(|e| e.from == Side::Client && fin_or_rst(e));
    let upto = &after[..client_close.map_or(after.len(), |i| i + 1)];
    let records: Vec<&Event> = upto
        .iter()
        .filter(|e| e.from == Side::Client && matches!(e.kind, EventKind::Tls(_)))
        .collect();
    let close = client_close.and_then(|i| after.get(i));
    let first: &Event = if h.tls13 {
        // More records than listed: the client sent more than a close.
        let listed = t
            .events
            .iter()
            .filter(|e| e.from == Side::Client && encrypted_len(e).is_some());
        if t.encrypted_counts[0] > listed.count() as u64 {
            return None;
        }
        match (records.as_slice(), close) {
            ([], Some(c)) => c,
            // Opened with the session's keys: an alert says what it is.
            ([r], _) if matches!(r.kind, EventKind::Tls(TlsMsg::Alert { .. })) => r,
            // Alert-sized, its last record before its own FIN/RST, and no
            // server record answered it (then it was a request, a PING).
            ([r], Some(c)) if encrypted_len(r).is_some_and(|l| alert_sized(l, h.cipher_suite)) => {
                let answered = after
                    .iter()
                    .skip_while(|e| !std::ptr::eq(*e, *r))
                    .take_while(|e| !std::ptr::eq(*e, c))
                    .any(|e| e.from == Side::Server && encrypted_len(e).is_some());
                if answered {
                    return None;
                }
                r
            }
            _ => return None,
        }
    } else {
        if t.encrypted_counts[0] > 0 {
            return None;
        }
        match (records.as_slice(), close) {
            ([], Some(c)) => c,
            ([r, ..], _)
                if matches!(
                    r.kind,
                    EventKind::Tls(TlsMsg::Alert { .. } | TlsMsg::EncryptedAlert { .. })
                ) =>
            {
                r
            }
            _ => return None,
        }
    };
    // The client closed first: no server alert, FIN or RST before it.
    let server_closed_first = after.iter().take_while(|e| !std::ptr::eq(*e, first)).any(|e| {
        e.from == Side::Server
            && (fin_or_rst(e)
                || matches!(
                    e.kind,
                    EventKind::Tls(TlsMsg::Alert { .. } | TlsMsg::EncryptedAlert { .. })
                ))
    });
    if server_closed_first {
        return None;
    }
    let ts = match first.kind {
        EventKind::Rst => t.timing.first_rst.map(|m| m.ts),
        EventKind::Fin => t.timing.first_fin.map(|m| m.ts),
        _ => t.time_of(first.frame),
    }
    .unwrap_or(t.timing.end);
    let done_at = t
        .events
        .get(h.done)
        .and_then(|e| t.time_of(e.frame))
        .unwrap_or(t.timing.start);
    Some(RequestlessClose {
        at: Mark {
            frame: first.frame,
            from: Side::Client,
            ts,
        },
        after: seconds_between(done_at, ts),
    })
}

fn certificate_not_sent(t: &Trace, flight: Option<&Tls13Flight>) -> Option<Finding> {
    let message = |how: String| Finding {
        code: FindingCode::ClientCertificateNotSent,
        cert_index: None,
        message: format!(
            "the server asked for a client certificate and the client sent none ({how}), yet the handshake completed: servers such as nginx with ssl_verify_client then answer 400 (\"No required SSL certificate was sent\") inside TLS; configure the client with a certificate the server accepts"
        ),
    };
    // The CertificateRequest in the clear (TLS 1.2) or opened with the
    // session's keys (TLS 1.3) says it; else TLS 1.3 record sizes infer it.
    let opened = t
        .events
        .iter()
        .any(|e| e.from == Side::Server && matches!(e.kind, EventKind::Tls(TlsMsg::CertificateRequest(_))));
    if let Some(f) = flight.filter(|_| !opened) {
        return (f.empty_certificate && f.certificate_records == 1).then(|| {
            message(
                "TLS 1.3: an empty Certificate, inferred from the size of the client's first encrypted record".into(),
            )
        });
    }
    let request = t
        .events
        .iter()
        .find(|e| e.from == Side::Server && matches!(e.kind, EventKind::Tls(TlsMsg::CertificateRequest(_))))?;
    let sent = t.events.iter().find_map(|e| match &e.kind {
        EventKind::Tls(TlsMsg::Certificate(c)) if e.from == Side::Client => Some((e.frame, c.len())),
        _ => None,
    });
    match sent {
        Some((_, n)) if n > 0 => None,
        Some((frame, _)) => Some(message(format!(
            "CertificateRequest in frame {}, an empty Certificate in frame {frame}",
            request.frame
        ))),
        None => Some(message(format!(
            "CertificateRequest in frame {}, no Certificate",
            request.frame
        ))),
    }
}

/// reset_after_idle or reset_mid_stream for a connection ended by a RST.
fn reset_finding(t: &Trace) -> Option<Finding> {
    let tm = &t.timing;
    let (first, is_rst) = tm.first_close()?;
    let rst = tm.first_rst?;
    if !is_rst {
        return closed_idle_then_reset(t, first, rst);
    }
    // Only a RST that ended the connection.
    if first.frame != rst.frame {
        return None;
    }
    let last = tm.data_tail[1]?;
    let who = rst.from.name();
    let silence = seconds_between(last.ts, rst.ts);
    let before_last = tm.data_tail[0].map(|p| seconds_between(p.ts, last.ts)).unwrap_or(0.0);
    // The silence ends with the RST, or with the client's request that the RST answers.
    let idle = if silence >= IDLE_SECONDS {
        Some((silence, None))
    } else if is_close_record(t, last) {
        // A close_notify in front of the RST is part of the close: the
        // silence is the one before it.
        (before_last >= IDLE_SECONDS).then_some((before_last, None))
    } else if last.from == Side::Client && rst.from == Side::Server && before_last >= IDLE_SECONDS {
        Some((before_last, Some(last.frame)))
    } else {
        None
    };
    if let Some((secs, request)) = idle {
        return Some(idle_finding(rst, secs, "", request));
    }
    if is_close_record(t, last) {
        return None;
    }
    // Data still flowing (not after the resetter's close_notify).
    if closed_by_alert(t, rst) {
        return None;
    }
    Some(Finding {
        code: FindingCode::ResetMidStream,
        cert_index: None,
        message: format!(
            "the {who} reset the established connection (RST, frame {}) while data was still flowing (last data in frame {}, {silence:.3} s before): it aborted mid-stream (a crash, a timeout, a proxy giving up); check the {who}'s logs",
            rst.frame, last.frame
        ),
    })
}

/// reset_after_idle for a RST `secs` after the last data (`at_least`:
/// "at least ", when the silence began before the capture did).
fn idle_finding(rst: Mark, secs: f64, at_least: &str, request: Option<u64>) -> Finding {
    let who = rst.from.name();
    let (mine, theirs) = match rst.from {
        Side::Server => ("server", "client"),
        Side::Client => ("client", "server"),
    };
    Finding {
        code: FindingCode::ResetAfterIdle,
        cert_index: None,
        message: format!(
            "the {who} reset the established connection (RST, frame {}) after {at_least}{secs:.1} s without data{}: an idle timeout on the {mine} side (a load balancer's, e.g. 350 s on an AWS NLB, or the backend's keep-alive timeout) is shorter than the {theirs}'s keep-alive. Make the {theirs}'s idle keep-alive shorter than the {mine} side's idle timeout (or raise that timeout)",
            rst.frame,
            match (request, at_least.is_empty()) {
                (Some(f), _) => format!(", right after the client's next request (frame {f})"),
                (None, false) => " (none since before the capture began)".to_string(),
                (None, true) => String::new(),
            }
        ),
    }
}

/// A connection older than the capture, ended by a RST: the silence before
/// it is at least what the capture shows of it when no data was captured.
pub(super) fn started_late_reset(t: &Trace) -> Option<Finding> {
    let tm = &t.timing;
    if tm.data_tail[1].is_some() {
        return reset_finding(t);
    }
    let (first, is_rst) = tm.first_close()?;
    let rst = tm.first_rst?;
    if !is_rst || first.frame != rst.frame {
        return None;
    }
    let secs = seconds_between(tm.start, rst.ts);
    (secs >= IDLE_SECONDS).then(|| idle_finding(rst, secs, "at least ", None))
}

/// A side closed an idle connection (its close_notify and FIN), the peer
/// did not notice and sent its next request, and that was answered by a
/// RST: the keep-alive race behind a gateway's 502 after an idle time.
fn closed_idle_then_reset(t: &Trace, fin: Mark, rst: Mark) -> Option<Finding> {
    let tm = &t.timing;
    let request = tm.data_tail[1]?;
    if rst.from != fin.from || request.from == fin.from || request.frame <= fin.frame || rst.frame < request.frame {
        return None;
    }
    // The silence ends with the closer's close_notify (when it sent one) or its FIN.
    let before = tm.data_before_close?;
    let (quiet_from, quiet_to, notify) = if before.from == fin.from && is_close_record(t, before) {
        (tm.data_before_close_prev?, before.ts, Some(before.frame))
    } else {
        (before, fin.ts, None)
    };
    let secs = seconds_between(quiet_from.ts, quiet_to);
    if secs < IDLE_SECONDS {
        return None;
    }
    let (closer, peer) = (fin.from.name(), fin.from.other().name());
    Some(Finding {
        code: FindingCode::ResetAfterIdle,
        cert_index: None,
        message: format!(
            "the {closer} closed the connection after {secs:.1} s without data ({}FIN frame {}), the {peer} sent its next request anyway (frame {}) and the {closer} reset it (RST, frame {}): an idle timeout on the {closer} side (a backend's keep-alive timeout, a load balancer's) is shorter than the {peer}'s keep-alive, and the {peer} reused the connection after the {closer} had closed it. Make the {peer}'s idle keep-alive shorter than the {closer}'s idle timeout (or raise that timeout)",
            notify.map(|f| format!("close_notify frame {f}, ")).unwrap_or_default(),
            fin.frame,
            request.frame,
            rst.frame
        ),
    })
}

/// A side's last record, when it is an alert: content type 21 (plaintext,
/// or encrypted before TLS 1.3) or a TLS 1.3 record of an alert's size
/// (either tag size: the suite is not known here).
fn last_record_if_alert(t: &Trace, side: Side) -> Option<crate::tls::RecordMark> {
    t.last_records[usize::from(side == Side::Server)]
        .filter(|r| r.content_type == 21 || (r.content_type == 23 && alert_sized(r.len, TLS_AES_128_CCM_8_SHA256)))
}

/// The suite whose records have an 8-byte tag.
const TLS_AES_128_CCM_8_SHA256: u16 = 0x1305;

/// The payload segment `m` carried its side's last record, and that record
/// is an alert (a close_notify, part of the close).
pub fn is_close_record(t: &Trace, m: Mark) -> bool {
    last_record_if_alert(t, m.from).is_some_and(|r| r.frame == m.frame)
}

/// The resetter's last record before its RST is an alert (a close_notify).
fn closed_by_alert(t: &Trace, rst: Mark) -> bool {
    last_record_if_alert(t, rst.from).is_some_and(|r| r.frame <= rst.frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::connection::Timing;

    fn at(ms: i64) -> Timestamp {
        Timestamp {
            secs: 1_780_000_000 + ms / 1000,
            nanos: (ms % 1000) as u32 * 1_000_000,
        }
    }
    fn mark(frame: u64, from: Side, ms: i64) -> Mark {
        Mark {
            frame,
            from,
            ts: at(ms),
        }
    }
    fn trace(events: Vec<Event>, timing: Timing) -> Trace {
        Trace {
            events,
            timing,
            ..Trace::default()
        }
    }
    fn codes(t: &Trace) -> Vec<String> {
        reset_finding(t).into_iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn a_reset_after_a_silence_is_reset_after_idle() {
        let timing = Timing {
            data_tail: [Some(mark(12, Side::Client, 0)), Some(mark(13, Side::Server, 5))],
            first_rst: Some(mark(15, Side::Server, 2505)),
            ..Timing::default()
        };
        let f = reset_finding(&trace(vec![], timing)).unwrap();
        assert_eq!(f.code.as_str(), "reset_after_idle");
        assert!(
            f.message.contains("the server reset") && f.message.contains("after 2.5 s without data"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_reset_answering_a_request_after_a_silence_is_reset_after_idle() {
        let timing = Timing {
            data_tail: [Some(mark(13, Side::Server, 0)), Some(mark(17, Side::Client, 350_000))],
            first_rst: Some(mark(18, Side::Server, 350_001)),
            ..Timing::default()
        };
        let f = reset_finding(&trace(vec![], timing)).unwrap();
        assert!(
            f.message.contains("after 350.0 s") && f.message.contains("next request (frame 17)"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_reset_while_data_flows_is_reset_mid_stream() {
        let timing = Timing {
            data_tail: [Some(mark(52, Side::Server, 100)), Some(mark(53, Side::Server, 110))],
            first_rst: Some(mark(54, Side::Server, 115)),
            ..Timing::default()
        };
        assert_eq!(codes(&trace(vec![], timing)), vec!["reset_mid_stream"]);
    }

    #[test]
    fn a_reset_after_a_fin_or_a_close_notify_is_no_finding() {
        let timing = Timing {
            data_tail: [Some(mark(12, Side::Client, 0)), Some(mark(13, Side::Server, 5))],
            first_fin: Some(mark(14, Side::Server, 6)),
            first_rst: Some(mark(16, Side::Client, 7)),
            ..Timing::default()
        };
        assert!(codes(&trace(vec![], timing)).is_empty());
        let timing = Timing {
            data_tail: [Some(mark(12, Side::Client, 0)), Some(mark(13, Side::Server, 5))],
            first_rst: Some(mark(15, Side::Client, 7)),
            ..Timing::default()
        };
        let close_notify = Event {
            frame: 14,
            from: Side::Client,
            kind: EventKind::Tls(TlsMsg::EncryptedAlert { len: 26 }),
        };
        // The tracer records each side's last record with the events.
        let mut t = trace(vec![close_notify], timing);
        t.last_records[0] = Some(crate::tls::RecordMark {
            frame: 14,
            content_type: 21,
            len: 26,
        });
        assert!(codes(&t).is_empty());
    }

    #[test]
    fn the_tls13_flight_is_read_by_record_sizes() {
        let ev: Vec<Event> = [
            (Side::Server, 90),
            (Side::Client, 25),
            (Side::Client, 53),
            (Side::Client, 300),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(from, len))| Event {
            frame: i as u64,
            from,
            kind: EventKind::Tls(TlsMsg::Encrypted { len }),
        })
        .collect();
        let f = tls13_flight(&ev, 0, 0x1301);
        assert_eq!(f.finished, Some(2));
        assert_eq!(f.certificate_records, 1);
        assert!(f.empty_certificate);
        assert_eq!(f.data_after_finished, Some(3));
        assert_eq!(
            tls13_flight(&ev, 0, 0x1302).finished,
            None,
            "SHA-384 suites have 69-byte Finished records"
        );
    }
}
