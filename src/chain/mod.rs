//! Certificate chains: what each certificate says (`facts`, x509-parser),
//! the path from the leaf to a trust anchor and what breaks it (`path`),
//! webpki's verdict at the connection's time (`verify`), and what is wrong
//! with each certificate (`findings`, `names`). Chains are analysed once per
//! run (`Chains` keeps the cache); the time- and host-dependent parts per
//! connection.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::trust::TrustStore;
pub use crate::vocabulary::{Finding, FindingCode, TrustVerdict};

mod defect;
mod facts;
mod findings;
mod names;
mod parse;
mod path;
mod verify;

use findings::{explains_untrusted, extended_usage_finding, time_findings};
use names::hostname_finding;

pub use crate::trust::pem::read_certificates;
pub use defect::{Defect, UsageGap};
pub use findings::key_usage_finding;
pub use names::dns_name_matches;

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
    /// FoxIO's JA4X; absent when the certificate was not parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4x: Option<String>,
    /// Extension: where the issuer's certificate is published (its
    /// authorityInfoAccess caIssuers URLs); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_issuers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// webpki's verdict on a chain at the connection's time, and what the issuer
/// walk found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trust {
    pub verdict: TrustVerdict,
    /// The trust anchor reached, by name.
    pub anchor: Option<String>,
    /// The subject of the certificate that would complete the path.
    pub missing_issuer: Option<String>,
    /// Why the chain was not checked, when it was not.
    pub reason: Option<String>,
}

/// A chain as the analysis found it (the report writes it as the contract's CHAIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainAnalysis {
    /// The certificates as sent, for --export-certs.
    pub der: Arc<Vec<Vec<u8>>>,
    pub frame: u64,
    /// Each certificate's facts, shared between the connections that sent the same chain.
    pub certificates: Arc<Vec<CertInfo>>,
    pub trust: Trust,
    /// What is wrong with it, as data.
    pub defects: Vec<Defect>,
    /// Which certificates are on the path from the leaf: defects of the
    /// others never explain a failure.
    pub on_path: Vec<bool>,
    /// The leaf's key usages, when the leaf was parsed.
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

/// What a chain is checked for: a server's chain (serverAuth) or a client's (clientAuth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Server,
    Client,
}

/// Analyses chains against a trust store, with the run's policy
/// (`--max-key-bits`), keeping each distinct chain's analysis for the run.
pub struct Chains {
    pub store: TrustStore,
    /// Keys larger than this make a `key_too_large` finding (`--max-key-bits`).
    pub max_key_bits: Option<u32>,
    cache: Mutex<ChainCache>,
    /// Hashes the chains for the cache (seeded per run).
    hasher: foldhash::quality::RandomState,
    verifications: AtomicU64,
}

/// Analysed chains by (a hash of the certificates' bytes, purpose), the
/// number of chains and the bytes of certificates they hold. The bytes
/// themselves tell apart the chains of one hash: a hash of each chain is
/// taken for every connection, and a cryptographic one was 3% of a run.
#[derive(Default)]
struct ChainCache {
    map: HashMap<(u64, Purpose), Vec<Arc<Parsed>>>,
    chains: usize,
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
    defects: Vec<Defect>,
    walk: Walk,
    /// The leaf's names, when the leaf could be parsed (no claim otherwise).
    leaf_names: Option<facts::LeafNames>,
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

impl Chains {
    pub fn new(store: TrustStore) -> Chains {
        Chains {
            store,
            max_key_bits: None,
            cache: Mutex::new(ChainCache::default()),
            hasher: foldhash::quality::RandomState::default(),
            verifications: AtomicU64::new(0),
        }
    }

    /// Chains verified so far (each distinct chain once per span of validity).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Analyses a chain sent in `frame`, at `at` (Unix seconds), with the host
    /// name the client meant (SNI or --host) for the name check.
    pub fn analyze(
        &self,
        ders: &[Vec<u8>],
        frame: u64,
        at: i64,
        host: Option<&str>,
        purpose: Purpose,
    ) -> ChainAnalysis {
        let p = self.parsed(ders, purpose);
        let mut defects = Vec::new();
        // No claim about the names of a leaf that could not be parsed.
        if let (Some(h), Some(names)) = (host, &p.leaf_names)
            && let Some(d) = hostname_finding(names, h)
        {
            defects.push(d);
        }
        defects.extend(time_findings(&p, at));
        defects.extend(p.defects.iter().cloned());
        if let Some(d) = p.leaf_usage.and_then(|u| extended_usage_finding(u, purpose)) {
            defects.push(d);
        }
        let trust = match self.verified_at(&p, at, purpose) {
            Verified::Trusted(a) => Trust {
                verdict: TrustVerdict::Trusted,
                anchor: p.walk.anchor.clone().or(a),
                missing_issuer: None,
                reason: None,
            },
            Verified::Untrusted(why) => {
                if !defects.iter().any(|d| explains_untrusted(d, &p.on_path)) {
                    defects.push(Defect::VerificationFailed { reason: why });
                }
                Trust {
                    verdict: TrustVerdict::Untrusted,
                    anchor: None,
                    missing_issuer: p.walk.missing_issuer.clone(),
                    reason: None,
                }
            }
            Verified::NotChecked(why) => Trust {
                verdict: TrustVerdict::NotChecked,
                anchor: None,
                missing_issuer: None,
                reason: Some(why),
            },
        };
        ChainAnalysis {
            der: p.der.clone(),
            frame,
            certificates: p.certificates.clone(),
            trust,
            defects,
            on_path: p.on_path.clone(),
            leaf_usage: p.leaf_usage,
        }
    }

    /// The chain's analysis that depends on the chain only: from the cache, or made now.
    fn parsed(&self, ders: &[Vec<u8>], purpose: Purpose) -> Arc<Parsed> {
        let key = (self.hasher.hash_one(ders), purpose);
        let cached = self.cache.lock().ok().and_then(|c| {
            let same = c.map.get(&key)?.iter().find(|p| p.der[..] == *ders);
            same.cloned()
        });
        if let Some(p) = cached {
            return p;
        }
        let p = Arc::new(self.parse(ders));
        if let Ok(mut c) = self.cache.lock() {
            // Certificates, their decoded fields and the key: about three times the DER.
            let size = ders.iter().map(|d| d.len() * 3 + 512).sum::<usize>();
            if c.chains >= CACHE_MAX_CHAINS || c.bytes + size > CACHE_MAX_BYTES {
                c.map.clear();
                c.chains = 0;
                c.bytes = 0;
            }
            let list = c.map.entry(key).or_default();
            // Another worker may have analysed the same chain meanwhile.
            if let Some(same) = list.iter().find(|q| q.der[..] == *ders) {
                return same.clone();
            }
            list.push(p.clone());
            c.chains += 1;
            c.bytes += size;
        }
        p
    }
}

#[cfg(test)]
mod tests;
