//! What depends on the chain only: each certificate's facts and per-certificate
//! findings, the path, and the validity boundaries.

use std::sync::{Arc, Mutex};

use x509_parser::prelude::*;

use super::facts::{cert_info, leaf_names, leaf_usage};
use super::*;

impl Chains {
    pub(super) fn parse(&self, ders: &[Vec<u8>]) -> Parsed {
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
        let mut defects = Vec::new();
        let leaf_names = parsed.first().and_then(|p| p.as_ref()).map(leaf_names);
        let leaf_usage = parsed.first().and_then(|p| p.as_ref()).map(leaf_usage);
        for (i, p) in parsed.iter().enumerate() {
            match p {
                Some(c) => defects.extend(self.certificate_defects(i, c, &certificates[i])),
                None => defects.push(Defect::Unparsable {
                    index: i,
                    len: ders[i].len(),
                }),
            }
        }
        let (walk, on_path) = self.path(&parsed, &mut defects);
        Parsed {
            der: Arc::new(ders.to_vec()),
            certificates: Arc::new(certificates),
            validity,
            on_path,
            defects,
            walk,
            leaf_names,
            leaf_usage,
            boundaries,
            verdicts: Mutex::new(Vec::new()),
        }
    }

    /// What is wrong with one parsed certificate on its own: self-signed leaf,
    /// key size, signature algorithm.
    fn certificate_defects(&self, i: usize, c: &X509Certificate, info: &CertInfo) -> Vec<Defect> {
        let mut out = Vec::new();
        let self_signed = c.subject().as_raw() == c.issuer().as_raw();
        if self_signed && i == 0 {
            out.push(Defect::SelfSigned);
        }
        let ki = &info.key;
        let weak = match (ki.algorithm.as_str(), ki.bits) {
            ("RSA", Some(b)) | ("DSA", Some(b)) => b < 2048,
            ("EC", Some(b)) => b < 224,
            _ => false,
        };
        if weak {
            out.push(Defect::WeakKey {
                index: i,
                algorithm: ki.algorithm.clone(),
                bits: ki.bits.unwrap_or(0),
            });
        }
        if let (Some(max), Some(bits)) = (self.max_key_bits, ki.bits)
            && bits > max
            && ki.algorithm == "RSA"
        {
            out.push(Defect::KeyTooLarge { index: i, bits, max });
        }
        let sa = info.signature_algorithm.to_ascii_lowercase();
        // A root's own signature is not checked by clients; only flag the others.
        let root = self_signed && i > 0;
        if (sa.contains("md5") || sa.contains("sha1") || sa.contains("md2")) && !root {
            out.push(Defect::WeakSignatureAlgorithm {
                index: i,
                algorithm: info.signature_algorithm.clone(),
            });
        }
        out
    }
}
