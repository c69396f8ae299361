//! The words of the report contract that users' scripts and CI gates match
//! on: statuses, failure causes and finding codes. `--fail-on` accepts these
//! and nothing else, so that a typo can never turn a gate green.

use crate::names::alert_name;

/// Connection statuses.
pub const STATUSES: &[&str] = &["ok", "failed", "incomplete", "not_tls", "no_connection"];

/// Failure causes, besides `alert_<name>` for every alert description.
pub const CAUSES: &[&str] = &[
    "tcp_no_response",
    "tcp_refused",
    "server_reset",
    "server_closed",
    "server_not_tls",
    "client_not_tls",
    "no_shared_version",
    "no_shared_cipher",
    "sni_rejected",
    "certificate_rejected_by_client",
    "server_key_mismatch",
    "client_certificate_required",
    "client_certificate_rejected",
    "handshake_failed_encrypted",
    "client_aborted",
    "server_aborted",
];

/// Finding codes on chains and on connections (the contract's and this tool's).
pub const FINDINGS: &[&str] = &[
    "untrusted_root",
    "incomplete_chain",
    "hostname_mismatch",
    "expired",
    "not_yet_valid",
    "self_signed",
    "bad_signature",
    "wrong_order",
    "unrelated_certificate",
    "weak_key",
    "weak_signature_algorithm",
    "expires_soon",
    "wrong_key_usage",
    "unparsable_certificate",
    "key_too_large",
    "verification_failed",
    "no_sni",
    "deprecated_version",
    "weak_cipher",
    "server_key_mismatch",
    "reset_after_idle",
    "reset_mid_stream",
    "closed_without_request",
    "client_certificate_not_sent",
];

/// The chain findings a client that verifies after the handshake (nginx's
/// proxy_ssl_verify, Node.js) rejects: the contract's post-handshake rule.
pub const POST_HANDSHAKE_REJECTED: &[&str] = &[
    "untrusted_root",
    "incomplete_chain",
    "hostname_mismatch",
    "expired",
    "not_yet_valid",
    "self_signed",
    "weak_key",
    "weak_signature_algorithm",
    "bad_signature",
];

/// `alert_<name>` for every alert description that has a name.
pub fn alert_causes() -> Vec<String> {
    (0..=255u8)
        .map(alert_name)
        .filter(|n| !n.starts_with("unknown_"))
        .map(|n| format!("alert_{n}"))
        .collect()
}

/// True when `word` is a status, a cause or a finding code.
pub fn is_known(word: &str) -> bool {
    STATUSES.contains(&word)
        || CAUSES.contains(&word)
        || FINDINGS.contains(&word)
        || alert_causes().iter().any(|a| a == word)
}

/// Every word `--fail-on` accepts, for the usage message.
pub fn describe() -> String {
    format!(
        "statuses: {}\ncauses: {}, alert_<name> (e.g. alert_decode_error)\nfinding codes: {}",
        STATUSES.join(", "),
        CAUSES.join(", "),
        FINDINGS.join(", ")
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
            assert!(is_known(w), "{w}");
        }
        for w in ["faild", "untrusted-root", "alert_unknown_7", "", "FAILED"] {
            assert!(!is_known(w), "{w}");
        }
    }
}
