//! Each chain finding on chains made with rcgen (ECDSA P-256 keys).
use super::*;
use crate::trust::{TrustStore, webpki_reason};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType, date_time_ymd};

/// 2026-06-01T00:00:00Z
const AT: i64 = 1_780_272_000;

/// What a test returns: an error (a certificate rcgen could not make, a
/// finding that is not there) fails it.
type Outcome = Result<(), Box<dyn std::error::Error>>;

struct Ca {
    der: Vec<u8>,
    params: CertificateParams,
    key: KeyPair,
}

fn params(cn: &str, ca: bool, from: (i32, u8, u8), to: (i32, u8, u8)) -> Result<CertificateParams, rcgen::Error> {
    let mut p = CertificateParams::new(if ca { vec![] } else { vec![cn.to_string()] })?;
    p.distinguished_name.push(DnType::CommonName, cn);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    p.not_before = date_time_ymd(from.0, from.1, from.2);
    p.not_after = date_time_ymd(to.0, to.1, to.2);
    Ok(p)
}

fn root(cn: &str) -> Result<Ca, rcgen::Error> {
    let key = KeyPair::generate()?;
    let params = params(cn, true, (2025, 1, 1), (2035, 1, 1))?;
    let der = params.self_signed(&key)?.der().to_vec();
    Ok(Ca { der, params, key })
}

fn issue(cn: &str, ca: bool, by: &Ca, from: (i32, u8, u8), to: (i32, u8, u8)) -> Result<Ca, rcgen::Error> {
    let key = KeyPair::generate()?;
    let params = params(cn, ca, from, to)?;
    let issuer = Issuer::new(by.params.clone(), &by.key);
    let der = params.signed_by(&key, &issuer)?.der().to_vec();
    Ok(Ca { der, params, key })
}

fn leaf(by: &Ca) -> Result<Ca, rcgen::Error> {
    issue("backend.company.com", false, by, (2026, 1, 1), (2027, 1, 1))
}

fn codes(r: &ChainAnalysis) -> Vec<&'static str> {
    r.defects.iter().map(|d| d.code().as_str()).collect()
}

/// The findings the report would list for this chain.
fn findings(r: &ChainAnalysis) -> Vec<Finding> {
    r.defects.iter().map(Defect::finding).collect()
}

fn store(roots: &[&Ca]) -> Result<Chains, String> {
    let ders: Vec<Vec<u8>> = roots.iter().map(|r| r.der.clone()).collect();
    Ok(Chains::new(TrustStore::from_certificates(&ders)?))
}

#[test]
fn good_chain_is_trusted_with_its_anchor() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    let s = store(&[&r])?;
    let rep = s.analyze(&[l.der, i.der], 5, AT, Some("backend.company.com"), Purpose::Server);
    assert_eq!(rep.trust.verdict.as_str(), "trusted");
    assert_eq!(rep.trust.anchor.as_deref(), Some("CN=Root"));
    assert!(codes(&rep).is_empty(), "{:?}", findings(&rep));
    Ok(())
}

#[test]
fn missing_intermediate_is_incomplete_chain_naming_it() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    let rep = store(&[&r])?.analyze(&[l.der], 5, AT, None, Purpose::Server);
    assert_eq!(rep.trust.verdict.as_str(), "untrusted");
    assert_eq!(rep.trust.missing_issuer.as_deref(), Some("CN=Inter"));
    let f = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "incomplete_chain")
        .ok_or("no incomplete_chain finding")?;
    assert!(
        f.message
            .contains("the server did not send the intermediate \"CN=Inter\""),
        "{}",
        f.message
    );
    Ok(())
}

#[test]
fn root_missing_from_the_store_is_named() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    let other = root("Other")?;
    let rep = store(&[&other])?.analyze(&[l.der.clone(), i.der.clone()], 5, AT, None, Purpose::Server);
    let f = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "untrusted_root")
        .ok_or("no untrusted_root finding")?;
    assert!(f.message.contains("lacks \"CN=Root\""), "{}", f.message);
    // With the root in the chain: untrusted_root on it.
    let rep = store(&[&other])?.analyze(&[l.der, i.der, r.der], 5, AT, None, Purpose::Server);
    let f = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "untrusted_root")
        .ok_or("no untrusted_root finding")?;
    assert_eq!(f.cert_index, Some(2));
    Ok(())
}

#[test]
fn expired_not_yet_valid_expires_soon() -> Outcome {
    let r = root("Root")?;
    let s = store(&[&r])?;
    let old = issue("backend.company.com", false, &r, (2024, 1, 1), (2025, 1, 1))?;
    assert!(codes(&s.analyze(&[old.der], 1, AT, None, Purpose::Server)).contains(&"expired"));
    let new = issue("backend.company.com", false, &r, (2026, 12, 1), (2027, 1, 1))?;
    let rep = s.analyze(&[new.der], 1, AT, None, Purpose::Server);
    assert!(codes(&rep).contains(&"not_yet_valid"));
    assert_eq!(rep.trust.verdict.as_str(), "untrusted");
    let soon = issue("backend.company.com", false, &r, (2026, 1, 1), (2026, 6, 15))?;
    let rep = s.analyze(&[soon.der], 1, AT, None, Purpose::Server);
    assert!(codes(&rep).contains(&"expires_soon"));
    assert_eq!(rep.trust.verdict.as_str(), "trusted");
    Ok(())
}

#[test]
fn hostname_and_self_signed() -> Outcome {
    let r = root("Root")?;
    let l = leaf(&r)?;
    let s = store(&[&r])?;
    let rep = s.analyze(
        std::slice::from_ref(&l.der),
        1,
        AT,
        Some("backend.apigee.net"),
        Purpose::Server,
    );
    assert!(codes(&rep).contains(&"hostname_mismatch"));
    let key = KeyPair::generate()?;
    let ss = params("backend.company.com", false, (2026, 1, 1), (2027, 1, 1))?.self_signed(&key)?;
    let rep = s.analyze(
        &[ss.der().to_vec()],
        1,
        AT,
        Some("backend.company.com"),
        Purpose::Server,
    );
    assert!(codes(&rep).contains(&"self_signed"));
    assert!(codes(&rep).contains(&"untrusted_root"));
    Ok(())
}

#[test]
fn bad_signature_wrong_order_unrelated() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    // Another intermediate with the same name and another key: the leaf's signature fails.
    let i2 = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let s = store(&[&r])?;
    let rep = s.analyze(&[l.der.clone(), i2.der.clone()], 1, AT, None, Purpose::Server);
    assert!(codes(&rep).contains(&"bad_signature"), "{:?}", findings(&rep));
    assert_eq!(rep.trust.verdict.as_str(), "untrusted");
    let other = root("Other")?;
    let rep = s.analyze(
        &[l.der.clone(), r.der.clone(), i.der.clone()],
        1,
        AT,
        None,
        Purpose::Server,
    );
    assert!(codes(&rep).contains(&"wrong_order"), "{:?}", findings(&rep));
    assert!(!codes(&rep).contains(&"unrelated_certificate"), "{:?}", findings(&rep));
    let rep = s.analyze(&[l.der, i.der, other.der], 1, AT, None, Purpose::Server);
    let f = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "unrelated_certificate")
        .ok_or("no unrelated_certificate finding")?;
    assert_eq!(f.cert_index, Some(2));
    Ok(())
}

#[test]
fn the_issuer_is_found_by_key_not_by_name_alone() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    // A stale copy of the intermediate (same name, another key) sent first.
    let stale = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let s = store(&[&r])?;
    let rep = s.analyze(
        &[l.der.clone(), stale.der.clone(), i.der.clone()],
        1,
        AT,
        None,
        Purpose::Server,
    );
    assert_eq!(rep.trust.verdict.as_str(), "trusted", "{:?}", findings(&rep));
    assert_eq!(rep.on_path, vec![true, false, true]);
    let got = codes(&rep);
    assert!(
        !got.contains(&"bad_signature") && !got.contains(&"wrong_order"),
        "{got:?}"
    );
    // The stale copy gets the finding, never the real issuer.
    let f = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "unrelated_certificate")
        .ok_or("no unrelated_certificate finding")?;
    assert_eq!(f.cert_index, Some(1));
    assert!(
        f.message.contains("stale copy") && f.message.contains("keep certificate 2"),
        "{}",
        f.message
    );
    Ok(())
}

#[test]
fn one_verification_per_distinct_chain() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    let s = store(&[&r])?;
    let chain = vec![l.der, i.der];
    for k in 0..1000 {
        let rep = s.analyze(&chain, k, AT + k as i64, Some("backend.company.com"), Purpose::Server);
        assert_eq!(rep.trust.verdict.as_str(), "trusted");
    }
    assert_eq!(s.verifications(), 1);
    Ok(())
}

/// The Let's Encrypt long chain: leaf, intermediate, and an expired
/// cross-sign of the root by an older root. Only the path decides.
#[test]
fn an_expired_cross_sign_off_the_path_leaves_the_chain_trusted() -> Outcome {
    let r = root("Root")?;
    let old = root("Old Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?;
    // Root's name and key, signed by the old root, expired.
    let mut xp = r.params.clone();
    xp.not_before = date_time_ymd(2020, 1, 1);
    xp.not_after = date_time_ymd(2024, 9, 30);
    let cross = xp
        .signed_by(&r.key, &Issuer::new(old.params.clone(), &old.key))?
        .der()
        .to_vec();
    let s = store(&[&r])?;
    let rep = s.analyze(
        &[l.der, i.der, cross],
        5,
        AT,
        Some("backend.company.com"),
        Purpose::Server,
    );
    assert_eq!(rep.trust.verdict.as_str(), "trusted", "{:?}", findings(&rep));
    assert_eq!(rep.trust.anchor.as_deref(), Some("CN=Root"));
    assert_eq!(rep.on_path, vec![true, true, false]);
    let expired = findings(&rep)
        .into_iter()
        .find(|f| f.code.as_str() == "expired")
        .ok_or("no expired finding")?;
    assert_eq!(expired.cert_index, Some(2));
    assert!(
        expired.message.contains("does not affect the verdict"),
        "{}",
        expired.message
    );
    assert!(!codes(&rep).contains(&"verification_failed"), "{:?}", findings(&rep));
    Ok(())
}

#[test]
fn the_verdict_is_asked_at_the_time_given() -> Outcome {
    let r = root("Root")?;
    let i = issue("Inter", true, &r, (2025, 1, 1), (2030, 1, 1))?;
    let l = leaf(&i)?; // 2026-01-01 .. 2027-01-01
    let s = store(&[&r])?;
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
    Ok(())
}

#[test]
fn an_unparsed_leaf_gets_no_claim_about_its_names() -> Outcome {
    let r = root("Root")?;
    let s = store(&[&r])?;
    let rep = s.analyze(
        &[vec![0x30, 0x03, 0x02, 0x01, 0x01]],
        1,
        AT,
        Some("backend.company.com"),
        Purpose::Server,
    );
    assert_eq!(codes(&rep), vec!["unparsable_certificate"]);
    assert_eq!(rep.trust.verdict.as_str(), "not_checked");
    Ok(())
}

#[test]
fn certificates_larger_than_64_kib_are_parsed() -> Outcome {
    let r = root("Root")?;
    let key = KeyPair::generate()?;
    let mut p = params("backend.company.com", false, (2026, 1, 1), (2027, 1, 1))?;
    // 300 KB of SANs, as in a public test capture's certificate.
    for k in 0..12_000 {
        p.subject_alt_names
            .push(SanType::DnsName(format!("h{k:05}.backend.company.com").try_into()?));
    }
    let der = p
        .signed_by(&key, &Issuer::new(r.params.clone(), &r.key))?
        .der()
        .to_vec();
    assert!(der.len() > 300_000, "{}", der.len());
    let rep = store(&[&r])?.analyze(&[der], 1, AT, Some("h11999.backend.company.com"), Purpose::Server);
    // Parsed (names matched, no finding); too large for webpki, which says so.
    assert!(codes(&rep).is_empty(), "{:?}", findings(&rep));
    assert_eq!(rep.trust.verdict.as_str(), "not_checked");
    assert!(
        rep.trust.reason.as_deref().is_some_and(|r| r.contains("bytes")),
        "{:?}",
        rep.trust
    );
    Ok(())
}

#[test]
fn trusted_certificate_pem_blocks_are_anchors() -> Outcome {
    let r = root("Root")?;
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
        .map(std::str::from_utf8)
        .collect::<Result<_, _>>()?;
    let pem = format!(
        "-----BEGIN TRUSTED CERTIFICATE-----\n{}\n-----END TRUSTED CERTIFICATE-----\n",
        lines.join("\n")
    );
    let certs = read_certificates(pem.as_bytes());
    assert_eq!(certs, vec![r.der.clone()]);
    assert!(TrustStore::from_certificates(&certs).is_ok());
    Ok(())
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
