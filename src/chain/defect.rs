//! What is wrong with a chain, as data: each defect carries its context (the
//! certificate, the missing issuer with its key identifier, the dates, the
//! names), the way rustls' `CertificateError` variants do. The sentences for
//! people are written here and nowhere else: the finding's message, and the
//! sentence a failure's explanation uses.

use super::{Finding, FindingCode};
use crate::timefmt;
use crate::vocabulary::Who;

/// Which usage the leaf's key or extended key usage lacks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UsageGap {
    /// keyUsage lacks `bit` (digitalSignature or keyEncipherment), which `suite` needs.
    KeyUsage { bit: &'static str, suite: String },
    /// extendedKeyUsage lacks the purpose (serverAuth or clientAuth).
    Extended { purpose: &'static str },
}

/// One thing wrong with a chain (or worth saying about it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Defect {
    Unparsable {
        index: usize,
        len: usize,
    },
    SelfSigned,
    WeakKey {
        index: usize,
        algorithm: String,
        bits: u32,
    },
    KeyTooLarge {
        index: usize,
        bits: u32,
        max: u32,
    },
    WeakSignatureAlgorithm {
        index: usize,
        algorithm: String,
    },
    /// Certificate `index`'s signature does not verify with the key of `issuer`.
    BadSignature {
        index: usize,
        issuer: usize,
    },
    /// The path from the leaf, in the order the certificates were sent.
    WrongOrder {
        path: Vec<usize>,
    },
    /// A certificate on no path; `cross_sign` (its subject and issuer) when it
    /// is a cross-signed copy of a CA the path goes through.
    Extra {
        index: usize,
        cross_sign: Option<(String, String)>,
    },
    /// Certificate `index` has the name of certificate `of` on the path but
    /// another key: a stale copy (an old intermediate left in the chain file).
    StaleCopy {
        index: usize,
        subject: String,
        of: usize,
    },
    /// The path ends at a self-signed certificate the store lacks.
    RootNotTrusted {
        index: usize,
        subject: String,
        public: bool,
        store: String,
    },
    /// The issuer of CA certificate `index` (the root, most likely) is neither sent nor an anchor.
    MissingRoot {
        index: usize,
        issuer: String,
        key_id: Option<String>,
        public: bool,
        store: String,
    },
    /// The issuer of certificate `index` (an intermediate) is neither sent
    /// nor an anchor; `published`: the caIssuers URL of certificate `index`.
    MissingIntermediate {
        index: usize,
        issuer: String,
        key_id: Option<String>,
        published: Option<String>,
    },
    /// `on_path`: false for an extra certificate, whose expiry decides nothing.
    Expired {
        index: usize,
        subject: String,
        not_after: i64,
        days: i64,
        on_path: bool,
    },
    NotYetValid {
        index: usize,
        not_before: i64,
        days: i64,
    },
    ExpiresSoon {
        index: usize,
        not_after: i64,
        days: i64,
    },
    /// The host the client meant, and the names the leaf presents.
    HostnameMismatch {
        host: String,
        presented: String,
    },
    WrongKeyUsage(UsageGap),
    /// webpki refused the chain for a reason none of the above names.
    VerificationFailed {
        reason: String,
    },
}

impl Defect {
    pub fn code(&self) -> FindingCode {
        use Defect::*;
        match self {
            Unparsable { .. } => FindingCode::UnparsableCertificate,
            SelfSigned => FindingCode::SelfSigned,
            WeakKey { .. } => FindingCode::WeakKey,
            KeyTooLarge { .. } => FindingCode::KeyTooLarge,
            WeakSignatureAlgorithm { .. } => FindingCode::WeakSignatureAlgorithm,
            BadSignature { .. } => FindingCode::BadSignature,
            WrongOrder { .. } => FindingCode::WrongOrder,
            Extra { .. } | StaleCopy { .. } => FindingCode::UnrelatedCertificate,
            RootNotTrusted { .. } | MissingRoot { .. } => FindingCode::UntrustedRoot,
            MissingIntermediate { .. } => FindingCode::IncompleteChain,
            Expired { .. } => FindingCode::Expired,
            NotYetValid { .. } => FindingCode::NotYetValid,
            ExpiresSoon { .. } => FindingCode::ExpiresSoon,
            HostnameMismatch { .. } => FindingCode::HostnameMismatch,
            WrongKeyUsage(_) => FindingCode::WrongKeyUsage,
            VerificationFailed { .. } => FindingCode::VerificationFailed,
        }
    }

    /// The certificate it concerns; None for chain-wide defects.
    pub fn cert_index(&self) -> Option<usize> {
        use Defect::*;
        match self {
            WrongOrder { .. } | VerificationFailed { .. } => None,
            SelfSigned | HostnameMismatch { .. } | WrongKeyUsage(_) => Some(0),
            Unparsable { index, .. }
            | WeakKey { index, .. }
            | KeyTooLarge { index, .. }
            | WeakSignatureAlgorithm { index, .. }
            | BadSignature { index, .. }
            | Extra { index, .. }
            | StaleCopy { index, .. }
            | RootNotTrusted { index, .. }
            | MissingRoot { index, .. }
            | MissingIntermediate { index, .. }
            | Expired { index, .. }
            | NotYetValid { index, .. }
            | ExpiresSoon { index, .. } => Some(*index),
        }
    }

    /// The finding the report lists.
    pub fn finding(&self) -> Finding {
        Finding {
            code: self.code(),
            cert_index: self.cert_index(),
            message: self.message(),
        }
    }

    /// The finding's message: what is wrong and what to change.
    pub fn message(&self) -> String {
        let (fact, action) = self.parts();
        match (action, self) {
            (None, _) => fact,
            (Some(a), Defect::HostnameMismatch { .. }) => format!("{fact}. {}", capitalized(&a)),
            (Some(a), _) => format!("{fact}: {a}"),
        }
    }

    /// What is wrong, and what to change (the finding's two halves).
    fn parts(&self) -> (String, Option<String>) {
        use Defect::*;
        let (fact, action) = self.path_parts().unwrap_or_else(|| self.certificate_parts());
        // The actions that name what they act on.
        let named = match self {
            StaleCopy { index, of, .. } => Some(format!(
                "remove certificate {index} from the server's chain file and keep certificate {of}"
            )),
            Expired {
                subject, on_path: true, ..
            } => Some(format!("renew \"{subject}\"")),
            WrongKeyUsage(UsageGap::KeyUsage { bit, .. }) => Some(format!("reissue the certificate with {bit}")),
            _ => None,
        };
        (fact, named.or_else(|| (!action.is_empty()).then(|| action.to_string())))
    }

    /// The two halves for a defect of the chain's path and trust (none for
    /// a certificate's own).
    fn path_parts(&self) -> Option<(String, &'static str)> {
        use Defect::*;
        let key = key_text;
        Some(match self {
            BadSignature { index, issuer } => (
                format!(
                    "the signature of certificate {index} does not verify with the key of its issuer, certificate {issuer} (same name, another key): the chain mixes certificates of different issuances"
                ),
                "send the intermediate that issued this certificate",
            ),
            WrongOrder { path } => (
                format!(
                    "the certificates are not sent in path order: the path from the leaf is {}; strict clients reject this",
                    path.iter()
                        .map(|j| format!("certificate {j}"))
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
                "send the leaf first, then its issuer, and so on",
            ),
            Extra {
                index,
                cross_sign: Some((subject, issuer)),
            } => (
                format!(
                    "certificate {index} (\"{subject}\", issued by \"{issuer}\") is a cross-signed copy of a CA the path goes through, and the path does not need it: it does not affect the verdict"
                ),
                "remove it from the server's chain file unless old clients need it",
            ),
            StaleCopy { index, subject, of } => (
                format!(
                    "certificate {index} has the name of certificate {of} (\"{subject}\") but another key: a stale copy (an old or renewed-away intermediate) that signs nothing on the path; it does not affect the verdict (clients that take the first certificate of that name may fail)"
                ),
                "",
            ),
            Extra {
                index,
                cross_sign: None,
            } => (
                format!("certificate {index} is on no path from the leaf to a root"),
                "remove it from the server's chain file",
            ),
            RootNotTrusted {
                subject, public, store, ..
            } => (
                format!(
                    "the chain ends at the root \"{subject}\", which the trust store ({store}) lacks{}",
                    if *public {
                        " (it is a public root of the Mozilla program)"
                    } else {
                        ""
                    }
                ),
                "add it to the client's trust store, or use a certificate from a CA the client trusts",
            ),
            MissingRoot {
                index,
                issuer,
                key_id,
                public,
                store,
            } => (
                format!(
                    "the trust store ({store}) lacks \"{issuer}\"{}, the issuer of certificate {index}{}",
                    key(key_id),
                    if *public {
                        ", a public root of the Mozilla program"
                    } else {
                        ""
                    }
                ),
                "add it to the client's trust store (if it is an intermediate CA, the server must send it instead)",
            ),
            MissingIntermediate {
                index, issuer, key_id, ..
            } => (
                format!(
                    "the server did not send the intermediate \"{issuer}\"{} that issued certificate {index}, and the trust store does not have it",
                    key(key_id)
                ),
                "add it to the server's chain file (if it is a root, add it to the client's trust store instead)",
            ),
            _ => return None,
        })
    }

    /// The two halves for a defect of one certificate (dates, key, usage,
    /// names); `path_parts` has the others.
    fn certificate_parts(&self) -> (String, &'static str) {
        use Defect::*;
        match self {
            Unparsable { index, len } => (format!("certificate {index} could not be decoded ({len} bytes)"), ""),
            SelfSigned => (
                "the certificate is self-signed: clients trust it only if it is in their trust store".into(),
                "use a certificate issued by a CA the clients trust",
            ),
            WeakKey { algorithm, bits, .. } => (
                format!(
                    "{algorithm} key of {bits} bits is too small (RSA needs 2048, EC 224); modern clients refuse it"
                ),
                "reissue with a larger key",
            ),
            KeyTooLarge { bits, max, .. } => (
                format!(
                    "RSA key of {bits} bits is larger than the {max} bits allowed (--max-key-bits): some gateways refuse such keys"
                ),
                "",
            ),
            WeakSignatureAlgorithm { algorithm, .. } => (
                format!("signed with {algorithm}, which clients no longer accept"),
                "reissue it with SHA-256",
            ),
            Expired {
                not_after,
                days,
                on_path: true,
                ..
            } => (
                format!(
                    "expired on {} ({days} days before the capture)",
                    timefmt::seconds(*not_after)
                ),
                "",
            ),
            Expired {
                not_after,
                days,
                on_path: false,
                ..
            } => (
                format!(
                    "expired on {} ({days} days before the capture); it is not on the path to the trust anchor, so it does not affect the verdict",
                    timefmt::seconds(*not_after)
                ),
                "remove it from the server's chain file",
            ),
            NotYetValid { not_before, days, .. } => (
                format!(
                    "not valid before {} ({days} days after the capture)",
                    timefmt::seconds(*not_before)
                ),
                "check the server's and the client's clocks, or the certificate's dates",
            ),
            ExpiresSoon { not_after, days, .. } => (
                format!(
                    "expires on {}, {days} days after the capture",
                    timefmt::seconds(*not_after)
                ),
                "renew it",
            ),
            HostnameMismatch { host, presented } => (
                format!("the certificate is not valid for \"{host}\": it names {presented}"),
                "use a certificate whose subjectAltName includes the host the client connects to, or make the client use a name in it",
            ),
            WrongKeyUsage(UsageGap::KeyUsage { bit, suite }) => (
                format!(
                    "the certificate's keyUsage lacks {bit}, which {suite} needs: strict clients (Java, GnuTLS, Go) reject it"
                ),
                "",
            ),
            WrongKeyUsage(UsageGap::Extended { purpose }) => (
                format!(
                    "the certificate's extendedKeyUsage does not include {purpose}: clients refuse it for this use"
                ),
                "reissue it with that usage",
            ),
            VerificationFailed { reason } => (format!("the chain does not verify: {reason}"), ""),
            // (The chain's path and trust: `path_parts`.)
            _ => (String::new(), ""),
        }
    }

    /// Commands that fetch what the fix needs, runnable as they are: the
    /// missing intermediate from its caIssuers URL, made PEM. Only for a
    /// plain http(s) URL (nothing a shell would read as more than a word).
    pub fn fix_commands(&self) -> Vec<String> {
        let Defect::MissingIntermediate {
            published: Some(url), ..
        } = self
        else {
            return Vec::new();
        };
        let plain = (url.starts_with("http://") || url.starts_with("https://"))
            && url
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&b))
            && !url.contains('\'');
        if !plain {
            return Vec::new();
        }
        let lower = url.to_ascii_lowercase();
        let convert = if lower.ends_with(".p7c") || lower.ends_with(".p7b") {
            "openssl pkcs7 -inform DER -print_certs -in intermediate.der -out intermediate.pem"
        } else {
            "openssl x509 -inform DER -in intermediate.der -out intermediate.pem"
        };
        vec![format!("curl -fsSL -o intermediate.der '{url}'"), convert.to_string()]
    }

    /// What to change, as one sentence of its own that names the
    /// certificate (for `failure.fix`), and who must act.
    pub fn fix(&self) -> Option<(Who, String)> {
        use Defect::*;
        let key = key_text;
        Some(match self {
            MissingRoot {
                issuer,
                key_id,
                store,
                public,
                ..
            } => (
                Who::Client,
                format!(
                    "Add \"{issuer}\"{} to the client's trust store (the run's: {store}); if it is an intermediate CA, the server must send it instead. {}",
                    key(key_id),
                    if *public {
                        "It is a public root of the Mozilla program: an up-to-date CA bundle on the client has it."
                    } else {
                        "The capture does not hold its certificate: the CA's owner supplies it."
                    }
                ),
            ),
            RootNotTrusted { subject, store, .. } => (
                Who::Client,
                format!(
                    "Add the root \"{subject}\" to the client's trust store (the run's: {store}), or use a certificate from a CA the client trusts."
                ),
            ),
            MissingIntermediate {
                issuer,
                key_id,
                published,
                index,
            } => (
                Who::Server,
                format!(
                    "The server must send the intermediate \"{issuer}\"{}: add it to its chain file after its certificate (if it is a root, add it to the client's trust store instead){}.",
                    key(key_id),
                    published
                        .as_ref()
                        .map(|u| format!("; certificate {index} says it is published at {u}"))
                        .unwrap_or_default()
                ),
            ),
            _ => (Who::Server, self.server_fix()?),
        })
    }

    /// The fix of a defect the server's certificates must change for: one
    /// sentence (none for a defect that decides nothing).
    fn server_fix(&self) -> Option<String> {
        use Defect::*;
        Some(match self {
            HostnameMismatch { host, presented } => format!(
                "Use a certificate whose subjectAltName includes \"{host}\", or make the client connect with a name the certificate holds ({presented})."
            ),
            Expired { subject, not_after, .. } => format!(
                "Renew \"{subject}\", which expired on {}.",
                timefmt::seconds(*not_after)
            ),
            NotYetValid { index, not_before, .. } => format!(
                "Check the server's and the client's clocks, or the dates of certificate {index}: it is valid from {} only.",
                timefmt::seconds(*not_before)
            ),
            WrongKeyUsage(UsageGap::KeyUsage { bit, suite }) => {
                format!("Reissue the server's certificate with {bit} in its keyUsage ({suite} needs it).")
            }
            WrongKeyUsage(UsageGap::Extended { purpose }) => {
                format!("Reissue the certificate with {purpose} in its extendedKeyUsage.")
            }
            WeakKey { index, .. } => {
                format!("Reissue certificate {index} with a larger key (RSA 2048 bits or more, or EC).")
            }
            WeakSignatureAlgorithm { index, .. } => format!("Reissue certificate {index} signed with SHA-256."),
            BadSignature { index, .. } => {
                format!("Send the intermediate that issued certificate {index} in place of the one in the chain.")
            }
            WrongOrder { .. } => "Send the chain in path order: the leaf first, then its issuer, and so on.".into(),
            SelfSigned => {
                "Use a certificate issued by a CA the clients trust, or add this one to the clients' trust stores."
                    .into()
            }
            Unparsable { index, .. } => {
                format!("Check the server's certificate file: certificate {index} cannot be decoded.")
            }
            KeyTooLarge { max, .. } => {
                format!("Reissue the certificate with an RSA key of at most {max} bits, or raise the gateway's limit.")
            }
            MissingRoot { .. }
            | RootNotTrusted { .. }
            | MissingIntermediate { .. }
            | Extra { .. }
            | StaleCopy { .. }
            | ExpiresSoon { .. }
            | VerificationFailed { .. } => return None,
        })
    }

    /// The sentence a failure's explanation gives for a client's rejection of
    /// the chain because of this defect.
    pub fn explanation(&self) -> String {
        use Defect::*;
        let m = self.parts().0;
        match self {
            Unparsable { .. } => {
                let mut m = m;
                if let Some(c) = m.get_mut(..1) {
                    c.make_ascii_uppercase();
                }
                format!("{m}: nothing is claimed about its names or dates.")
            }
            HostnameMismatch { .. } => format!("The certificate's names do not match: {m}."),
            Expired { index: 0, .. } => format!("The server's certificate {m}."),
            NotYetValid { index: 0, .. } => format!("The server's certificate is {m}."),
            Expired { index, .. } => format!("Certificate {index} {m}."),
            NotYetValid { index, .. } => format!("Certificate {index} is {m}."),
            WrongKeyUsage(_) => format!("The server's certificate has the wrong key usage: {m}."),
            RootNotTrusted { .. } | MissingRoot { .. } | MissingIntermediate { .. } => {
                format!("The chain does not lead to a trusted root: {m}.")
            }
            WeakKey { index, .. } | WeakSignatureAlgorithm { index, .. } | BadSignature { index, .. } => {
                format!("Certificate {index}: {m}.")
            }
            _ => format!("{m}."),
        }
    }
}

/// ` (key identifier aa:bb:...)`, or nothing.
fn key_text(k: &Option<String>) -> String {
    k.as_ref().map(|k| format!(" (key identifier {k})")).unwrap_or_default()
}

/// `s` with its first letter in upper case.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
