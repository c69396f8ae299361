//! The words of the report contract, as types: sides, statuses, failure
//! causes, finding codes and trust verdicts. serde writes the contract's
//! strings; `FromStr` reads them back (for `--fail-on`), so a typo can never
//! turn a CI gate green and every match on them is exhaustive.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::names::alert_name;

/// Defines a fieldless enum whose variants are written as the given strings.
macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The contract's word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            /// The word, where the report writes it for people too.
            pub fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(word: &str) -> Result<Self, ()> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word).ok_or(())
            }
        }
    };
}

words! {
    /// One end of a TCP connection.
    Side {
        Client = "client",
        Server = "server",
    }
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

words! {
    /// Who gave up: a side, or the network (nothing answered).
    Blame {
        Client = "client",
        Server = "server",
        Network = "network",
    }
}

words! {
    /// Who must act on a failure's fix.
    Who {
        Client = "client",
        Server = "server",
        Network = "network",
        Capture = "capture",
    }
}

impl From<Side> for Blame {
    fn from(s: Side) -> Blame {
        match s {
            Side::Client => Blame::Client,
            Side::Server => Blame::Server,
        }
    }
}

words! {
    /// A connection's status.
    Status {
        Ok = "ok",
        Failed = "failed",
        Incomplete = "incomplete",
        NotTls = "not_tls",
        NoConnection = "no_connection",
    }
}

words! {
    /// Why a capture shows only part of a connection: the verdict is then
    /// `incomplete`, never a failure (an extension of the contract, in
    /// docs/report-format.md).
    Partial {
        /// No SYN and no hello: the connection was open before the capture began.
        PrecedesCapture = "handshake_precedes_capture",
        /// No SYN and no ClientHello, but the rest of the handshake: the
        /// capture began in the middle of it.
        StartsMidHandshake = "capture_starts_mid_handshake",
        /// Only the server's packets were captured.
        ClientMissing = "client_direction_missing",
        /// Only the client's packets were captured.
        ServerMissing = "server_direction_missing",
    }
}

impl Partial {
    /// The direction the capture lacks, if that is what is missing.
    pub fn missing_side(self) -> Option<Side> {
        match self {
            Partial::PrecedesCapture | Partial::StartsMidHandshake => None,
            Partial::ClientMissing => Some(Side::Client),
            Partial::ServerMissing => Some(Side::Server),
        }
    }
}

words! {
    /// A failure's cause, besides the alerts (`Cause::Alert`).
    NamedCause {
        TcpNoResponse = "tcp_no_response",
        TcpRefused = "tcp_refused",
        ServerReset = "server_reset",
        ServerClosed = "server_closed",
        ServerNotTls = "server_not_tls",
        ClientNotTls = "client_not_tls",
        NoSharedVersion = "no_shared_version",
        NoSharedCipher = "no_shared_cipher",
        SniRejected = "sni_rejected",
        CertificateRejectedByClient = "certificate_rejected_by_client",
        ServerKeyMismatch = "server_key_mismatch",
        ClientCertificateRequired = "client_certificate_required",
        ClientCertificateRejected = "client_certificate_rejected",
        HandshakeFailedEncrypted = "handshake_failed_encrypted",
        ClientAborted = "client_aborted",
        ServerAborted = "server_aborted",
    }
}

/// A failure's cause: one of the contract's, or `alert_<name>` for any
/// other fatal alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    Named(NamedCause),
    /// The alert description.
    Alert(u8),
}

impl Cause {
    /// The contract's word (`alert_<name>` for alerts).
    pub fn word(self) -> String {
        match self {
            Cause::Named(n) => n.as_str().to_string(),
            Cause::Alert(d) => format!("alert_{}", alert_name(d)),
        }
    }

    /// `client_aborted` or `server_aborted`.
    pub fn aborted(by: Side) -> Cause {
        Cause::Named(match by {
            Side::Client => NamedCause::ClientAborted,
            Side::Server => NamedCause::ServerAborted,
        })
    }
}

impl From<NamedCause> for Cause {
    fn from(n: NamedCause) -> Cause {
        Cause::Named(n)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.word())
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.word())
    }
}

impl FromStr for Cause {
    type Err = ();
    fn from_str(word: &str) -> Result<Self, ()> {
        if let Ok(n) = word.parse::<NamedCause>() {
            return Ok(Cause::Named(n));
        }
        let name = word.strip_prefix("alert_").ok_or(())?;
        (0..=255u8)
            .find(|&d| !alert_name(d).starts_with("unknown_") && alert_name(d) == name)
            .map(Cause::Alert)
            .ok_or(())
    }
}

words! {
    /// Finding codes on chains and on connections (the contract's and this tool's).
    FindingCode {
        UntrustedRoot = "untrusted_root",
        IncompleteChain = "incomplete_chain",
        HostnameMismatch = "hostname_mismatch",
        Expired = "expired",
        NotYetValid = "not_yet_valid",
        SelfSigned = "self_signed",
        BadSignature = "bad_signature",
        WrongOrder = "wrong_order",
        UnrelatedCertificate = "unrelated_certificate",
        WeakKey = "weak_key",
        WeakSignatureAlgorithm = "weak_signature_algorithm",
        ExpiresSoon = "expires_soon",
        WrongKeyUsage = "wrong_key_usage",
        UnparsableCertificate = "unparsable_certificate",
        KeyTooLarge = "key_too_large",
        VerificationFailed = "verification_failed",
        NoSni = "no_sni",
        DeprecatedVersion = "deprecated_version",
        WeakCipher = "weak_cipher",
        ServerKeyMismatch = "server_key_mismatch",
        ResetAfterIdle = "reset_after_idle",
        ResetMidStream = "reset_mid_stream",
        ClosedWithoutRequest = "closed_without_request",
        ClientCertificateNotSent = "client_certificate_not_sent",
    }
}

impl FindingCode {
    /// The chain findings a client that verifies after the handshake (nginx's
    /// proxy_ssl_verify, Node.js) rejects: the contract's post-handshake rule.
    pub fn rejected_after_handshake(self) -> bool {
        use FindingCode::*;
        matches!(
            self,
            UntrustedRoot
                | IncompleteChain
                | HostnameMismatch
                | Expired
                | NotYetValid
                | SelfSigned
                | WeakKey
                | WeakSignatureAlgorithm
                | BadSignature
        )
    }
}

/// A finding as the report lists it: its code, the certificate it concerns
/// (null for chain-wide and connection findings), and its message.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub code: FindingCode,
    pub cert_index: Option<usize>,
    pub message: String,
}

words! {
    /// webpki's verdict on a chain.
    TrustVerdict {
        Trusted = "trusted",
        Untrusted = "untrusted",
        NotChecked = "not_checked",
    }
}

/// A word of `--fail-on`: a status, a cause or a finding code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Status(Status),
    Cause(Cause),
    Finding(FindingCode),
    /// A capture that could not be read to its end (cut short, or damaged part way).
    Damaged,
    /// No gate: exit 0 unless an input could not be read at all.
    Nothing,
}

impl Gate {
    /// The word as `--fail-on` takes it.
    pub fn word(&self) -> String {
        match self {
            Gate::Status(s) => s.as_str().to_string(),
            Gate::Cause(c) => c.to_string(),
            Gate::Finding(f) => f.as_str().to_string(),
            Gate::Damaged => "damaged".to_string(),
            Gate::Nothing => "none".to_string(),
        }
    }
}

impl FromStr for Gate {
    type Err = String;
    fn from_str(word: &str) -> Result<Self, String> {
        match word {
            "damaged" => return Ok(Gate::Damaged),
            "none" => return Ok(Gate::Nothing),
            _ => {}
        }
        // server_key_mismatch is both a cause and a finding: a gate on it matches either.
        if let Ok(s) = word.parse() {
            return Ok(Gate::Status(s));
        }
        if let Ok(c) = word.parse() {
            return Ok(Gate::Cause(c));
        }
        word.parse().map(Gate::Finding).map_err(|_| {
            format!(
                "{:?} is not a status, a cause or a finding code. Valid words:\n{}",
                crate::escape::text(word.as_bytes()),
                describe()
            )
        })
    }
}

fn join<T: fmt::Display>(all: &[T]) -> String {
    all.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

/// Every word `--fail-on` accepts, for the usage message.
pub fn describe() -> String {
    format!(
        "statuses: {}\ncauses: {}, alert_<name> (e.g. alert_decode_error)\nfinding codes: {}\nand damaged (a capture not read to its end), none (no gate)",
        join(Status::ALL),
        join(NamedCause::ALL),
        join(FindingCode::ALL)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_words() {
        for w in [
            "failed",
            "no_connection",
            "untrusted_root",
            "alert_decode_error",
            "reset_after_idle",
        ] {
            assert!(w.parse::<Gate>().is_ok(), "{w}");
        }
        for w in ["faild", "untrusted-root", "alert_unknown_7", "", "FAILED"] {
            assert!(w.parse::<Gate>().is_err(), "{w}");
        }
    }

    #[test]
    fn words_round_trip_through_serde() {
        for c in FindingCode::ALL {
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{c}\""));
            assert_eq!(c.as_str().parse::<FindingCode>(), Ok(*c));
        }
        let alert = Cause::Alert(50);
        assert_eq!(serde_json::to_string(&alert).unwrap(), "\"alert_decode_error\"");
        assert_eq!("alert_decode_error".parse::<Cause>(), Ok(alert));
        assert_eq!(
            serde_json::to_string(&Status::NoConnection).unwrap(),
            "\"no_connection\""
        );
        assert_eq!(
            serde_json::to_string(&TrustVerdict::NotChecked).unwrap(),
            "\"not_checked\""
        );
    }
}
