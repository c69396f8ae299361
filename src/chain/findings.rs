//! Defects that depend on the time, the key exchange or the purpose:
//! validity, key usage, and which defects explain an untrusted chain.

use super::defect::UsageGap;
use super::*;

/// wrong_key_usage when the leaf's extendedKeyUsage leaves out the purpose
/// the chain was sent for (serverAuth for a server, clientAuth for a client).
pub(super) fn extended_usage_finding(u: LeafUsage, purpose: Purpose) -> Option<Defect> {
    let (server, client, any) = u.extended?;
    let (ok, name) = match purpose {
        Purpose::Server => (server || any, "serverAuth (TLS server)"),
        Purpose::Client => (client || any, "clientAuth (TLS client)"),
    };
    (!ok).then_some(Defect::WrongKeyUsage(UsageGap::Extended { purpose: name }))
}

/// wrong_key_usage when the leaf's keyUsage forbids what the negotiated key
/// exchange needs: digitalSignature for (EC)DHE suites and TLS 1.3,
/// keyEncipherment for RSA key exchange. `signs` tells which one.
pub fn key_usage_finding(u: LeafUsage, signs: bool, suite: &str) -> Option<Defect> {
    let (digital_signature, key_encipherment) = u.key_usage?;
    let (ok, bit) = if signs {
        (digital_signature, "digitalSignature")
    } else {
        (key_encipherment, "keyEncipherment")
    };
    (!ok).then(|| {
        Defect::WrongKeyUsage(UsageGap::KeyUsage {
            bit,
            suite: suite.to_string(),
        })
    })
}

/// True when the defect explains why the chain does not verify: a defect of
/// the chain itself, or a validity problem of a certificate on the path.
pub(super) fn explains_untrusted(d: &Defect, on_path: &[bool]) -> bool {
    use FindingCode::*;
    let on = d.cert_index().is_none_or(|i| on_path.get(i).copied().unwrap_or(false));
    match d.code() {
        UntrustedRoot | IncompleteChain | BadSignature | UnparsableCertificate | WrongKeyUsage => true,
        WeakKey | WeakSignatureAlgorithm | Expired | NotYetValid => on,
        _ => false,
    }
}

/// Validity defects at the time of the capture (or --at).
pub(super) fn time_findings(p: &Parsed, at: i64) -> Vec<Defect> {
    let mut out = Vec::new();
    for (i, v) in p.validity.iter().enumerate() {
        let Some((nb, na)) = *v else { continue };
        if at > na {
            out.push(Defect::Expired {
                index: i,
                subject: p.certificates[i].subject.clone(),
                not_after: na,
                days: at.saturating_sub(na) / 86400,
                on_path: p.on_path.get(i).copied().unwrap_or(false),
            });
        } else if at < nb {
            out.push(Defect::NotYetValid {
                index: i,
                not_before: nb,
                days: nb.saturating_sub(at) / 86400,
            });
        } else if na.saturating_sub(at) < EXPIRES_SOON_DAYS * 86400 {
            out.push(Defect::ExpiresSoon {
                index: i,
                not_after: na,
                days: na.saturating_sub(at) / 86400,
            });
        }
    }
    out
}
