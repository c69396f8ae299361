//! Trust stores as gateways keep them: the built-in Mozilla roots, PEM
//! bundles and DER files (`pem`), directories of them, and Java keystores
//! (`keystore`). The result is a set of trust anchors with readable names.

use std::collections::HashMap;

use rustls_pki_types::{CertificateDer, TrustAnchor};

pub mod keystore;
pub mod pem;

/// The trust anchors to verify against.
pub struct TrustStore {
    /// `mozilla-builtin` or `files`.
    pub source: String,
    /// The files it was read from (PEM and DER files, directories,
    /// keystores), as given; empty for the built-in roots.
    pub files: Vec<String>,
    anchors: Vec<TrustAnchor<'static>>,
    /// Anchor subject (DER, without the outer SEQUENCE header) to its readable name.
    names: HashMap<Vec<u8>, String>,
}

impl TrustStore {
    /// The Mozilla root program's roots, built in.
    pub fn mozilla() -> TrustStore {
        let anchors: Vec<TrustAnchor<'static>> = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        Self::from_anchors("mozilla-builtin", anchors)
    }

    fn from_anchors(source: &str, anchors: Vec<TrustAnchor<'static>>) -> TrustStore {
        let names = anchors
            .iter()
            .map(|a| (a.subject.as_ref().to_vec(), name_of_subject_content(a.subject.as_ref())))
            .collect();
        TrustStore {
            source: source.to_string(),
            files: Vec::new(),
            anchors,
            names,
        }
    }

    /// How reports name it: `mozilla-builtin`, or its files.
    pub fn name(&self) -> String {
        if self.files.is_empty() {
            self.source.clone()
        } else {
            crate::escape::text(self.files.join(", ").as_bytes())
        }
    }

    /// Its name and size: `mozilla-builtin (146 roots)`.
    pub fn label(&self) -> String {
        let n = self.anchors.len();
        format!("{} ({n} {})", self.name(), if n == 1 { "root" } else { "roots" })
    }

    /// Trust anchors from DER certificates (from PEM or DER files, directories, keystores).
    pub fn from_certificates(ders: &[Vec<u8>]) -> Result<TrustStore, String> {
        let mut anchors = Vec::new();
        for (i, d) in ders.iter().enumerate() {
            let cd = CertificateDer::from(d.as_slice());
            let a = webpki::anchor_from_trusted_cert(&cd).map_err(|e| {
                format!(
                    "certificate {} is not usable as a trust anchor: {}",
                    i + 1,
                    webpki_reason(&e)
                )
            })?;
            anchors.push(a.to_owned());
        }
        if anchors.is_empty() {
            return Err("no certificate found".into());
        }
        Ok(Self::from_anchors("files", anchors))
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    pub(crate) fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The readable name of the anchor with this subject (DER contents).
    pub(crate) fn anchor_named(&self, subject_content: &[u8]) -> Option<&String> {
        self.names.get(subject_content)
    }
}

/// Strips the outer tag and length of a DER element.
pub(crate) fn der_contents(d: &[u8]) -> &[u8] {
    if d.len() < 2 {
        return d;
    }
    let l = d[1];
    let hdr = if l & 0x80 == 0 { 2 } else { 2 + (l & 0x7f) as usize };
    d.get(hdr..).unwrap_or(d)
}

fn wrap_sequence(content: &[u8]) -> Vec<u8> {
    let mut v = vec![0x30];
    let n = content.len();
    if n < 128 {
        v.push(n as u8);
    } else if n < 256 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

pub(crate) fn name_of_subject_content(content: &[u8]) -> String {
    let der = wrap_sequence(content);
    crate::dn::der_name_text(&der).unwrap_or_else(|| "(unreadable name)".into())
}

/// Subjects of the Mozilla roots, to tell a missing public root from a missing intermediate.
pub(crate) fn mozilla_subjects() -> &'static std::collections::HashSet<Vec<u8>> {
    static S: std::sync::OnceLock<std::collections::HashSet<Vec<u8>>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .map(|a| a.subject.as_ref().to_vec())
            .collect()
    })
}

/// webpki's error as words for the report: never Rust's debug text.
pub fn webpki_reason(e: &webpki::Error) -> String {
    use webpki::Error as E;
    let s = match e {
        E::UnknownIssuer => "no path to a trust anchor",
        E::CertExpired { .. } => "a certificate on the path has expired",
        E::CertNotValidYet { .. } => "a certificate on the path is not yet valid",
        E::InvalidCertValidity => "a certificate's validity period ends before it starts",
        E::InvalidSignatureForPublicKey => "a signature does not verify with its issuer's key",
        E::SignatureAlgorithmMismatch => "a certificate's signature algorithm fields disagree",
        E::CaUsedAsEndEntity => "the leaf is a CA certificate",
        E::EndEntityUsedAsCa => "a certificate that is not a CA issued another certificate",
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            "the leaf's extended key usage does not allow this use (serverAuth or clientAuth)"
        }
        E::UnsupportedSignatureAlgorithmContext(_) | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a signature algorithm is not accepted (SHA-1 or MD5, or an unusual key type)"
        }
        E::UnsupportedCertVersion => "certificate version 1 or 2 is not accepted",
        E::UnsupportedCriticalExtension => "a certificate has a critical extension that is not understood",
        E::PathLenConstraintViolated => "the path is longer than a CA's path length constraint allows",
        E::NameConstraintViolation | E::InvalidNetworkMaskConstraint | E::MalformedNameConstraint => {
            "a CA's name constraints forbid the leaf's names"
        }
        E::MaximumPathDepthExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => "the chain is too long or too tangled to build a path",
        E::CertDistrusted => "a certificate on the path is distrusted",
        E::CertRevoked => "a certificate on the path is revoked",
        E::TrailingData(_) => "a certificate has bytes after its end",
        E::BadDer | E::BadDerTime | E::MalformedExtensions | E::ExtensionValueInvalid | E::InvalidSerialNumber => {
            "a certificate is not valid DER"
        }
        E::MalformedDnsIdentifier | E::UnsupportedNameType | E::CertNotValidForName(_) => {
            "a certificate's names cannot be read"
        }
        _ => "the chain is rejected by the verifier",
    };
    s.to_string()
}
