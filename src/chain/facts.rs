//! What one certificate says, as the report lists it: subject, issuer,
//! validity, names, key, signature algorithm, fingerprints, usages.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

use super::{CertInfo, KeyInfo, LeafUsage, MAX_CERT_LEN};
use crate::escape;
use crate::timefmt;

#[derive(Clone, Debug, Default)]
pub(super) struct LeafNames {
    pub(super) dns: Vec<String>,
    pub(super) ips: Vec<std::net::IpAddr>,
    pub(super) cn: Option<String>,
}

pub(super) fn subject_text(c: &X509Certificate) -> String {
    crate::dn::name_text(c.subject())
}

pub(super) fn authority_key_id(c: &X509Certificate) -> Option<String> {
    c.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::AuthorityKeyIdentifier(a) => a
            .key_identifier
            .as_ref()
            .map(|k| k.0.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")),
        _ => None,
    })
}

/// The subject key identifier, as `authority_key_id` writes key identifiers.
pub(super) fn subject_key_id(c: &X509Certificate) -> Option<String> {
    c.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::SubjectKeyIdentifier(k) => {
            Some(k.0.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"))
        }
        _ => None,
    })
}

pub(super) fn leaf_names(c: &X509Certificate) -> LeafNames {
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

/// The caIssuers URLs of a certificate's authorityInfoAccess (where its
/// issuer's certificate is published), escaped; at most four.
pub(super) fn ca_issuers(c: &X509Certificate) -> Vec<String> {
    use x509_parser::extensions::ParsedExtension;
    let ca_issuers = x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;
    let mut urls = Vec::new();
    for e in c.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = e.parsed_extension() {
            for d in aia.accessdescs.iter().filter(|d| d.access_method == ca_issuers) {
                if let GeneralName::URI(u) = d.access_location {
                    urls.push(escape::text(u.as_bytes()));
                }
            }
        }
    }
    urls.truncate(4);
    urls
}

pub(super) fn cert_info(index: usize, der: &[u8], p: Option<&X509Certificate>) -> CertInfo {
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
            ja4x: None,
            ca_issuers: Vec::new(),
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
        subject: crate::dn::name_text(c.subject()),
        issuer: crate::dn::name_text(c.issuer()),
        serial: c.raw_serial_as_string(),
        not_before: timefmt::seconds(c.validity().not_before.timestamp()),
        not_after: timefmt::seconds(c.validity().not_after.timestamp()),
        san,
        key: key_info(c),
        signature_algorithm: sig_alg_name(c),
        is_ca: c.is_ca(),
        sha256,
        sha1,
        ja4x: Some(ja4x(c)),
        ca_issuers: ca_issuers(c),
        parse_error: None,
    }
}

fn ja4x(c: &X509Certificate) -> String {
    let attrs = |n: &'_ x509_parser::x509::X509Name<'_>| -> Vec<Vec<u8>> {
        n.iter_rdn()
            .flat_map(|r| r.iter())
            .map(|a| a.attr_type().as_bytes().to_vec())
            .collect()
    };
    let (issuer, subject) = (attrs(c.issuer()), attrs(c.subject()));
    let exts: Vec<&[u8]> = c.extensions().iter().map(|e| e.oid.as_bytes()).collect();
    crate::fingerprint::ja4x(
        issuer.iter().map(|v| v.as_slice()),
        subject.iter().map(|v| v.as_slice()),
        exts.into_iter(),
    )
}

pub(super) fn leaf_usage(c: &X509Certificate) -> LeafUsage {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bits_counts_leading_zero_bytes_out() {
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xff, 256));
        assert_eq!(rsa_bits(&m), 2048);
    }
}
