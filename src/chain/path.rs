//! The issuer walk from the leaf: the path, the anchor it reaches or the
//! certificate that is missing (`untrusted_root` above a CA certificate,
//! `incomplete_chain` above the leaf), order and extra certificates.

use x509_parser::prelude::*;

use super::facts::{authority_key_id, subject_key_id, subject_text};
use super::*;
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
            match issuer_of(cur, parsed, &on_path) {
                Some((j, c, verified)) => {
                    if !verified {
                        defects.push(Defect::BadSignature {
                            index: cur_i,
                            issuer: j,
                        });
                    }
                    on_path.push(j);
                    cur = c;
                    cur_i = j;
                }
                None => {
                    missing = Some(crate::dn::name_text(cur.issuer()));
                    missing_is_public_root = mozilla_subjects().contains(der_contents(issuer_raw));
                    break;
                }
            }
        }
        // In order: each certificate of the path after the one it signs (an
        // extra certificate between them is its own finding, not disorder).
        let in_order = on_path.first() == Some(&0) && on_path.windows(2).all(|w| w[0] < w[1]);
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
                store: self.store.name(),
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
                store: self.store.name(),
            }
        } else {
            Defect::MissingIntermediate {
                index: cur_i,
                issuer: m.to_string(),
                key_id,
                published: super::facts::ca_issuers(cur).into_iter().next(),
            }
        }
    }
}

/// The issuer of `cur` among the certificates sent and not yet on the path,
/// chosen by key, not by name alone (a server may send a stale copy of an
/// intermediate, same name and another key, before the real one): the
/// candidate whose subject key identifier is `cur`'s authority key
/// identifier and whose key verifies `cur`'s signature, then any whose key
/// verifies it, then the first of that name (its signature then fails:
/// `bad_signature`). The bool says whether the signature verified.
fn issuer_of<'a, 'b>(
    cur: &X509Certificate,
    parsed: &'a [Option<X509Certificate<'b>>],
    on_path: &[usize],
) -> Option<(usize, &'a X509Certificate<'b>, bool)> {
    let issuer_raw = cur.issuer().as_raw();
    let candidates: Vec<(usize, &X509Certificate)> = parsed
        .iter()
        .enumerate()
        .filter(|(j, _)| !on_path.contains(j))
        .filter_map(|(j, p)| p.as_ref().map(|c| (j, c)))
        .filter(|(_, c)| c.subject().as_raw() == issuer_raw)
        .collect();
    let aki = authority_key_id(cur);
    let verifies = |c: &X509Certificate| cur.verify_signature(Some(c.public_key())).is_ok();
    let by_key_id = candidates
        .iter()
        .find(|(_, c)| aki.is_some() && subject_key_id(c) == aki && verifies(c));
    let by_signature = || candidates.iter().find(|(_, c)| verifies(c));
    match by_key_id.or_else(by_signature) {
        Some(&(j, c)) => Some((j, c, true)),
        None => candidates.first().map(|&(j, c)| (j, c, false)),
    }
}

/// A certificate sent but not on the path: a cross-signed copy of a
/// certificate on the path (an old root's cross-sign: same name and key),
/// a stale copy of one (same name, another key), or one unrelated to it.
fn extra_certificate(j: usize, c: &X509Certificate, parsed: &[Option<X509Certificate>], on_path: &[usize]) -> Defect {
    let path: Vec<&X509Certificate> = on_path
        .iter()
        .filter_map(|&k| parsed.get(k).and_then(Option::as_ref))
        .collect();
    let same_name = path.iter().find(|p| p.subject().as_raw() == c.subject().as_raw());
    if let Some(p) = same_name
        && p.public_key().raw != c.public_key().raw
    {
        let on = on_path.iter().copied().find(|&k| {
            parsed
                .get(k)
                .and_then(Option::as_ref)
                .is_some_and(|x| std::ptr::eq(x, *p))
        });
        return Defect::StaleCopy {
            index: j,
            subject: subject_text(c),
            of: on.unwrap_or(0),
        };
    }
    let path_issuers = path.iter().any(|p| p.issuer().as_raw() == c.subject().as_raw());
    Defect::Extra {
        index: j,
        cross_sign: path_issuers.then(|| (subject_text(c), crate::dn::name_text(c.issuer()))),
    }
}
