//! A plaintext alert decided the handshake: what it means for the other
//! side, and which cause it is (versions, ciphers, SNI, client certificates,
//! the chain, a key mismatch).

use super::*;
use crate::tls::wire::AlertDescription;

/// The failure an alert shows.
pub(super) fn explain(b: &Before, level: u8, description: u8, chain: &ChainContext) -> Verdict {
    let d = b.d;
    let a = AlertSeen {
        level,
        description,
        from: d.from,
        frame: d.frame,
    };
    let base = format!(
        "The {} sent alert {} in frame {}: {}.",
        d.from.name(),
        alert_text(level, description),
        d.frame,
        meaning_for(description, d.from)
    );
    let (cause, text) = cause_of(b, (level, description), base, chain);
    failure(Status::Failed, cause, d.from.into(), Some(d.frame), Some(a), text)
}

/// The cause an alert shows, and the explanation that starts with `base`.
fn cause_of(b: &Before, (level, description): (u8, u8), base: String, chain: &ChainContext) -> (Cause, String) {
    let (d, ch, sh, ch_ref) = (b.d, b.ch, b.sh, &b.ch_ref);
    let (server_cert, cert_req, client_cert, ske) = (b.server_cert, b.cert_req, b.client_cert, b.ske);
    let (who, other) = (d.from.name(), d.from.other().name());
    let at = alert_text(level, description);
    let key_mismatch_explains =
        d.from == Side::Client && ske.is_some() && chain.key_mismatch.is_some() && !is_cert_alert(description);
    use AlertDescription as A;
    match AlertDescription::from(description) {
        _ if key_mismatch_explains => (
            Cause::Named(NamedCause::ServerKeyMismatch),
            format!(
                "{base} {}. A gateway reports this as \"Cannot verify ECDH ServerKeyExchange signature\": install the private key that belongs to the server's certificate.",
                chain.key_mismatch.clone().unwrap_or_default()
            ),
        ),
        A::ProtocolVersion => (
            Cause::Named(NamedCause::NoSharedVersion),
            format!(
                "{base} The {who} does not accept the TLS version{}{}: enable a common version (TLS 1.2 or 1.3) on both ends.",
                ch.map(|(_, e)| offered_versions(e)).unwrap_or_default(),
                ch_ref
            ),
        ),
        A::HandshakeFailure | A::InsufficientSecurity if d.from == Side::Server && sh.is_none() => (
            Cause::Named(NamedCause::NoSharedCipher),
            format!(
                "{base} The server accepted none of the {} cipher suites the client offered{ch_ref}: enable a common cipher suite (and signature algorithm / group) on one side.",
                ch.map(|(_, e)| offered_count(e)).unwrap_or(0)
            ),
        ),
        // Go and Java servers answer a missing client certificate with bad_certificate (42).
        A::HandshakeFailure | A::BadCertificate | A::InsufficientSecurity | A::CertificateRequired
            if d.from == Side::Server && cert_req.is_some() && client_cert.is_none_or(|(_, n)| n == 0) =>
        {
            (
                Cause::Named(NamedCause::ClientCertificateRequired),
                format!(
                    "{base} The server asked for a client certificate (CertificateRequest, frame {}) and the client sent {}: configure the client (gateway) with a client certificate and key the server accepts.",
                    cert_req.map(|e| e.frame).unwrap_or(0),
                    match client_cert {
                        Some((f, _)) => format!("an empty Certificate (frame {f})"),
                        None => "none".into(),
                    }
                ),
            )
        }
        A::CertificateRequired => (
            Cause::Named(NamedCause::ClientCertificateRequired),
            format!("{base} Configure the client with a certificate the server accepts."),
        ),
        A::UnrecognizedName => (
            Cause::Named(NamedCause::SniRejected),
            format!(
                "{base} The server does not serve the name the client asked for{}: fix the host name the client uses, or add it to the server's configuration.",
                ch.and_then(|(_, e)| sni_of(e))
                    .map(|s| format!(" (SNI \"{s}\")"))
                    .unwrap_or_default()
            ),
        ),
        d2 if (is_cert_alert(d2.into()) || d2 == A::HandshakeFailure)
            && d.from == Side::Server
            && client_cert.is_some_and(|(_, n)| n > 0) =>
        {
            (
                Cause::Named(NamedCause::ClientCertificateRejected),
                format!(
                    "{base} The server rejected the client certificate the client sent in frame {}: the server's trust store must hold the CA of the client's certificate, and the certificate must be valid.",
                    client_cert.map(|(f, _)| f).unwrap_or(0)
                ),
            )
        }
        d2 if is_cert_alert(d2.into()) && d.from == Side::Client => (
            Cause::Named(NamedCause::CertificateRejectedByClient),
            format!(
                "The client rejected the server's certificate chain{} with alert {at} in frame {}: {}.{}",
                server_cert
                    .map(|e| format!(" (sent in frame {})", e.frame))
                    .unwrap_or_default(),
                d.frame,
                meaning_for(d2.into(), Side::Client),
                chain_sentence(chain)
            ),
        ),
        A::CloseNotify | A::UserCanceled => (
            Cause::aborted(d.from),
            format!("{base} The {who} ended the handshake before it completed; the {other} had not failed it."),
        ),
        _ => (Cause::Alert(description), base),
    }
}
