//! Did the handshake complete? And, when it did, what followed it.

use super::decisive::tls13_server_rejection;
use super::established::{Handshake, after_handshake, tls13_flight};
use super::*;

pub(super) fn suite_of(e: &Event) -> u16 {
    match tls(e) {
        Some(TlsMsg::ServerHello(s)) => s.cipher_suite,
        _ => 0,
    }
}

/// The verdict of a completed handshake: `ok` with what followed it, or a
/// client that verified the chain after the handshake and rejected it.
pub(super) fn established(
    t: &Trace,
    chain: &ChainContext,
    note: String,
    done: usize,
    sh: Option<(usize, &Event)>,
    tls13: bool,
) -> Verdict {
    let (shi, she) = sh.unwrap_or((0, &t.events[0]));
    let h = Handshake {
        done,
        tls13,
        cipher_suite: suite_of(she),
        server_hello: shi,
    };
    let after = after_handshake(t, h, chain.rejected_after_handshake);
    if let Some(close) = after.rejected_at {
        let mut v = failed(
            NamedCause::CertificateRejectedByClient,
            Blame::Client,
            close.frame,
            format!(
                "{note} Then the client closed the connection (frame {}) at once, without sending a request, and the server sent no data: inferred from that pattern, this client verifies the server's certificate after the handshake (nginx's proxy_ssl_verify and the gateways built on nginx, Node.js, a browser showing a certificate warning) and rejected it; a gateway reports a 502 (\"upstream SSL certificate verify error\"). A health check or a speculative connection that closes at once looks the same.{}",
                close.frame,
                chain.problem.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
            ),
        );
        v.findings = after.findings;
        return v;
    }
    Verdict {
        status: Status::Ok,
        failure: None,
        note: Some(note),
        findings: after.findings,
        partial: None,
    }
}

/// Whether the handshake completed: a sentence saying so, and the index of
/// the event that completed it.
pub(super) fn completed(v: &View, sh: Option<(usize, &Event)>, tls13: bool, sslv2: bool) -> Option<(String, usize)> {
    let (shi, she) = sh?;
    if sslv2 {
        let c =
            v.ev.iter()
                .skip(shi)
                .filter(|e| is_msg(e, Side::Client, |m| *m == TlsMsg::Sslv2Record))
                .count();
        let s =
            v.ev.iter()
                .skip(shi)
                .filter(|e| is_msg(e, Side::Server, |m| *m == TlsMsg::Sslv2Record))
                .count();
        return (c >= 2 && s >= 1).then(|| {
            (
                format!("SSL 2.0 handshake completed (server hello in frame {}).", she.frame),
                shi,
            )
        });
    }
    if tls13 {
        return tls13_completed(v, shi, she);
    }
    let done = |side: Side| -> Option<usize> {
        let (ci, _) =
            v.ev.iter()
                .enumerate()
                .find(|(_, e)| is_msg(e, side, |m| *m == TlsMsg::ChangeCipherSpec))?;
        v.ev.iter()
            .enumerate()
            .skip(ci + 1)
            .find(|(_, e)| is_msg(e, side, |m| *m == TlsMsg::EncryptedHandshake))
            .map(|(i, _)| i)
    };
    if let (Some(c), Some(s)) = (done(Side::Client), done(Side::Server)) {
        // An alert a side sent after its own Finished and before the peer's
        // (NSS verifies the chain after sending its Finished) ended the handshake.
        let (first, second) = if c < s { (c, s) } else { (s, c) };
        let early_alert = v.ev.get(first + 1..second).unwrap_or(&[]).iter().any(|e| {
            e.from == v.ev[first].from
                && matches!(tls(e), Some(TlsMsg::Alert { .. } | TlsMsg::EncryptedAlert { .. }))
                && !matches!(
                    tls(e),
                    Some(TlsMsg::Alert {
                        level: 1,
                        description: 0
                    })
                )
        });
        if early_alert {
            return None;
        }
        return Some((
            format!(
                "Handshake completed: Finished from the client in frame {} and from the server in frame {}.",
                v.ev[c].frame, v.ev[s].frame
            ),
            c.max(s),
        ));
    }
    // Application data both ways can only follow a completed handshake, even
    // when part of it could not be read.
    let data = |side: Side| {
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .find(|(_, e)| is_msg(e, side, |m| matches!(m, TlsMsg::Encrypted { .. })))
            .map(|(i, _)| i)
    };
    let (c, s) = (data(Side::Client)?, data(Side::Server)?);
    Some((
        format!(
            "Handshake completed: application data from the client (frame {}) and from the server (frame {}).",
            v.ev[c].frame, v.ev[s].frame
        ),
        c.min(s),
    ))
}

/// TLS 1.3 with the session's keys: Finished opened from both sides, and
/// no fatal alert (opened too) ending the handshake. None when the records
/// were not decrypted.
#[allow(clippy::option_option)]
fn tls13_decrypted(v: &View, shi: usize) -> Option<Option<(String, usize)>> {
    let fin = |side: Side| {
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .find(|(_, e)| is_msg(e, side, |m| *m == TlsMsg::Handshake(20)))
            .map(|(i, _)| i)
    };
    let (s, c) = (fin(Side::Server), fin(Side::Client));
    if s.is_none() && c.is_none() {
        return None;
    }
    let fatal =
        v.ev.iter()
            .skip(shi)
            .any(|e| is_msg(e, e.from, |m| matches!(m, TlsMsg::Alert { level: 2, .. })));
    let (Some(s), Some(c)) = (s, c) else { return Some(None) };
    if fatal {
        return Some(None);
    }
    Some(Some((
        format!(
            "TLS 1.3 handshake completed (decrypted): Finished from the server in frame {} and from the client in frame {}.",
            v.ev[s].frame, v.ev[c].frame
        ),
        c.max(s),
    )))
}

/// TLS 1.3: the client's encrypted flight answered (or followed by its data),
/// and no alert-sized answer rejecting a client certificate.
fn tls13_completed(v: &View, shi: usize, she: &Event) -> Option<(String, usize)> {
    if let Some(done) = tls13_decrypted(v, shi) {
        return done;
    }
    let client_enc: Vec<usize> =
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .filter(|(_, e)| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::Encrypted { .. })))
            .map(|(i, _)| i)
            .collect();
    let first = *client_enc.first()?;
    let server_after =
        v.ev.iter()
            .skip(first + 1)
            .any(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::Encrypted { .. })));
    // The client's data after its Finished, with no client certificate in its
    // flight, proves completion: the server's small answer is data, not a rejection.
    let flight = tls13_flight(v.ev, shi, suite_of(she));
    let proven = flight.finished.is_some() && flight.certificate_records == 0 && flight.data_after_finished.is_some();
    if !proven && tls13_server_rejection(v, shi).is_some() {
        return None;
    }
    if client_enc.len() >= 2 || server_after {
        let fin = flight.finished.unwrap_or(first);
        return Some((
            format!(
                "TLS 1.3 handshake completed: ServerHello in frame {}, the client's encrypted Finished in frame {}.",
                she.frame, v.ev[fin].frame
            ),
            fin,
        ));
    }
    None
}
