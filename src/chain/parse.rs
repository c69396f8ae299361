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
}
