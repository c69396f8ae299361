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
pub use crate::vocabulary::{FindingCode, TrustVerdict};

/// Certificates at most this large are parsed: as large as the largest
/// handshake message assembled (test captures carry certificates of 300 KB).
pub const MAX_CERT_LEN: usize = crate::tls::MAX_HANDSHAKE_LEN;
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
    pub verdict: TrustVerdict,
    pub anchor: Option<String>,
    pub missing_issuer: Option<String>,
    /// Why the chain was not checked, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub code: FindingCode,
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
    /// Which certificates are on the path from the leaf: findings about the
    /// others never explain a failure.
    #[serde(skip)]
    pub on_path: Vec<bool>,
    /// The leaf's key usages, when the leaf was parsed.
    #[serde(skip)]
    pub leaf_usage: Option<LeafUsage>,
}

/// What the leaf's keyUsage and extendedKeyUsage extensions allow (None: no such extension).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeafUsage {
    /// keyUsage: (digitalSignature, keyEncipherment).
    pub key_usage: Option<(bool, bool)>,
    /// extendedKeyUsage: (serverAuth, clientAuth, anyExtendedKeyUsage).
    pub extended: Option<(bool, bool, bool)>,
}

fn leaf_usage(c: &X509Certificate) -> LeafUsage {
    LeafUsage {
        key_usage: c
            .key_usage()
            .ok()
            .flatten()
            .map(|k| (k.value.digital_signature(), k.value.key_encipherment())),
        extended: c
            .extended_key_usage()
            .ok()
            .flatten()
            .map(|e| (e.value.server_auth, e.value.client_auth, e.value.any)),
    }
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
/// parses its chain once, and asks webpki once per span of time in which no
/// certificate of it starts or stops being valid).
#[derive(Debug)]
struct Parsed {
    der: Arc<Vec<Vec<u8>>>,
    certificates: Arc<Vec<CertInfo>>,
    /// (not before, not after) per certificate, when it could be decoded.
    validity: Vec<Option<(i64, i64)>>,
    /// Certificates on the path from the leaf to the anchor (or to where it breaks).
    on_path: Vec<bool>,
    findings: Vec<Finding>,
    walk: Walk,
    /// The leaf's names, when the leaf could be parsed (no claim otherwise).
    leaf_names: Option<LeafNames>,
    leaf_usage: Option<LeafUsage>,
    /// Validity boundaries of every certificate, sorted: between two of them
    /// webpki's answer cannot change.
    boundaries: Vec<i64>,
    /// webpki's answers per span [from, to) of `boundaries`.
    verdicts: Mutex<Vec<(i64, i64, Verified)>>,
}

/// webpki's answer at one time: the anchor reached, or why not, in words.
#[derive(Clone, Debug)]
enum Verified {
    Trusted(Option<String>),
    Untrusted(String),
    NotChecked(String),
}

/// The verifier (webpki) reads DER lengths of at most two bytes.
const MAX_VERIFIABLE_CERT_LEN: usize = 65_535;

/// What the issuer walk from the leaf found.
#[derive(Clone, Debug, Default)]
struct Walk {
    /// The anchor the walk reached, by name.
    anchor: Option<String>,
    /// The subject of the certificate that would complete the path.
    missing_issuer: Option<String>,
}

/// Answers kept per chain; more spans than this start the list again.
const MAX_SPANS: usize = 64;

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
                let p = Arc::new(self.parse(ders));
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
        // No claim about the names of a leaf that could not be parsed.
        if let (Some(h), Some(names)) = (host, &p.leaf_names)
            && let Some(f) = hostname_finding(names, h)
        {
            findings.push(f);
        }
        findings.extend(time_findings(&p, at));
        findings.extend(p.findings.iter().cloned());
        if let Some(f) = p.leaf_usage.and_then(|u| extended_usage_finding(u, purpose)) {
            findings.push(f);
        }
        let trust = match self.verified_at(&p, at, purpose) {
            Verified::Trusted(a) => TrustInfo {
                verdict: TrustVerdict::Trusted,
                anchor: p.walk.anchor.clone().or(a),
                missing_issuer: None,
                reason: None,
            },
            Verified::Untrusted(why) => {
                if !findings.iter().any(|f| explains_untrusted(f, &p.on_path)) {
                    findings.push(Finding {
                        code: FindingCode::VerificationFailed,
                        cert_index: None,
                        message: format!("the chain does not verify: {why}"),
                    });
                }
                TrustInfo {
                    verdict: TrustVerdict::Untrusted,
                    anchor: None,
                    missing_issuer: p.walk.missing_issuer.clone(),
                    reason: None,
                }
            }
            Verified::NotChecked(why) => TrustInfo {
                verdict: TrustVerdict::NotChecked,
                anchor: None,
                missing_issuer: None,
                reason: Some(why),
            },
        };
        ChainReport {
            der: p.der.clone(),
            frame,
            certificates: p.certificates.clone(),
            trust,
            findings,
            on_path: p.on_path.clone(),
            leaf_usage: p.leaf_usage,
        }
    }

    /// webpki's verdict at `at`, asked once per span of time in which no
    /// certificate of the chain starts or stops being valid. Only the path
    /// webpki builds decides: an extra, expired certificate does not.
    fn verified_at(&self, p: &Parsed, at: i64, purpose: Purpose) -> Verified {
        if p.leaf_names.is_none() {
            return Verified::NotChecked("the server's certificate could not be decoded".into());
        }
        if let Some((i, d)) = p
            .der
            .iter()
            .enumerate()
            .find(|(_, d)| d.len() > MAX_VERIFIABLE_CERT_LEN)
        {
            return Verified::NotChecked(format!(
                "certificate {i} is {} bytes, more than the verifier reads ({MAX_VERIFIABLE_CERT_LEN})",
                d.len()
            ));
        }
        let from = p
            .boundaries
            .iter()
            .rev()
            .find(|&&b| b <= at)
            .copied()
            .unwrap_or(i64::MIN);
        let to = p.boundaries.iter().find(|&&b| b > at).copied().unwrap_or(i64::MAX);
        if let Ok(v) = p.verdicts.lock()
            && let Some((_, _, hit)) = v.iter().find(|(f, t, _)| *f <= at && at < *t)
        {
            return hit.clone();
        }
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let ee_der = CertificateDer::from(p.der[0].as_slice());
        let inter: Vec<CertificateDer> = p.der[1..].iter().map(|d| CertificateDer::from(d.as_slice())).collect();
        let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.max(0).unsigned_abs()));
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
            .map(|path| self.anchor_named(path.anchor().subject.as_ref()).cloned())
        });
        let v = match result {
            Ok(a) => Verified::Trusted(a),
            Err(e) => Verified::Untrusted(webpki_reason(&e)),
        };
        if let Ok(mut list) = p.verdicts.lock() {
            if list.len() >= MAX_SPANS {
                list.clear();
            }
            list.push((from, to, v.clone()));
        }
        v
    }

    fn parse(&self, ders: &[Vec<u8>]) -> Parsed {
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
        // A certificate stops being valid one second after its notAfter.
        let mut boundaries: Vec<i64> = validity
            .iter()
            .flatten()
            .flat_map(|&(nb, na)| [nb, na.saturating_add(1)])
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        let mut findings = Vec::new();
        let leaf_names = parsed.first().and_then(|p| p.as_ref()).map(leaf_names);
        let leaf_usage = parsed.first().and_then(|p| p.as_ref()).map(leaf_usage);

        for (i, p) in parsed.iter().enumerate() {
            let Some(c) = p else {
                findings.push(Finding {
                    code: FindingCode::UnparsableCertificate,
                    cert_index: Some(i),
                    message: format!("certificate {i} could not be decoded ({} bytes)", ders[i].len()),
                });
                continue;
            };
            let self_signed = c.subject().as_raw() == c.issuer().as_raw();
            if self_signed && i == 0 {
                findings.push(Finding {
                    code: FindingCode::SelfSigned,
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
                    code: FindingCode::WeakKey,
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
                    code: FindingCode::KeyTooLarge,
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
                    code: FindingCode::WeakSignatureAlgorithm,
                    cert_index: Some(i),
                    message: format!(
                        "signed with {}, which clients no longer accept: reissue it with SHA-256",
                        certificates[i].signature_algorithm
                    ),
                });
            }
        }

        let (walk, on_path) = self.path(&parsed, &mut findings);
        Parsed {
            der: Arc::new(ders.to_vec()),
            certificates: Arc::new(certificates),
            validity,
            on_path,
            findings,
            walk,
            leaf_names,
            leaf_usage,
            boundaries,
            verdicts: Mutex::new(Vec::new()),
        }
    }

    /// Follows issuer links from the leaf through the chain to an anchor,
    /// naming what is missing; returns what it found and which certificates
    /// are on the path. The verdict itself is webpki's (`verified_at`).
    fn path(&self, parsed: &[Option<X509Certificate>], findings: &mut Vec<Finding>) -> (Walk, Vec<bool>) {
        let Some(Some(leaf)) = parsed.first() else {
            return (Walk::default(), vec![false; parsed.len()]);
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
                // A root the server sent as well is on the path, not unrelated; a
                // cross-signed copy of it (same subject, another issuer) is not.
                if !self_issued
                    && let Some(j) = (0..parsed.len()).find(|j| {
                        !on_path.contains(j)
                            && parsed[*j].as_ref().is_some_and(|c| {
                                c.subject().as_raw() == issuer_raw && c.issuer().as_raw() == issuer_raw
                            })
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
                            code: FindingCode::BadSignature,
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
                code: FindingCode::WrongOrder,
                cert_index: None,
                message: format!(
                    "the certificates are not sent in path order: the path from the leaf is {}; strict clients reject this: send the leaf first, then its issuer, and so on",
                    on_path.iter().map(|j| format!("certificate {j}")).collect::<Vec<_>>().join(" -> ")
                ),
            });
        }
        for (j, p) in parsed.iter().enumerate() {
            if let Some(c) = p
                && !on_path.contains(&j)
            {
                findings.push(extra_certificate(j, c, parsed, &on_path));
            }
        }
        if let Some(r) = ends_at_untrusted_root {
            let name = parsed[r].as_ref().map(subject_text).unwrap_or_default();
            let public = parsed[r]
                .as_ref()
                .is_some_and(|c| mozilla_subjects().contains(der_contents(c.subject().as_raw())));
            findings.push(Finding {
                code: FindingCode::UntrustedRoot,
                cert_index: Some(r),
                message: format!(
                    "the chain ends at the root \"{name}\", which the trust store ({}) lacks{}: add it to the client's trust store, or use a certificate from a CA the client trusts",
                    self.source,
                    if public { " (it is a public root of the Mozilla program)" } else { "" }
                ),
            });
        }
        if let Some(m) = &missing {
            findings.push(self.missing_issuer_finding(m, cur, cur_i, missing_is_public_root));
        }
        let missing_issuer = match (&missing, ends_at_untrusted_root) {
            (Some(m), _) => Some(m.clone()),
            (None, Some(r)) => parsed[r].as_ref().map(subject_text),
            _ => None,
        };
        let mut path = vec![false; parsed.len()];
        for j in on_path {
            path[j] = true;
        }
        (Walk { anchor, missing_issuer }, path)
    }

    /// The path breaks above certificate `cur_i`: its issuer is neither sent
    /// nor a trust anchor. Above a CA certificate (or a public root) it is the
    /// root the client's store lacks (`untrusted_root`); above the leaf, the
    /// intermediate the server did not send (`incomplete_chain`).
    fn missing_issuer_finding(&self, m: &str, cur: &X509Certificate, cur_i: usize, public_root: bool) -> Finding {
        let akid = authority_key_id(cur)
            .map(|k| format!(" (key identifier {k})"))
            .unwrap_or_default();
        if public_root || cur.is_ca() {
            Finding {
                code: FindingCode::UntrustedRoot,
                cert_index: Some(cur_i),
                message: format!(
                    "the trust store ({}) lacks \"{m}\"{akid}, the issuer of certificate {cur_i}{}: add it to the client's trust store (if it is an intermediate CA, the server must send it instead)",
                    self.source,
                    if public_root {
                        ", a public root of the Mozilla program"
                    } else {
                        ""
                    }
                ),
            }
        } else {
            Finding {
                code: FindingCode::IncompleteChain,
                cert_index: Some(cur_i),
                message: format!(
                    "the server did not send the intermediate \"{m}\"{akid} that issued certificate {cur_i}, and the trust store does not have it: add it to the server's chain file (if it is a root, add it to the client's trust store instead)"
                ),
            }
        }
    }
}

/// A certificate sent but not on the path: a cross-signed copy of a
/// certificate on the path (an old root's cross-sign), or one unrelated to it.
fn extra_certificate(j: usize, c: &X509Certificate, parsed: &[Option<X509Certificate>], on_path: &[usize]) -> Finding {
    let path_issuers = on_path
        .iter()
        .filter_map(|&k| parsed.get(k).and_then(Option::as_ref))
        .any(|p| p.issuer().as_raw() == c.subject().as_raw());
    let message = if path_issuers {
        format!(
            "certificate {j} (\"{}\", issued by \"{}\") is a cross-signed copy of a CA the path goes through, and the path does not need it: it does not affect the verdict; remove it from the server's chain file unless old clients need it",
            subject_text(c),
            escape::text(c.issuer().to_string().as_bytes())
        )
    } else {
        format!("certificate {j} is on no path from the leaf to a root: remove it from the server's chain file")
    };
    Finding {
        code: FindingCode::UnrelatedCertificate,
        cert_index: Some(j),
        message,
    }
}

/// wrong_key_usage when the leaf's extendedKeyUsage leaves out the purpose
/// the chain was sent for (serverAuth for a server, clientAuth for a client).
fn extended_usage_finding(u: LeafUsage, purpose: Purpose) -> Option<Finding> {
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
fn explains_untrusted(f: &Finding, on_path: &[bool]) -> bool {
    use FindingCode::*;
    let on = f.cert_index.is_none_or(|i| on_path.get(i).copied().unwrap_or(false));
    match f.code {
        UntrustedRoot | IncompleteChain | BadSignature | UnparsableCertificate | WrongKeyUsage => true,
        WeakKey | WeakSignatureAlgorithm | Expired | NotYetValid => on,
        _ => false,
    }
}

/// Validity findings at the time of the capture (or --at).
fn time_findings(p: &Parsed, at: i64) -> Vec<Finding> {
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
        code: FindingCode::HostnameMismatch,
        cert_index: Some(0),
        message: format!(
            "the certificate is not valid for \"{}\": it names {}. Use a certificate whose subjectAltName includes the host the client connects to, or make the client use a name in it",
            escape::text(host.as_bytes()),
            escape::text(presented.as_bytes())
        ),
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

/// The first DER element of `d` (tag, length and contents), or all of `d`
/// when its length cannot be read.
fn first_der_element(d: &[u8]) -> &[u8] {
    let Some(&l) = d.get(1) else { return d };
    let (hdr, len) = if l & 0x80 == 0 {
        (2usize, l as usize)
    } else {
        let n = (l & 0x7f) as usize;
        if n == 0 || n > 4 {
            return d;
        }
        let Some(bytes) = d.get(2..2 + n) else { return d };
        (2 + n, bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize))
    };
    hdr.checked_add(len).and_then(|end| d.get(..end)).unwrap_or(d)
}

/// Reads PEM bundles or DER files into DER certificates.
pub fn read_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(bytes).flatten() {
        match pem.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" => out.push(pem.contents),
            // `openssl x509 -trustout`: the certificate, then OpenSSL's trust
            // settings (X509_CERT_AUX); the anchor is the certificate alone.
            "TRUSTED CERTIFICATE" => out.push(first_der_element(&pem.contents).to_vec()),
            _ => {}
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
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType, date_time_ymd};

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
        assert_eq!(rep.trust.verdict.as_str(), "trusted");
        assert_eq!(rep.trust.anchor.as_deref(), Some("CN=Root"));
        assert!(codes(&rep).is_empty(), "{:?}", rep.findings);
    }

    #[test]
    fn missing_intermediate_is_incomplete_chain_naming_it() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        let rep = store(&[&r]).analyze(&[l.der], 5, AT, None, Purpose::Server);
        assert_eq!(rep.trust.verdict.as_str(), "untrusted");
        assert_eq!(rep.trust.missing_issuer.as_deref(), Some("CN=Inter"));
        let f = rep
            .findings
            .iter()
            .find(|f| f.code.as_str() == "incomplete_chain")
            .unwrap();
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
        let f = rep
            .findings
            .iter()
            .find(|f| f.code.as_str() == "untrusted_root")
            .unwrap();
        assert!(f.message.contains("lacks \"CN=Root\""), "{}", f.message);
        // With the root in the chain: untrusted_root on it.
        let rep = store(&[&other]).analyze(&[l.der, i.der, r.der], 5, AT, None, Purpose::Server);
        let f = rep
            .findings
            .iter()
            .find(|f| f.code.as_str() == "untrusted_root")
            .unwrap();
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
        assert_eq!(rep.trust.verdict.as_str(), "untrusted");
        let soon = issue("backend.company.com", false, &r, (2026, 1, 1), (2026, 6, 15));
        let rep = s.analyze(&[soon.der], 1, AT, None, Purpose::Server);
        assert!(codes(&rep).contains(&"expires_soon"));
        assert_eq!(rep.trust.verdict.as_str(), "trusted");
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
        assert_eq!(rep.trust.verdict.as_str(), "untrusted");
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
        let f = rep
            .findings
            .iter()
            .find(|f| f.code.as_str() == "unrelated_certificate")
            .unwrap();
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
            assert_eq!(rep.trust.verdict.as_str(), "trusted");
        }
        assert_eq!(s.verifications(), 1);
    }

    /// The Let's Encrypt long chain: leaf, intermediate, and an expired
    /// cross-sign of the root by an older root. Only the path decides.
    #[test]
    fn an_expired_cross_sign_off_the_path_leaves_the_chain_trusted() {
        let r = root("Root");
        let old = root("Old Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i);
        // Root's name and key, signed by the old root, expired.
        let mut xp = r.params.clone();
        xp.not_before = date_time_ymd(2020, 1, 1);
        xp.not_after = date_time_ymd(2024, 9, 30);
        let cross = xp
            .signed_by(&r.key, &Issuer::new(old.params.clone(), &old.key))
            .unwrap()
            .der()
            .to_vec();
        let s = store(&[&r]);
        let rep = s.analyze(
            &[l.der, i.der, cross],
            5,
            AT,
            Some("backend.company.com"),
            Purpose::Server,
        );
        assert_eq!(rep.trust.verdict.as_str(), "trusted", "{:?}", rep.findings);
        assert_eq!(rep.trust.anchor.as_deref(), Some("CN=Root"));
        assert_eq!(rep.on_path, vec![true, true, false]);
        let expired = rep.findings.iter().find(|f| f.code.as_str() == "expired").unwrap();
        assert_eq!(expired.cert_index, Some(2));
        assert!(
            expired.message.contains("does not affect the verdict"),
            "{}",
            expired.message
        );
        assert!(!codes(&rep).contains(&"verification_failed"), "{:?}", rep.findings);
    }

    #[test]
    fn the_verdict_is_asked_at_the_time_given() {
        let r = root("Root");
        let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1));
        let l = leaf(&i); // 2026-01-01 .. 2027-01-01
        let s = store(&[&r]);
        let chain = vec![l.der, i.der];
        assert_eq!(
            s.analyze(&chain, 1, AT, None, Purpose::Server).trust.verdict.as_str(),
            "trusted"
        );
        let later = AT + 400 * 86400;
        let rep = s.analyze(&chain, 1, later, None, Purpose::Server);
        assert_eq!(rep.trust.verdict.as_str(), "untrusted");
        assert!(codes(&rep).contains(&"expired"));
        assert_eq!(
            s.analyze(&chain, 1, AT + 1, None, Purpose::Server).trust.verdict,
            TrustVerdict::Trusted
        );
        assert_eq!(s.verifications(), 2, "one question per span of validity");
    }

    #[test]
    fn an_unparsed_leaf_gets_no_claim_about_its_names() {
        let r = root("Root");
        let s = store(&[&r]);
        let rep = s.analyze(
            &[vec![0x30, 0x03, 0x02, 0x01, 0x01]],
            1,
            AT,
            Some("backend.company.com"),
            Purpose::Server,
        );
        assert_eq!(codes(&rep), vec!["unparsable_certificate"]);
        assert_eq!(rep.trust.verdict.as_str(), "not_checked");
    }

    #[test]
    fn certificates_larger_than_64_kib_are_parsed() {
        let r = root("Root");
        let key = KeyPair::generate().unwrap();
        let mut p = params("backend.company.com", false, (2026, 1, 1), (2027, 1, 1));
        // 300 KB of SANs, as in a public test capture's certificate.
        for k in 0..12_000 {
            p.subject_alt_names.push(SanType::DnsName(
                format!("h{k:05}.backend.company.com").try_into().unwrap(),
            ));
        }
        let der = p
            .signed_by(&key, &Issuer::new(r.params.clone(), &r.key))
            .unwrap()
            .der()
            .to_vec();
        assert!(der.len() > 300_000, "{}", der.len());
        let rep = store(&[&r]).analyze(&[der], 1, AT, Some("h11999.backend.company.com"), Purpose::Server);
        // Parsed (names matched, no finding); too large for webpki, which says so.
        assert!(codes(&rep).is_empty(), "{:?}", rep.findings);
        assert_eq!(rep.trust.verdict.as_str(), "not_checked");
        assert!(
            rep.trust.reason.as_deref().unwrap().contains("bytes"),
            "{:?}",
            rep.trust
        );
    }

    #[test]
    fn trusted_certificate_pem_blocks_are_anchors() {
        let r = root("Root");
        // `openssl x509 -trustout`: the certificate followed by X509_CERT_AUX (trust: serverAuth).
        let mut body = r.der.clone();
        body.extend_from_slice(&[
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
        ]);
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = String::new();
        for c in body.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for k in 0..4 {
                b64.push(if k <= c.len() {
                    B64[(n >> (18 - 6 * k) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN TRUSTED CERTIFICATE-----\n{}\n-----END TRUSTED CERTIFICATE-----\n",
            lines.join("\n")
        );
        let certs = read_certificates(pem.as_bytes());
        assert_eq!(certs, vec![r.der.clone()]);
        assert!(TrustStore::from_certificates(&certs).is_ok());
    }

    #[test]
    fn webpki_errors_are_sentences() {
        for e in [
            webpki::Error::TrailingData(webpki::DerTypeId::Certificate),
            webpki::Error::UnknownIssuer,
            webpki::Error::BadDer,
            webpki::Error::CertRevoked,
        ] {
            let s = webpki_reason(&e);
            assert!(!s.contains('(') && !s.contains("Certificate") && s.contains(' '), "{s}");
        }
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
