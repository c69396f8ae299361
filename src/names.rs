//! Names of protocol numbers as users know them: TLS versions, alerts,
//! handshake message types and cipher suites (IANA names, from tls-parser).

use std::borrow::Cow;

/// "TLS 1.2", "SSL 3.0", "TLS 1.3 (draft 23)", or the raw value.
pub fn version_name(v: u16) -> Cow<'static, str> {
    // Known names are static: every connection's report names its version.
    match v {
        0x0002 => "SSL 2.0".into(),
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0x7f00..=0x7fff => format!("TLS 1.3 (draft {})", v & 0xff).into(),
        0x7e01 => "TLS 1.3 (Facebook draft)".into(),
        v if is_grease(v) => format!("GREASE (0x{v:04x})").into(),
        v => format!("0x{v:04x}").into(),
    }
}

/// TLS 1.3 and its drafts encrypt everything after the ServerHello.
pub fn is_tls13(v: u16) -> bool {
    v == 0x0304 || (0x7f00..=0x7fff).contains(&v) || v == 0x7e01
}

/// GREASE values (RFC 8701): 0x?a?a with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// Alert description name as RFC 8446 and the IANA registry spell it.
pub fn alert_name(d: u8) -> String {
    let s = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => return format!("unknown_{d}"),
    };
    s.to_string()
}

/// What an alert means for the other side, in a few words.
pub fn alert_meaning(d: u8) -> &'static str {
    match d {
        0 => "the sender is closing the connection",
        10 => "the sender received a message it did not expect at that point",
        20 => "a record failed its integrity check",
        40 => "the sender found no acceptable set of parameters (cipher suites, groups, signature algorithms)",
        42 => "the sender found the peer's certificate bad",
        43 => "the sender does not support the type of the peer's certificate",
        44 => "the sender says the peer's certificate was revoked",
        45 => "the sender says the peer's certificate has expired or is not yet valid",
        46 => "the sender could not accept the peer's certificate (often: no path to a trusted root)",
        47 => "a field in the peer's message was out of range or inconsistent",
        48 => "the sender does not trust the CA of the peer's certificate chain",
        49 => "the sender refused access",
        50 => "a message could not be decoded",
        51 => "a signature or Finished check failed: often the server's key does not match its certificate",
        70 => "the sender does not support the protocol version the peer offered",
        71 => "the peer's offered parameters are too weak for the sender",
        80 => "the sender hit an internal error",
        86 => "the peer retried with a lower version than it supports",
        90 => "the sender's user cancelled the handshake",
        109 => "the peer left out an extension the sender requires",
        110 => "the peer sent an extension the sender did not ask for",
        112 => "the server has no certificate for the requested server name (SNI)",
        116 => "the server requires a client certificate and the client sent none",
        120 => "no application protocol (ALPN) in common",
        _ => "see RFC 8446 section 6",
    }
}

/// Handshake message type name.
pub fn handshake_name(t: u8) -> Cow<'static, str> {
    let s = match t {
        0 => "HelloRequest",
        1 => "ClientHello",
        2 => "ServerHello",
        3 => "HelloVerifyRequest",
        4 => "NewSessionTicket",
        5 => "EndOfEarlyData",
        6 => "HelloRetryRequest",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        21 => "CertificateURL",
        22 => "CertificateStatus",
        23 => "SupplementalData",
        24 => "KeyUpdate",
        25 => "CompressedCertificate",
        67 => "NextProtocol",
        254 => "MessageHash",
        _ => return Cow::Owned(format!("Handshake({t})")),
    };
    Cow::Borrowed(s)
}

/// IANA cipher suite name, or its hexadecimal value.
pub fn cipher_name(id: u16) -> Cow<'static, str> {
    if is_grease(id) {
        return format!("GREASE (0x{id:04x})").into();
    }
    match id {
        0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV".into(),
        0x5600 => "TLS_FALLBACK_SCSV".into(),
        // Known names are static: a ClientHello lists dozens, no copy each.
        _ => match tls_parser::TlsCipherSuite::from_id(id) {
            Some(c) => c.name.into(),
            None => format!("0x{id:04x}").into(),
        },
    }
}

/// Suites that count as weak for the `weak_cipher` finding.
pub fn cipher_is_weak(name: &str) -> bool {
    // "_RC4_" in the name is a word with an underscore on each side; the
    // words are compared, rather than nine searches of the name (a tenth
    // of a report's building).
    let words = || name.as_bytes().split(|b| *b == b'_');
    let last = words().count().saturating_sub(1);
    memchr::memmem::find(name.as_bytes(), b"EXPORT").is_some()
        || words().enumerate().any(|(i, w)| match w {
            b"RC4" | b"3DES" | b"DES" | b"anon" | b"DES40" | b"RC2" | b"IDEA" => i > 0 && i < last,
            b"NULL" => i > 0,
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(version_name(0x0303), "TLS 1.2");
        assert_eq!(alert_name(46), "certificate_unknown");
        assert_eq!(cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert!(is_grease(0x1a1a));
        assert!(!is_grease(0x1a2a));
        assert!(cipher_is_weak("TLS_RSA_WITH_RC4_128_SHA"));
        assert!(cipher_is_weak("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
        assert!(!cipher_is_weak("TLS_AES_128_GCM_SHA256"));
        // As nine searches of the name would say.
        let old = |name: &str| {
            [
                "_RC4_", "_3DES_", "_DES_", "_NULL_", "EXPORT", "_anon_", "_DES40_", "_RC2_", "_IDEA_",
            ]
            .iter()
            .any(|w| name.contains(w))
                || name.ends_with("_NULL")
        };
        let mut names: Vec<String> = (0..=u16::MAX).map(|id| cipher_name(id).into_owned()).collect();
        names.extend(
            [
                "NULL",
                "_NULL",
                "NULL_",
                "RC4_X",
                "X_RC4",
                "X_RC4_",
                "_RC4_",
                "A__DES__B",
                "DES",
                "TLS_EXPORT",
                "X_anon_NULL",
            ]
            .map(String::from),
        );
        for n in names {
            assert_eq!(cipher_is_weak(&n), old(&n), "{n}");
        }
    }
}
