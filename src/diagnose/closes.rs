//! A FIN or RST ended the handshake: who closed, after what, and what that
//! means (a server refusing the client, a client rejecting the chain without
//! an alert, a missing client certificate, a key mismatch).

use super::evidence::Missed;
use super::incomplete::last_stage;
use super::*;

/// The failure a close shows: the first of these readings that fits.
pub(super) fn explain(b: &Before, chain: &ChainContext) -> Verdict {
    if let Some(v) = after_encryption(b, chain) {
        return v;
    }
    // The readings below rest on what a side did not send before the close:
    // where the capture missed that side's bytes, it does not show that.
    let missed = Missed::in_events(b.before);
    if let Some(v) = server_refused(b) {
        return if missed.server > 0 { missed.verdict(b) } else { v };
    }
    // No alert from the client, no certificate from the client.
    if let Some(v) = chain_rejected_without_alert(b, chain).or_else(|| client_certificate_missing(b)) {
        return if missed.client > 0 { missed.verdict(b) } else { v };
    }
    let waited = b.d.from == Side::Client && b.sh.is_none() && missed.server > 0;
    if missed.of(b.d.from) > 0 || waited {
        return missed.verdict(b);
    }
    aborted(b)
}

impl Missed {
    /// `incomplete`: the close is seen, not what the missed bytes held.
    fn verdict(&self, b: &Before) -> Verdict {
        let said: Vec<String> = [Side::Client, Side::Server]
            .into_iter()
            .filter(|s| self.of(*s) > 0)
            .map(|s| format!("{} of the {}'s bytes", self.of(s), s.name()))
            .collect();
        let note = format!(
            "The {} closed the connection ({}, frame {}) during the handshake, but the capture missed {} before that (frame {}: a snap length that cut the packets, or packets dropped by the capture), so it does not show what they held (an answer, an alert) nor who gave up. Capture with the full snap length (tcpdump -s 0) and check the capture's drop count.",
            b.d.from.name(),
            if b.d.kind == EventKind::Rst { "RST" } else { "FIN" },
            b.d.frame,
            said.join(" and "),
            self.frames()
        );
        super::incomplete::incomplete_note(note, None)
    }
}

/// The server closed right after the ClientHello without any TLS answer.
fn server_refused(b: &Before) -> Option<Verdict> {
    let d = b.d;
    let ch = b.ch;
    let ch_ref = &b.ch_ref;
    let server_answered = b.server_answered;
    let who = d.from;
    if who == Side::Server && !server_answered {
        let cause = if d.kind == EventKind::Rst {
            NamedCause::ServerReset
        } else {
            NamedCause::ServerClosed
        };
        return Some(failed(
            cause,
            Blame::Server,
            d.frame,
            format!(
                "The server {} the connection (frame {}) right after the ClientHello{ch_ref} without any TLS answer. The server (or a load balancer or firewall before it) refuses this client's TLS: check the server's TLS configuration and logs, the protocols and cipher suites it allows, and SNI routing{}.",
                if d.kind == EventKind::Rst { "reset" } else { "closed" },
                d.frame,
                ch.and_then(|(_, e)| sni_of(e))
                    .map(|s| format!(" (SNI \"{s}\")"))
                    .unwrap_or_else(|| " (the ClientHello carries no SNI)".into())
            ),
        ));
    }
    None
}

/// Closed after encryption began, or after a ServerKeyExchange that does not verify.
fn after_encryption(b: &Before, chain: &ChainContext) -> Option<Verdict> {
    let d = b.d;
    let sh = b.sh;
    let tls13 = b.tls13;
    let di = b.di;
    let ske = b.ske;
    let ccs_before = b.ccs_before;
    let how = if d.kind == EventKind::Fin { "FIN" } else { "RST" };
    let who = d.from;
    // With the session's keys the server's Certificate is visible: a client
    // closing after it is read as in TLS 1.2 (below), never worse.
    if tls13 && sh.is_some_and(|(i, _)| i < di) && !(who == Side::Client && b.server_cert.is_some()) {
        return Some(failed(
            NamedCause::HandshakeFailedEncrypted,
            who,
            d.frame,
            format!(
                "The {} closed the connection ({how}, frame {}) after the TLS 1.3 ServerHello (frame {}); everything after the ServerHello is encrypted, so the reason is not visible without keys (the session keys would show it: the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them).",
                who.name(),
                d.frame,
                sh.map(|(_, e)| e.frame).unwrap_or(0)
            ),
        ));
    }
    // (A TLS 1.3 ChangeCipherSpec is a compatibility no-op.)
    if ccs_before && !tls13 {
        return Some(failed(
            NamedCause::HandshakeFailedEncrypted,
            who,
            d.frame,
            format!(
                "The {} closed the connection ({how}, frame {}) after encryption began (ChangeCipherSpec), before the handshake completed: the reason is not visible without keys.",
                who.name(),
                d.frame
            ),
        ));
    }
    if who == Side::Client
        && ske.is_some()
        && let Some(m) = &chain.key_mismatch
    {
        return Some(failed(
            NamedCause::ServerKeyMismatch,
            Blame::Client,
            d.frame,
            format!(
                "The client closed the connection ({how}, frame {}) after the ServerKeyExchange (frame {}). {m}. A gateway reports this as \"Cannot verify ECDH ServerKeyExchange signature\": install the private key that belongs to the server's certificate.",
                d.frame,
                ske.map(|e| e.frame).unwrap_or(0)
            ),
        ));
    }
    None
}

/// The client closed right after the server's Certificate, without an alert.
fn chain_rejected_without_alert(b: &Before, chain: &ChainContext) -> Option<Verdict> {
    let d = b.d;
    let before = b.before;
    let server_cert = b.server_cert;
    let how = if d.kind == EventKind::Fin { "FIN" } else { "RST" };
    let who = d.from;
    if who == Side::Client
        && let Some(sc) = server_cert
    {
        let client_after = before
            .iter()
            .skip_while(|e| !std::ptr::eq(*e, sc))
            .any(|e| e.from == Side::Client && matches!(e.kind, EventKind::Tls(_)));
        if !client_after {
            return Some(failed(
                NamedCause::CertificateRejectedByClient,
                Blame::Client,
                d.frame,
                format!(
                    "The client closed the connection ({how}, frame {}) right after the server's Certificate (frame {}) without an alert: it did not accept the chain (what a Java client reports as \"PKIX path building failed\").{}",
                    d.frame,
                    sc.frame,
                    chain_sentence(chain)
                ),
            ));
        }
    }
    None
}

/// The server closed after asking for a client certificate the client did not send.
fn client_certificate_missing(b: &Before) -> Option<Verdict> {
    let d = b.d;
    let before = b.before;
    let cert_req = b.cert_req;
    let client_cert = b.client_cert;
    let how = if d.kind == EventKind::Fin { "FIN" } else { "RST" };
    let who = d.from;
    if who == Side::Server
        && let Some(cr) = cert_req
        && client_cert.is_none_or(|(_, n)| n == 0)
        && before
            .iter()
            .any(|e| e.from == Side::Client && e.frame > cr.frame && matches!(e.kind, EventKind::Tls(_)))
    {
        return Some(failed(
            NamedCause::ClientCertificateRequired,
            Blame::Server,
            d.frame,
            format!(
                "The server asked for a client certificate (frame {}), the client sent none, and the server closed the connection ({how}, frame {}): configure the client with a certificate the server accepts.",
                cr.frame, d.frame
            ),
        ));
    }
    None
}

/// Closed mid-handshake in a way nothing above explains.
fn aborted(b: &Before) -> Verdict {
    let d = b.d;
    let sh = b.sh;
    let before = b.before;
    let how = if d.kind == EventKind::Fin { "FIN" } else { "RST" };
    let who = d.from;
    let stage = last_stage(before);
    let cause = Cause::aborted(who);
    let extra = if who == Side::Client && sh.is_none() {
        " before the server answered the ClientHello: the client gave up waiting (timeout) or was stopped"
    } else {
        ""
    };
    failed(
        cause,
        who,
        d.frame,
        format!(
            "The {} closed the connection ({how}, frame {}) in the middle of the handshake{}{extra}, without a TLS alert; its logs should say why.",
            who.name(),
            d.frame,
            stage.map(|s| format!(" (last message: {s})")).unwrap_or_default()
        ),
    )
}
