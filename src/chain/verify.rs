//! webpki's verdict on a chain at one time, asked once per span of time in
//! which no certificate of the chain starts or stops being valid.

use std::sync::atomic::Ordering;

use rustls_pki_types::{CertificateDer, UnixTime};

use super::{Chains, MAX_SPANS, MAX_VERIFIABLE_CERT_LEN, Parsed, Purpose, Verified};
use crate::trust::webpki_reason;

impl Chains {
    /// webpki's verdict at `at`, asked once per span of time in which no
    /// certificate of the chain starts or stops being valid. Only the path
    /// webpki builds decides: an extra, expired certificate does not.
    pub(super) fn verified_at(&self, p: &Parsed, at: i64, purpose: Purpose) -> Verified {
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
                self.store.anchors(),
                &inter,
                time,
                usage,
                None,
                None,
            )
            .map(|path| self.store.anchor_named(path.anchor().subject.as_ref()).cloned())
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
}
