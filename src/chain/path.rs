//! The issuer walk from the leaf: the path, the anchor it reaches or the
//! certificate that is missing (`untrusted_root` above a CA certificate,
//! `incomplete_chain` above the leaf), order and extra certificates.

use x509_parser::prelude::*;

use super::facts::{authority_key_id, subject_text};
use super::*;
use crate::escape;
use crate::trust::{der_contents, mozilla_subjects};

impl Chains {
    /// Follows issuer links from the leaf through the chain to an anchor,
    /// naming what is missing; returns what it found and which certificates
    /// are on the path. The verdict itself is webpki's (`verified_at`).
    pub(super) fn path(&self, parsed: &[Option<X509Certificate>], defects: &mut Vec<Defect>) -> (Walk, Vec<bool>) {
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
            if let Some(n) = self.store.anchor_named(der_contents(issuer_raw)) {
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
                        defects.push(Defect::BadSignature {
                            index: cur_i,
                            issuer: j,
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
            defects.push(Defect::WrongOrder { path: on_path.clone() });
        }
        for (j, p) in parsed.iter().enumerate() {
            if let Some(c) = p
                && !on_path.contains(&j)
            {
                defects.push(extra_certificate(j, c, parsed, &on_path));
            }
        }
        if let Some(r) = ends_at_untrusted_root {
            let name = parsed[r].as_ref().map(subject_text).unwrap_or_default();
            let public = parsed[r]
                .as_ref()
                .is_some_and(|c| mozilla_subjects().contains(der_contents(c.subject().as_raw())));
            defects.push(Defect::RootNotTrusted {
                index: r,
                subject: name,
                public,
                store: self.store.source.clone(),
            });
        }
        if let Some(m) = &missing {
            defects.push(self.missing_issuer(m, cur, cur_i, missing_is_public_root));
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
    fn missing_issuer(&self, m: &str, cur: &X509Certificate, cur_i: usize, public_root: bool) -> Defect {
        let key_id = authority_key_id(cur);
        if public_root || cur.is_ca() {
            Defect::MissingRoot {
                index: cur_i,
                issuer: m.to_string(),
                key_id,
                public: public_root,
                store: self.store.source.clone(),
            }
        } else {
            Defect::MissingIntermediate {
                index: cur_i,
                issuer: m.to_string(),
                key_id,
            }
        }
    }
}

/// A certificate sent but not on the path: a cross-signed copy of a
/// certificate on the path (an old root's cross-sign), or one unrelated to it.
fn extra_certificate(j: usize, c: &X509Certificate, parsed: &[Option<X509Certificate>], on_path: &[usize]) -> Defect {
    let path_issuers = on_path
        .iter()
        .filter_map(|&k| parsed.get(k).and_then(Option::as_ref))
        .any(|p| p.issuer().as_raw() == c.subject().as_raw());
    Defect::Extra {
        index: j,
        cross_sign: path_issuers.then(|| (subject_text(c), escape::text(c.issuer().to_string().as_bytes()))),
    }
}
