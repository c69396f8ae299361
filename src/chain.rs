//! Certificate chains: what each certificate says (x509-parser), whether the
//! chain leads to a trust anchor at capture time (rustls-webpki), and what is
//! wrong with it, certificate by certificate.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

use crate::escape;
use crate::timefmt;

/// Certificates at most this large are parsed (a real one is a few KiB).
pub const MAX_CERT_LEN: usize = 64 * 1024;
/// Days before expiry that make an `expires_soon` finding.
pub const EXPIRES_SOON_DAYS: i64 = 30;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KeyInfo {
    pub algorithm: String,
    pub bits: Option<u32>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CertInfo {
    pub index: usize,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub san: Vec<String>,
    pub key: KeyInfo,
    pub signature_algorithm: String,
    pub is_ca: bool,
    pub sha256: String,
    pub sha1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TrustInfo {
    pub verdict: String,
    pub anchor: Option<String>,
    pub missing_issuer: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub code: String,
    /// The certificate it concerns; null for chain-wide and connection findings.
    pub cert_index: Option<usize>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    /// The certificates as sent, for --export-certs.
    #[serde(skip)]
    pub der: Arc<Vec<Vec<u8>>>,
    pub frame: u64,
    /// Shared between the connections that sent the same chain.
    pub certificates: Arc<Vec<CertInfo>>,
    pub trust: TrustInfo,
    pub findings: Vec<Finding>,
}

/// What a chain is checked for: a server's chain (serverAuth) or a client's (clientAuth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Server,
    Client,
}

/// The trust anchors to verify against, and the cache of analysed chains.
pub struct TrustStore {
    pub source: String,
    anchors: Vec<TrustAnchor<'static>>,
    /// Anchor subject (DER, without the outer SEQUENCE header) to its readable name.
    names: HashMap<Vec<u8>, String>,
    /// Keys larger than this make a `key_too_large` finding (`--max-key-bits`).
    pub max_key_bits: Option<u32>,
    cache: Mutex<ChainCache>,
    verifications: AtomicU64,
}

/// Analysed chains by (SHA-256 of each certificate, purpose), and the bytes
/// of certificates they hold.
#[derive(Default)]
struct ChainCache {
    map: HashMap<(Vec<u8>, Purpose), Arc<Parsed>>,
    bytes: usize,
}

/// Bounds of the chain cache: a capture of many distinct (or hostile, huge)
/// chains must not grow it without end; past either, it starts again.
const CACHE_MAX_CHAINS: usize = 100_000;
const CACHE_MAX_BYTES: usize = 256 * 1024 * 1024;

/// What depends on the chain only, not on the time or the host: analysed once
/// per distinct chain and run (a capture of 100 000 handshakes to one backend
/// parses and verifies its chain once).
#[derive(Debug)]
struct Parsed {
    der: Arc<Vec<Vec<u8>>>,
    certificates: Arc<Vec<CertInfo>>,
    /// (not before, not after) per certificate, when it could be decoded.
    validity: Vec<Option<(i64, i64)>>,
    findings: Vec<Finding>,
    /// The verdict at any time when every certificate is valid.
    trust_in_window: TrustInfo,
    /// When every certificate is valid at once, if ever.
    window: Option<(i64, i64)>,
    leaf_names: LeafNames,
}

#[derive(Clone, Debug, Default)]
struct LeafNames {
    dns: Vec<String>,
    ips: Vec<std::net::IpAddr>,
    cn: Option<String>,
}

/// Strips the outer tag and length of a DER element.
fn der_contents(d: &[u8]) -> &[u8] {
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

fn name_of_subject_content(content: &[u8]) -> String {
    let der = wrap_sequence(content);
    match X509Name::from_der(&der) {
        Ok((_, n)) => escape::text(n.to_string().as_bytes()),
        Err(_) => "(unreadable name)".into(),
    }
}

/// Subjects of the Mozilla roots, to tell a missing public root from a missing intermediate.
fn mozilla_subjects() -> &'static std::collections::HashSet<Vec<u8>> {
    static S: std::sync::OnceLock<std::collections::HashSet<Vec<u8>>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .map(|a| a.subject.as_ref().to_vec())
            .collect()
    })
}

fn subject_text(c: &X509Certificate) -> String {
    escape::text(c.subject().to_string().as_bytes())
}

fn authority_key_id(c: &X509Certificate) -> Option<String> {
    c.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::AuthorityKeyIdentifier(a) => a
            .key_identifier
            .as_ref()
            .map(|k| k.0.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")),
        _ => None,
    })
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
            anchors,
            names,
            max_key_bits: None,
            cache: Mutex::new(ChainCache::default()),
            verifications: AtomicU64::new(0),
        }
    }

    /// Trust anchors from DER certificates (from PEM or DER files, directories, keystores).
    pub fn from_certificates(ders: &[Vec<u8>]) -> Result<TrustStore, String> {
        let mut anchors = Vec::new();
        for (i, d) in ders.iter().enumerate() {
            let cd = CertificateDer::from(d.as_slice());
            let a = webpki::anchor_from_trusted_cert(&cd)
                .map_err(|e| format!("certificate {} is not usable as a trust anchor: {e}", i + 1))?;
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

    /// Chains verified so far (each distinct chain once).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    fn anchor_named(&self, issuer_content: &[u8]) -> Option<&String> {
        self.names.get(issuer_content)
    }

    /// Analyses a chain sent in `frame`, at `at` (Unix seconds), with the host
    /// name the client meant (SNI or --host) for the name check.
    pub fn analyze(&self, ders: &[Vec<u8>], frame: u64, at: i64, host: Option<&str>, purpose: Purpose) -> ChainReport {
        let mut key = Vec::with_capacity(ders.len() * 32);
        for d in ders {
            key.extend_from_slice(&Sha256::digest(d));
        }
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.map.get(&(key.clone(), purpose)).cloned());
        let p = match cached {
            Some(p) => p,
            None => {
                let p = Arc::new(self.parse(ders, purpose));
                if let Ok(mut c) = self.cache.lock() {
                    // Certificates, their decoded fields and the key: about three times the DER.
                    let size = ders.iter().map(|d| d.len() * 3 + 512).sum::<usize>();
                    if c.map.len() >= CACHE_MAX_CHAINS || c.bytes + size > CACHE_MAX_BYTES {
                        c.map.clear();
                        c.bytes = 0;
                    }
                    c.bytes += size;
                    c.map.insert((key, purpose), p.clone());
                }
                p
            }
        };
        let mut findings = Vec::new();
        if let Some(h) = host
            && let Some(f) = hostname_finding(&p.leaf_names, h)
        {
            findings.push(f);
        }
        findings.extend(time_findings(&p, at));
        findings.extend(p.findings.iter().cloned());
        let in_window = p.window.is_some_and(|(a, b)| a <= at && at <= b);
        let trust = if in_window {
            p.trust_in_window.clone()
        } else {
            TrustInfo {
                verdict: if p.trust_in_window.verdict == "not_checked" {
                    "not_checked".into()
                } else {
                    "untrusted".into()
                },
                anchor: None,
                missing_issuer: p.trust_in_window.missing_issuer.clone(),
            }
        };
        ChainReport {
            der: p.der.clone(),
            frame,
            certificates: p.certificates.clone(),
            trust,
            findings,
        }
    }

    fn parse(&self, ders: &[Vec<u8>], purpose: Purpose) -> Parsed {
        let parsed: Vec<Option<X509Certificate>> = ders
            .iter()
            .map(|d| {
                if d.len() > MAX_CERT_LEN {
                    return None;
                }
                X509Certificate::from_der(d).ok().map(|(_, c)| c)
            })
            .collect();
        let certificates: Vec<CertInfo> = ders
            .iter()
            .zip(&parsed)
            .enumerate()
            .map(|(i, (d, p))| cert_info(i, d, p.as_ref()))
            .collect();
        let validity: Vec<Option<(i64, i64)>> = parsed
            .iter()
            .map(|p| {
                p.as_ref()
                    .map(|c| (c.validity().not_before.timestamp(), c.validity().not_after.timestamp()))
            })
            .collect();
        let (from, to) = validity
            .iter()
            .flatten()
            .fold((i64::MIN, i64::MAX), |(a, b), &(nb, na)| (a.max(nb), b.min(na)));
        let window = (from <= to && validity.iter().any(Option::is_some)).then_some((from, to));
        let mut findings = Vec::new();
        let leaf_names = parsed
            .first()
            .and_then(|p| p.as_ref())
            .map(leaf_names)
            .unwrap_or_default();

        for (i, p) in parsed.iter().enumerate() {
            let Some(c) = p else {
                findings.push(Finding {
                    code: "unparsable_certificate".into(),
                    cert_index: Some(i),
                    message: format!("certificate {i} could not be decoded ({} bytes)", ders[i].len()),
                });
                continue;
            };
            let self_signed = c.subject().as_raw() == c.issuer().as_raw();
            if self_signed && i == 0 {
                findings.push(Finding {
                    code: "self_signed".into(),
                    cert_index: Some(0),
                    message: "the certificate is self-signed: clients trust it only if it is in their trust store; use a certificate issued by a CA the clients trust".into(),
                });
            }
            let ki = &certificates[i].key;
            let weak = match (ki.algorithm.as_str(), ki.bits) {
                ("RSA", Some(b)) | ("DSA", Some(b)) => b < 2048,
                ("EC", Some(b)) => b < 224,
                _ => false,
            };
            if weak {
                findings.push(Finding {
                    code: "weak_key".into(),
                    cert_index: Some(i),
                    message: format!(
                        "{} key of {} bits is too small (RSA needs 2048, EC 224); modern clients refuse it: reissue with a larger key",
                        ki.algorithm,
                        ki.bits.unwrap_or(0)
                    ),
                });
            }
            if let (Some(max), Some(bits)) = (self.max_key_bits, ki.bits)
                && bits > max
                && ki.algorithm == "RSA"
            {
                findings.push(Finding {
                    code: "key_too_large".into(),
                    cert_index: Some(i),
                    message: format!(
                        "RSA key of {bits} bits is larger than the {max} bits allowed (--max-key-bits): some gateways refuse such keys"
                    ),
                });
            }
            let sa = certificates[i].signature_algorithm.to_ascii_lowercase();
            // A root's own signature is not checked by clients; only flag the others.
            let root = self_signed && i > 0;
            if (sa.contains("md5") || sa.contains("sha1") || sa.contains("md2")) && !root {
                findings.push(Finding {
                    code: "weak_signature_algorithm".into(),
                    cert_index: Some(i),
                    message: format!(
                        "signed with {}, which clients no longer accept: reissue it with SHA-256",
                        certificates[i].signature_algorithm
                    ),
                });
            }
        }

        let trust = self.path(ders, &parsed, window, purpose, &mut findings);
        Parsed {
            der: Arc::new(ders.to_vec()),
            certificates: Arc::new(certificates),
            validity,
            findings,
            trust_in_window: trust,
            window,
            leaf_names,
        }
    }

    /// Follows issuer links from the leaf through the chain to an anchor,
    /// naming what is missing, and asks webpki for the verdict at a time when
    /// every certificate is valid.
    fn path(
        &self,
        ders: &[Vec<u8>],
        parsed: &[Option<X509Certificate>],
        window: Option<(i64, i64)>,
        purpose: Purpose,
        findings: &mut Vec<Finding>,
    ) -> TrustInfo {
        let Some(Some(leaf)) = parsed.first() else {
            return TrustInfo {
                verdict: "not_checked".into(),
                anchor: None,
                missing_issuer: None,
            };
        };
        let mut on_path = vec![0usize];
        let mut cur = leaf;
        let mut cur_i = 0usize;
        let mut anchor: Option<String> = None;
        let mut missing: Option<String> = None;
        let mut missing_is_public_root = false;
        let mut ends_at_untrusted_root: Option<usize> = None;
        loop {
            let issuer_raw = cur.issuer().as_raw();
            let self_issued = cur.subject().as_raw() == issuer_raw;
            if let Some(n) = self.anchor_named(der_contents(issuer_raw)) {
                anchor = Some(n.clone());
                // A root the server sent as well is on the path, not unrelated.
                if !self_issued
                    && let Some(j) = (0..parsed.len()).find(|j| {
                        !on_path.contains(j) && parsed[*j].as_ref().is_some_and(|c| c.subject().as_raw() == issuer_raw)
                    })
                {
                    on_path.push(j);
                }
                break;
            }
            if self_issued {
                ends_at_untrusted_root = Some(cur_i);
                break;
            }
            let next = parsed
                .iter()
                .enumerate()
                .find(|(j, p)| !on_path.contains(j) && p.as_ref().is_some_and(|c| c.subject().as_raw() == issuer_raw));
            match next {
                Some((j, Some(c))) => {
                    if cur.verify_signature(Some(c.public_key())).is_err() {
                        findings.push(Finding {
                            code: "bad_signature".into(),
                            cert_index: Some(cur_i),
                            message: format!(
                                "the signature of certificate {cur_i} does not verify with the key of its issuer, certificate {j} (same name, another key): the chain mixes certificates of different issuances; send the intermediate that issued this certificate"
                            ),
                        });
                    }
                    on_path.push(j);
                    cur = c;
                    cur_i = j;
                }
                _ => {
                    missing = Some(escape::text(cur.issuer().to_string().as_bytes()));
                    missing_is_public_root = mozilla_subjects().contains(der_contents(issuer_raw));
                    break;
                }
            }
        }
        let in_order = on_path.iter().enumerate().all(|(k, &j)| k == j);
        if !in_order {
            findings.push(Finding {
                code: "wrong_order".into(),
                cert_index: None,
                message: format!(
                    "the certificates are not sent in path order: the path from the leaf is {}; strict clients reject this: send the leaf first, then its issuer, and so on",
                    on_path.iter().map(|j| format!("certificate {j}")).collect::<Vec<_>>().join(" -> ")
                ),
            });
        }
        for (j, p) in parsed.iter().enumerate() {
            if !on_path.contains(&j) && p.is_some() {
                findings.push(Finding {
                    code: "unrelated_certificate".into(),
                    cert_index: Some(j),
                    message: format!(
                        "certificate {j} is on no path from the leaf to a root: remove it from the server's chain file"
                    ),
                });
            }
        }
        if let Some(r) = ends_at_untrusted_root {
            let name = parsed[r].as_ref().map(subject_text).unwrap_or_default();
            let public = parsed[r]
                .as_ref()
                .is_some_and(|c| mozilla_subjects().contains(der_contents(c.subject().as_raw())));
            findings.push(Finding {
                code: "untrusted_root".into(),
                cert_index: Some(r),
                message: format!(
                    "the chain ends at the root \"{name}\", which the trust store ({}) lacks{}: add it to the client's trust store, or use a certificate from a CA the client trusts",
                    self.source,
                    if public { " (it is a public root of the Mozilla program)" } else { "" }
                ),
            });
        }
        if let Some(m) = &missing {
            let akid = authority_key_id(cur)
                .map(|k| format!(" (key identifier {k})"))
                .unwrap_or_default();
            let message = if missing_is_public_root || cur.is_ca() {
                // Servers send intermediates, trust stores hold roots: an issuer
                // missing above a CA certificate is most likely the root.
                format!(
                    "the trust store ({}) lacks \"{m}\"{akid}, the issuer of certificate {cur_i}{}: add it to the client's trust store (if it is an intermediate CA, the server must send it instead)",
                    self.source,
                    if missing_is_public_root {
                        ", a public root of the Mozilla program"
                    } else {
                        ""
                    }
                )
            } else {
                format!(
                    "the server did not send the intermediate \"{m}\"{akid} that issued certificate {cur_i}, and the trust store does not have it: add it to the server's chain file (if it is a root, add it to the client's trust store instead)"
                )
            };
            findings.push(Finding {
                code: "incomplete_chain".into(),
                cert_index: Some(cur_i),
                message,
            });
        }

        let Some((start, _)) = window else {
            // No time at which every certificate is valid: untrusted whatever the store.
            return TrustInfo {
                verdict: "untrusted".into(),
                anchor: None,
                missing_issuer: missing
                    .or_else(|| ends_at_untrusted_root.and_then(|r| parsed[r].as_ref().map(subject_text))),
            };
        };
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let ee_der = CertificateDer::from(ders[0].as_slice());
        let inter: Vec<CertificateDer> = ders[1..].iter().map(|d| CertificateDer::from(d.as_slice())).collect();
        let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(start.max(0) as u64));
        let usage = match purpose {
            Purpose::Server => webpki::KeyUsage::server_auth(),
            Purpose::Client => webpki::KeyUsage::client_auth(),
        };
        let result = webpki::EndEntityCert::try_from(&ee_der).and_then(|ee| {
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &self.anchors,
                &inter,
                time,
                usage,
                None,
                None,
            )
            .map(|p| self.anchor_named(p.anchor().subject.as_ref()).cloned())
        });
        let verdict = match result {
            Ok(a) => {
                if anchor.is_none() {
                    anchor = a;
                }
                "trusted"
            }
            Err(e) => {
                let known = findings.iter().any(|f| {
                    matches!(
                        f.code.as_str(),
                        "untrusted_root"
                            | "incomplete_chain"
                            | "bad_signature"
                            | "weak_key"
                            | "weak_signature_algorithm"
                    )
                });
                if !known {
                    findings.push(Finding {
                        code: "verification_failed".into(),
                        cert_index: None,
                        message: format!("the chain does not verify: {}", webpki_reason(&e)),
                    });
                }
                "untrusted"
            }
        };
        let missing_issuer = match (&missing, ends_at_untrusted_root) {
            (Some(m), _) => Some(m.clone()),
            (None, Some(r)) => parsed[r].as_ref().map(subject_text),
            _ => None,
        };
        TrustInfo {
            verdict: verdict.into(),
            anchor: if verdict == "trusted" { anchor } else { None },
            missing_issuer: if verdict == "trusted" { None } else { missing_issuer },
        }
    }
}

/// Validity findings at the time of the capture (or --at).
fn time_findings(p: &Parsed, at: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, v) in p.validity.iter().enumerate() {
        let Some((nb, na)) = *v else { continue };
        let subj = &p.certificates[i].subject;
        if at > na {
            out.push(Finding {
                code: "expired".into(),
                cert_index: Some(i),
                message: format!(
                    "expired on {} ({} days before the capture): renew \"{subj}\"",
                    timefmt::seconds(na),
                    (at - na) / 86400
                ),
            });
        } else if at < nb {
            out.push(Finding {
                code: "not_yet_valid".into(),
                cert_index: Some(i),
                message: format!(
                    "not valid before {} ({} days after the capture): check the server's and the client's clocks, or the certificate's dates",
                    timefmt::seconds(nb),
                    (nb - at) / 86400
                ),
            });
        } else if na - at < EXPIRES_SOON_DAYS * 86400 {
            out.push(Finding {
                code: "expires_soon".into(),
                cert_index: Some(i),
                message: format!(
                    "expires on {}, {} days after the capture: renew it",
                    timefmt::seconds(na),
                    (na - at) / 86400
                ),
            });
        }
    }
    out
}

fn hostname_finding(n: &LeafNames, host: &str) -> Option<Finding> {
    if hostname_matches(n, host) {
        return None;
    }
    let presented = if n.dns.is_empty() && n.ips.is_empty() {
        n.cn.clone()
            .map(|c| format!("CN={c}"))
            .unwrap_or_else(|| "no name".into())
    } else {
        let mut v: Vec<String> = n.dns.clone();
        v.extend(n.ips.iter().map(|i| i.to_string()));
        v.join(", ")
    };
    Some(Finding {
        code: "hostname_mismatch".into(),
        cert_index: Some(0),
        message: format!(
            "the certificate is not valid for \"{}\": it names {}. Use a certificate whose subjectAltName includes the host the client connects to, or make the client use a name in it",
            escape::text(host.as_bytes()),
            escape::text(presented.as_bytes())
        ),
    })
}

fn webpki_reason(e: &webpki::Error) -> String {
    match e {
        webpki::Error::UnknownIssuer => "no path to a trust anchor".into(),
        webpki::Error::CertExpired { .. } => "a certificate has expired".into(),
        webpki::Error::CertNotValidYet { .. } => "a certificate is not yet valid".into(),
        webpki::Error::InvalidSignatureForPublicKey => "a signature does not verify".into(),
        webpki::Error::CaUsedAsEndEntity => "the leaf is a CA certificate".into(),
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            "the leaf is not for TLS server authentication (extended key usage)".into()
        }
        webpki::Error::UnsupportedSignatureAlgorithmContext(_)
        | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a signature algorithm is not supported (SHA-1, MD5?)".into()
        }
        webpki::Error::UnsupportedCertVersion => "certificate version 1 or 2 is not accepted".into(),
        other => format!("{other:?}").chars().take(80).collect(),
    }
}

fn leaf_names(c: &X509Certificate) -> LeafNames {
    let mut n = LeafNames::default();
    if let Ok(Some(san)) = c.subject_alternative_name() {
        for g in &san.value.general_names {
            match g {
                GeneralName::DNSName(s) => n.dns.push(s.to_string()),
                GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        n.ips.push(std::net::IpAddr::from(a));
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        n.ips.push(std::net::IpAddr::from(a));
                    }
                }
                _ => {}
            }
        }
    }
    n.cn = c
        .subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(|s| s.to_string());
    n
}

fn normalize(h: &str) -> String {
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// RFC 6125 matching of one presented DNS name against the reference host.
pub fn dns_name_matches(presented: &str, host: &str) -> bool {
    let p = normalize(presented);
    let h = normalize(host);
    if p.is_empty() || h.is_empty() {
        return false;
    }
    if let Some(rest) = p.strip_prefix("*.") {
        // The wildcard is the whole leftmost label and stands for exactly one label;
        // it never matches a bare registered domain (at least two labels after it).
        if !rest.contains('.') || rest.contains('*') {
            return false;
        }
        match h.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        p == h
    }
}

fn hostname_matches(n: &LeafNames, host: &str) -> bool {
    // Certificates carry A-labels (xn--); a host given in Unicode is converted.
    let ascii;
    let host = if host.is_ascii() {
        host
    } else {
        ascii = idna::domain_to_ascii(host).unwrap_or_else(|_| host.to_string());
        ascii.as_str()
    };
    if let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        return n.ips.contains(&ip);
    }
    if !n.dns.is_empty() || !n.ips.is_empty() {
        return n.dns.iter().any(|d| dns_name_matches(d, host));
    }
    // Only without SANs does the CN count.
    n.cn.as_deref().is_some_and(|cn| dns_name_matches(cn, host))
}

fn hexlower(b: &[u8]) -> String {
    hex::encode(b)
}

fn sig_alg_name(c: &X509Certificate) -> String {
    let oid = &c.signature_algorithm.algorithm;
    match x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry()) {
        Ok(s) => s.to_string(),
        Err(_) => oid.to_id_string(),
    }
}

fn key_info(c: &X509Certificate) -> KeyInfo {
    match c.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => KeyInfo {
            algorithm: "RSA".into(),
            bits: Some(rsa_bits(r.modulus)),
        },
        Ok(x509_parser::public_key::PublicKey::EC(e)) => KeyInfo {
            algorithm: "EC".into(),
            bits: Some(e.key_size() as u32),
        },
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => KeyInfo {
            algorithm: "DSA".into(),
            bits: None,
        },
        _ => {
            let oid = &c.public_key().algorithm.algorithm;
            let name = match oid.to_id_string().as_str() {
                "1.3.101.112" => "Ed25519".to_string(),
                "1.3.101.113" => "Ed448".to_string(),
                s => s.to_string(),
            };
            KeyInfo {
                algorithm: name,
                bits: None,
            }
        }
    }
}

fn rsa_bits(modulus: &[u8]) -> u32 {
    let m: &[u8] = {
        let mut s = modulus;
        while let [0, rest @ ..] = s {
            s = rest;
        }
        s
    };
    match m.first() {
        Some(b) => (m.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
        None => 0,
    }
}

fn cert_info(index: usize, der: &[u8], p: Option<&X509Certificate>) -> CertInfo {
    let sha256 = hexlower(&Sha256::digest(der));
    let sha1 = hexlower(&Sha1::digest(der));
    let Some(c) = p else {
        return CertInfo {
            index,
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            san: Vec::new(),
            key: KeyInfo {
                algorithm: String::new(),
                bits: None,
            },
            signature_algorithm: String::new(),
            is_ca: false,
            sha256,
            sha1,
            parse_error: Some(if der.len() > MAX_CERT_LEN {
                format!("{} bytes, over the limit of {MAX_CERT_LEN}", der.len())
            } else {
                "not a valid X.509 certificate".into()
            }),
        };
    };
    let mut san = Vec::new();
    if let Ok(Some(s)) = c.subject_alternative_name() {
        for g in s.value.general_names.iter().take(1000) {
            san.push(match g {
                GeneralName::DNSName(s) => format!("DNS:{}", escape::text(s.as_bytes())),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => format!(
                        "IP:{}",
                        std::net::IpAddr::from(<[u8; 4]>::try_from(*b).unwrap_or([0; 4]))
                    ),
                    16 => format!(
                        "IP:{}",
                        std::net::IpAddr::from(<[u8; 16]>::try_from(*b).unwrap_or([0; 16]))
                    ),
                    _ => format!("IP:{}", hex::encode(b)),
                },
                GeneralName::RFC822Name(s) => format!("email:{}", escape::text(s.as_bytes())),
                GeneralName::URI(s) => format!("URI:{}", escape::text(s.as_bytes())),
                other => escape::text(format!("{other}").as_bytes()),
            });
        }
    }
    CertInfo {
        index,
        subject: escape::text(c.subject().to_string().as_bytes()),
        issuer: escape::text(c.issuer().to_string().as_bytes()),
        serial: c.raw_serial_as_string(),
        not_before: timefmt::seconds(c.validity().not_before.timestamp()),
        not_after: timefmt::seconds(c.validity().not_after.timestamp()),
        san,
        key: key_info(c),
        signature_algorithm: sig_alg_name(c),
        is_ca: c.is_ca(),
        sha256,
        sha1,
        parse_error: None,
    }
}

/// Reads PEM bundles or DER files into DER certificates.
pub fn read_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(bytes).flatten() {
        if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" || pem.label == "X509 CERTIFICATE" {
            out.push(pem.contents);
        }
    }
    if out.is_empty() && X509Certificate::from_der(bytes).is_ok() {
        out.push(bytes.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_per_rfc6125() {
        assert!(dns_name_matches("*.example.com", "a.example.com"));
        assert!(dns_name_matches("*.example.com", "A.Example.com."));
        assert!(!dns_name_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_name_matches("*.example.com", "example.com"));
        assert!(!dns_name_matches("*.com", "example.com"));
        assert!(dns_name_matches("backend.company.com", "backend.company.com"));
        assert!(!dns_name_matches("backend.apigee.net", "backend.company.com"));
    }

    #[test]
    fn cn_only_without_sans() {
        let n = LeafNames {
            dns: vec![],
            ips: vec![],
            cn: Some("myinstance.com".into()),
        };
        assert!(hostname_matches(&n, "myinstance.com"));
        let n2 = LeafNames {
            dns: vec!["other.com".into()],
            ips: vec![],
            cn: Some("myinstance.com".into()),
        };
        assert!(!hostname_matches(&n2, "myinstance.com"));
        let n3 = LeafNames {
            dns: vec![],
            ips: vec!["10.1.2.3".parse().unwrap()],
            cn: None,
        };
        assert!(hostname_matches(&n3, "10.1.2.3"));
        assert!(!hostname_matches(&n3, "10.1.2.4"));
    }

    #[test]
    fn rsa_bits_counts_leading_zero_bytes_out() {
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xff, 256));
        assert_eq!(rsa_bits(&m), 2048);
    }
}

#[cfg(test)]
mod finding_tests {
    //! Each chain finding on chains made with rcgen (ECDSA P-256 keys).
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};

    /// 2026-06-01T00:00:00Z
    const AT: i64 = 1_780_272_000;

    struct Ca {
        der: Vec<u8>,
        params: CertificateParams,
        key: KeyPair,
    }

    fn params(cn: &str, ca: bool, from: (i32, u8, u8), to: (i32, u8, u8)) -> CertificateParams {
        let mut p = CertificateParams::new(if ca { vec![] } else { vec![cn.to_string()] }).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p.not_before = date_time_ymd(from.0, from.1, from.2);
        p.not_after = date_time_ymd(to.0, to.1, to.2);
        p
    }

    fn root(cn: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let params = params(cn, true, (2025, 1, 1), (2035, 1, 1));
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { der, params, key }
    }

    fn issue(cn: &str, ca: bool, by: &Ca, from: (i32, u8, u8), to: (i32, u8, u8)) -> Ca {
        let key = KeyPair::generate().unwrap();
        let params = params(cn, ca, from, to);
        let issuer = Issuer::new(by.params.clone(), &by.key);
        let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
        Ca { der, params, key }
    }

    fn leaf(by: &Ca) -> Ca {
        issue("backend.company.com", false, by, (2026, 1, 1), (2027, 1, 1))
    }

    fn codes(r: &ChainReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.code.as_str()).collect()
    }

    fn store(roots: &[&Ca]) -> TrustStore {
        TrustStore::from_certificates(&roots.iter().map(|r| r.der.clone()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn good_chain_is_trusted_with_its_anchor() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        let s = store(&[&r]);
        let rep = s.analyze(&[l.der, i.der], 5, AT, Some("backend.company.com"), Purpose::Server);
        assert_eq!(rep.trust.verdict, "trusted");
        assert_eq!(rep.trust.anchor.as_deref(), Some("CN=Root"));
        assert!(codes(&rep).is_empty(), "{:?}", rep.findings);
    }

    #[test]
    fn missing_intermediate_is_incomplete_chain_naming_it() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        let rep = store(&[&r]).analyze(&[l.der], 5, AT, None, Purpose::Server);
        assert_eq!(rep.trust.verdict, "untrusted");
        assert_eq!(rep.trust.missing_issuer.as_deref(), Some("CN=Inter"));
        let f = rep.findings.iter().find(|f| f.code == "incomplete_chain").unwrap();
        assert!(
            f.message
                .contains("the server did not send the intermediate \"CN=Inter\""),
            "{}",
            f.message
        );
    }

    #[test]
    fn root_missing_from_the_store_is_named() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        let other = root("Other");
        let rep = store(&[&other]).analyze(&[l.der.clone(), i.der.clone()], 5, AT, None, Purpose::Server);
        let f = rep.findings.iter().find(|f| f.code == "incomplete_chain").unwrap();
        assert!(f.message.contains("lacks \"CN=Root\""), "{}", f.message);
        // With the root in the chain: untrusted_root on it.
        let rep = store(&[&other]).analyze(&[l.der, i.der, r.der], 5, AT, None, Purpose::Server);
        let f = rep.findings.iter().find(|f| f.code == "untrusted_root").unwrap();
        assert_eq!(f.cert_index, Some(2));
    }

    #[test]
    fn expired_not_yet_valid_expires_soon() {
        let r = root("Root");
        let s = store(&[&r]);
        let old = issue("backend.company.com", false, &r, (2024, 1, 1), (2025, 1, 1));
        assert!(codes(&s.analyze(&[old.der], 1, AT, None, Purpose::Server)).contains(&"expired"));
        let new = issue("backend.company.com", false, &r, (2026, 12, 1), (2027, 1, 1));
        let rep = s.analyze(&[new.der], 1, AT, None, Purpose::Server);
        assert!(codes(&rep).contains(&"not_yet_valid"));
        assert_eq!(rep.trust.verdict, "untrusted");
        let soon = issue("backend.company.com", false, &r, (2026, 1, 1), (2026, 6, 15));
        let rep = s.analyze(&[soon.der], 1, AT, None, Purpose::Server);
        assert!(codes(&rep).contains(&"expires_soon"));
        assert_eq!(rep.trust.verdict, "trusted");
    }

    #[test]
    fn hostname_and_self_signed() {
        let r = root("Root");
        let l = leaf(&r);
        let s = store(&[&r]);
        let rep = s.analyze(
            std::slice::from_ref(&l.der),
            1,
            AT,
            Some("backend.apigee.net"),
            Purpose::Server,
        );
        assert!(codes(&rep).contains(&"hostname_mismatch"));
        let key = KeyPair::generate().unwrap();
        let ss = params("backend.company.com", false, (2026, 1, 1), (2027, 1, 1))
            .self_signed(&key)
            .unwrap();
        let rep = s.analyze(
            &[ss.der().to_vec()],
            1,
            AT,
            Some("backend.company.com"),
            Purpose::Server,
        );
        assert!(codes(&rep).contains(&"self_signed"));
        assert!(codes(&rep).contains(&"untrusted_root"));
    }

    #[test]
    fn bad_signature_wrong_order_unrelated() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        // Another intermediate with the same name and another key: the leaf's signature fails.
        let i2 = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let s = store(&[&r]);
        let rep = s.analyze(&[l.der.clone(), i2.der.clone()], 1, AT, None, Purpose::Server);
        assert!(codes(&rep).contains(&"bad_signature"), "{:?}", rep.findings);
        assert_eq!(rep.trust.verdict, "untrusted");
        let other = root("Other");
        let rep = s.analyze(
            &[l.der.clone(), r.der.clone(), i.der.clone()],
            1,
            AT,
            None,
            Purpose::Server,
        );
        assert!(codes(&rep).contains(&"wrong_order"), "{:?}", rep.findings);
        assert!(!codes(&rep).contains(&"unrelated_certificate"), "{:?}", rep.findings);
        let rep = s.analyze(&[l.der, i.der, other.der], 1, AT, None, Purpose::Server);
        let f = rep.findings.iter().find(|f| f.code == "unrelated_certificate").unwrap();
        assert_eq!(f.cert_index, Some(2));
    }

    #[test]
    fn one_verification_per_distinct_chain() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        let s = store(&[&r]);
        let chain = vec![l.der, i.der];
        for k in 0..1000 {
            let rep = s.analyze(&chain, k, AT + k as i64, Some("backend.company.com"), Purpose::Server);
            assert_eq!(rep.trust.verdict, "trusted");
        }
        assert_eq!(s.verifications(), 1);
    }

    #[test]
    fn idna_and_trailing_dots_and_ip() {
        let n = LeafNames {
            dns: vec!["xn--bcher-kva.example".into()],
            ips: vec!["2001:db8::1".parse().unwrap()],
            cn: None,
        };
        assert!(hostname_matches(&n, "bücher.example"));
        assert!(hostname_matches(&n, "xn--bcher-kva.example."));
        assert!(hostname_matches(&n, "2001:db8::1"));
        assert!(hostname_matches(&n, "[2001:db8::1]"));
        assert!(!hostname_matches(&n, "buecher.example"));
    }
}
