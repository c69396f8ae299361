//! Failures after encryption began: TLS 1.3 after the ServerHello, TLS 1.2
//! after ChangeCipherSpec. Without keys the reason is inferred from who
//! closed and from record sizes, and said to be inferred.

use super::complete::suite_of;
use super::established::tls13_flight;
use super::*;

/// TLS 1.3: the server answered the client's encrypted flight with a record
/// of alert size and closed.
pub(super) fn server_rejected_flight(b: &Before) -> Verdict {
    let (d, v, di, sh) = (b.d, b.v, b.di, b.sh);
    // The client's flight after the ServerHello, by record sizes: OpenSSL-like
    // stacks send each handshake message in its own record.
    let shi = sh.map(|(i, _)| i).unwrap_or(0);
    let flight: Vec<usize> =
        v.ev.get(shi..di)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Tls(TlsMsg::Encrypted { len }) if e.from == Side::Client => Some(*len),
                _ => None,
            })
            .collect();
    // With the client's Finished found by its size, the records before it are
    // its Certificate (and CertificateVerify), whatever follows; else by count.
    let f = tls13_flight(v.ev, shi, sh.map(|(_, e)| suite_of(e)).unwrap_or(0));
    let (empty_cert, with_cert) = if f.finished.is_some() {
        (
            f.empty_certificate && f.certificate_records == 1,
            f.certificate_records >= 2 && flight.first().is_some_and(|&l| l > 200),
        )
    } else {
        (
            flight.len() == 2 && flight[0] <= 40,
            flight.len() == 3 && flight[0] > 200,
        )
    };
    let (cause, why) = if empty_cert {
        (
            NamedCause::ClientCertificateRequired,
            format!(
                "The client's encrypted flight was two records, the first of {} bytes: an empty Certificate (no client certificate) and its Finished (inferred from record sizes). The server requires a client certificate: configure the client with one the server accepts.",
                flight[0]
            ),
        )
    } else if with_cert {
        (
            NamedCause::ClientCertificateRejected,
            format!(
                "The client's encrypted flight was a Certificate of {} bytes, a CertificateVerify and a Finished (inferred from record sizes): the server rejected the client certificate. Its CA must be in the server's trust store.",
                flight[0]
            ),
        )
    } else {
        (
            NamedCause::HandshakeFailedEncrypted,
            "A server that gives up here most often rejected or missed the client's certificate; the session keys (the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them) would show it.".to_string(),
        )
    };
    failed(
        cause,
        Blame::Server,
        d.frame,
        format!(
            "The server answered the client's encrypted flight with an encrypted record of alert size in frame {} and closed the connection: it rejected the handshake (TLS 1.3 encrypts the alert). {why}",
            d.frame
        ),
    )
}

/// An encrypted alert (or the encrypted record that can only be one) ended the handshake.
pub(super) fn encrypted_alert(b: &Before, chain: &ChainContext) -> Verdict {
    let (d, tls13) = (b.d, b.tls13);
    let who = d.from.name();
    if let Some(v) = alert_before_servers_finished(b, chain) {
        return v;
    }
    let phase = if tls13 {
        "TLS 1.3 encrypts everything after the ServerHello".to_string()
    } else {
        "the alert was sent after ChangeCipherSpec and is encrypted".to_string()
    };
    let hint = if d.from == Side::Client && tls13 {
        " A client that gives up here most often rejected the server's certificate chain (an encrypted certificate alert); the session keys (the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them) would show it."
    } else if d.from == Side::Server && tls13 {
        " A server that gives up here most often rejected or missed the client's certificate, or the client's Finished; the session keys (the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them) would show it."
    } else {
        ""
    };
    failed(
        NamedCause::HandshakeFailedEncrypted,
        d.from,
        d.frame,
        format!(
            "The {who} ended the handshake with an encrypted alert in frame {} ({phase}), so its reason is not visible without keys.{hint}",
            d.frame
        ),
    )
}

/// TLS 1.2 and earlier: the client's encrypted alert after its own Finished
/// and before the server's. NSS (Firefox, and the products built on it)
/// verifies the server's chain only after sending its Finished: a chain it
/// rejects then ends the handshake with this alert.
fn alert_before_servers_finished(b: &Before, chain: &ChainContext) -> Option<Verdict> {
    let d = b.d;
    if b.tls13 || d.from != Side::Client || !matches!(tls(d), Some(TlsMsg::EncryptedAlert { .. })) {
        return None;
    }
    let finished = b
        .before
        .iter()
        .rev()
        .find(|e| is_msg(e, Side::Client, |m| *m == TlsMsg::EncryptedHandshake))?;
    let lead = format!(
        "The client sent its Finished (frame {}), then an encrypted alert (frame {}) before the server's Finished: it ended the handshake after verifying the server's chain, as NSS-based clients (Firefox, and products built on NSS) do.",
        finished.frame, d.frame
    );
    // A finding a client rejects (wrong_key_usage included: NSS checks the
    // extended key usage) explains the alert.
    if chain.rejected_after_handshake || chain.problem.is_some() {
        return Some(failed(
            NamedCause::CertificateRejectedByClient,
            Blame::Client,
            d.frame,
            format!(
                "{lead} The alert is encrypted, but the chain gives the reason such a client rejects it:{}",
                chain_sentence(chain)
            ),
        ));
    }
    Some(failed(
        NamedCause::HandshakeFailedEncrypted,
        Blame::Client,
        d.frame,
        format!(
            "{lead} The alert is encrypted and the chain gives no reason to reject it{}: the session keys (the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them) would show the alert.",
            if chain.checked && chain.trusted {
                " against the trust store given (the client's store may differ)"
            } else {
                ""
            }
        ),
    ))
}
