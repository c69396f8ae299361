//! Connections that carried no TLS, plaintext from a client to a TLS server,
//! and a server that answered the ClientHello with something that is not TLS.

use super::*;

pub(super) fn not_tls(t: &Trace, v: &View) -> Verdict {
    let client_plain = v.first(|e| e.from == Side::Client && matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    let server_tls =
        v.first(|e| e.from == Side::Server && matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));
    if let Some((_, c)) = client_plain {
        let server_answered = v.any_after(0, |e| {
            e.from == Side::Server && matches!(tls(e), Some(TlsMsg::NotTls { .. }))
        });
        if let Some((_, s)) = server_tls {
            return failed(
                NamedCause::ClientNotTls,
                Blame::Client,
                s.frame,
                format!(
                    "The client sent plaintext (frame {}) to a TLS server, which answered with TLS (frame {}): the client must use TLS (https://) for this port.",
                    c.frame, s.frame
                ),
            );
        }
        if !server_answered
            && TLS_PORTS.contains(&t.server_port)
            && let Some((_, close)) = v.first(|e| {
                e.from == Side::Server && matches!(e.kind, EventKind::Fin | EventKind::Rst) && e.frame >= c.frame
            })
        {
            return failed(
                NamedCause::ClientNotTls,
                Blame::Server,
                close.frame,
                format!(
                    "The client sent plaintext (frame {}) to port {}, a TLS port, and the server closed the connection (frame {}) without answering: the client must use TLS (https://) here.",
                    c.frame, t.server_port, close.frame
                ),
            );
        }
    }
    let note = if t.client_bytes == 0 && t.server_bytes == 0 {
        "TCP connection without payload: no TLS was attempted.".to_string()
    } else {
        "The connection carried no TLS.".to_string()
    };
    Verdict {
        status: Status::NotTls,
        failure: None,
        note: Some(note),
        findings: Vec::new(),
        partial: None,
    }
}

/// The server answered the ClientHello with bytes that are not TLS.
pub(super) fn answer(b: &Before, preview: &[u8], len: usize) -> Verdict {
    let (d, ch_ref) = (b.d, &b.ch_ref);
    let text = crate::escape::preview(preview);
    failed(
        NamedCause::ServerNotTls,
        Blame::Server,
        d.frame,
        format!(
            "The server answered the ClientHello{ch_ref} with {len} bytes that are not TLS (frame {}): \"{text}\". The port serves another protocol (plain HTTP?) or TLS is terminated elsewhere (\"Not a valid protocol version\"): point the client at the TLS port or enable TLS on the server.",
            d.frame
        ),
    )
}
