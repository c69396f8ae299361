//! Findings that depend on the time, the key exchange or the purpose:
//! validity, key usage, and which findings explain an untrusted chain.

use super::*;
use crate::timefmt;

/// wrong_key_usage when the leaf's extendedKeyUsage leaves out the purpose
/// the chain was sent for (serverAuth for a server, clientAuth for a client).
pub(super) fn extended_usage_finding(u: LeafUsage, purpose: Purpose) -> Option<Finding> {
    let (server, client, any) = u.extended?;
    let (ok, name) = match purpose {
        Purpose::Server => (server || any, "serverAuth (TLS server)"),
        Purpose::Client => (client || any, "clientAuth (TLS client)"),
    };
    (!ok).then(|| Finding {
        code: FindingCode::WrongKeyUsage,
        cert_index: Some(0),
        message: format!(
            "the certificate's extendedKeyUsage does not include {name}: clients refuse it for this use; reissue it with that usage"
        ),
    })
}

/// wrong_key_usage when the leaf's keyUsage forbids what the negotiated key
/// exchange needs: digitalSignature for (EC)DHE suites and TLS 1.3,
/// keyEncipherment for RSA key exchange. `signs` tells which one.
pub fn key_usage_finding(u: LeafUsage, signs: bool, suite: &str) -> Option<Finding> {
    let (digital_signature, key_encipherment) = u.key_usage?;
    let (ok, bit) = if signs {
        (digital_signature, "digitalSignature")
    } else {
        (key_encipherment, "keyEncipherment")
    };
    (!ok).then(|| Finding {
        code: FindingCode::WrongKeyUsage,
        cert_index: Some(0),
        message: format!(
            "the certificate's keyUsage lacks {bit}, which {suite} needs: strict clients (Java, GnuTLS, Go) reject it; reissue the certificate with {bit}"
        ),
    })
}

/// True when the finding explains why the chain does not verify: a defect of
/// the chain itself, or a validity problem of a certificate on the path.
pub(super) fn explains_untrusted(f: &Finding, on_path: &[bool]) -> bool {
    use FindingCode::*;
    let on = f.cert_index.is_none_or(|i| on_path.get(i).copied().unwrap_or(false));
    match f.code {
        UntrustedRoot | IncompleteChain | BadSignature | UnparsableCertificate | WrongKeyUsage => true,
        WeakKey | WeakSignatureAlgorithm | Expired | NotYetValid => on,
        _ => false,
    }
}

/// Validity findings at the time of the capture (or --at).
pub(super) fn time_findings(p: &Parsed, at: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, v) in p.validity.iter().enumerate() {
        let Some((nb, na)) = *v else { continue };
        let subj = &p.certificates[i].subject;
        let off_path = !p.on_path.get(i).copied().unwrap_or(false);
        if at > na {
            out.push(Finding {
                code: FindingCode::Expired,
                cert_index: Some(i),
                message: if off_path {
                    format!(
                        "expired on {} ({} days before the capture); it is not on the path to the trust anchor, so it does not affect the verdict: remove it from the server's chain file",
                        timefmt::seconds(na),
                        at.saturating_sub(na) / 86400
                    )
                } else {
                    format!(
                        "expired on {} ({} days before the capture): renew \"{subj}\"",
                        timefmt::seconds(na),
                        at.saturating_sub(na) / 86400
                    )
                },
            });
        } else if at < nb {
            out.push(Finding {
                code: FindingCode::NotYetValid,
                cert_index: Some(i),
                message: format!(
                    "not valid before {} ({} days after the capture): check the server's and the client's clocks, or the certificate's dates",
                    timefmt::seconds(nb),
                    nb.saturating_sub(at) / 86400
                ),
            });
        } else if na.saturating_sub(at) < EXPIRES_SOON_DAYS * 86400 {
            out.push(Finding {
                code: FindingCode::ExpiresSoon,
                cert_index: Some(i),
                message: format!(
                    "expires on {}, {} days after the capture: renew it",
                    timefmt::seconds(na),
                    na.saturating_sub(at) / 86400
                ),
            });
        }
    }
    out
}
