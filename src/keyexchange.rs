//! The ServerKeyExchange signature (TLS 1.0 to 1.2, ECDHE and DHE): does it
//! verify with the public key of the certificate the server sent? A mismatch
//! proves that the server's private key does not belong to its certificate
//! ("Cannot verify ECDH ServerKeyExchange signature"), whether or not the
//! client noticed. Verification is done with ring.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// The outcome of checking one ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkeCheck {
    Verified,
    /// The signature does not verify with the leaf's key: a sentence saying so.
    Mismatch(String),
    /// Not checkable (TLS 1.0/1.1 RSA, unknown algorithm, parse failure): why.
    NotChecked(String),
}

/// Length of the key exchange parameters at the start of a ServerKeyExchange.
fn params_len(body: &[u8], ecdhe: bool) -> Option<usize> {
    if ecdhe {
        // curve_type (3 = named_curve), named_curve, point
        if *body.first()? != 3 {
            return None;
        }
        let plen = *body.get(3)? as usize;
        let n = 4 + plen;
        (n <= body.len()).then_some(n)
    } else {
        // p, g, Ys: each with a two-byte length
        let mut n = 0;
        for _ in 0..3 {
            let l = u16::from_be_bytes([*body.get(n)?, *body.get(n + 1)?]) as usize;
            n += 2 + l;
        }
        (n <= body.len()).then_some(n)
    }
}

fn algorithm(scheme: u16, key: &PublicKey) -> Option<&'static dyn VerificationAlgorithm> {
    // ring takes RSA keys under 2048 bits only in its legacy PKCS#1 variants.
    if let PublicKey::RSA(r) = key
        && r.key_size() < 2048
    {
        return match scheme {
            0x0201 => Some(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
            0x0401 => Some(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
            0x0601 => Some(&signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
            _ => None,
        };
    }
    Some(match (scheme, key) {
        (0x0401, PublicKey::RSA(_)) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (0x0501, PublicKey::RSA(_)) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (0x0601, PublicKey::RSA(_)) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (0x0201, PublicKey::RSA(_)) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (0x0804 | 0x0809, PublicKey::RSA(_)) => &signature::RSA_PSS_2048_8192_SHA256,
        (0x0805 | 0x080a, PublicKey::RSA(_)) => &signature::RSA_PSS_2048_8192_SHA384,
        (0x0806 | 0x080b, PublicKey::RSA(_)) => &signature::RSA_PSS_2048_8192_SHA512,
        (0x0403 | 0x0503, PublicKey::EC(p)) => match (p.key_size(), scheme) {
            (256, 0x0403) => &signature::ECDSA_P256_SHA256_ASN1,
            (256, 0x0503) => &signature::ECDSA_P256_SHA384_ASN1,
            (384, 0x0403) => &signature::ECDSA_P384_SHA256_ASN1,
            (384, 0x0503) => &signature::ECDSA_P384_SHA384_ASN1,
            _ => return None,
        },
        (0x0807, _) => &signature::ED25519,
        _ => return None,
    })
}

fn scheme_name(s: u16) -> String {
    match s {
        0x0201 => "rsa_pkcs1_sha1".into(),
        0x0401 => "rsa_pkcs1_sha256".into(),
        0x0501 => "rsa_pkcs1_sha384".into(),
        0x0601 => "rsa_pkcs1_sha512".into(),
        0x0403 => "ecdsa_secp256r1_sha256".into(),
        0x0503 => "ecdsa_secp384r1_sha384".into(),
        0x0603 => "ecdsa_secp521r1_sha512".into(),
        0x0804 => "rsa_pss_rsae_sha256".into(),
        0x0805 => "rsa_pss_rsae_sha384".into(),
        0x0806 => "rsa_pss_rsae_sha512".into(),
        0x0807 => "ed25519".into(),
        0x0809 => "rsa_pss_pss_sha256".into(),
        0x080a => "rsa_pss_pss_sha384".into(),
        0x080b => "rsa_pss_pss_sha512".into(),
        s => format!("0x{s:04x}"),
    }
}

/// Checks the signature of a ServerKeyExchange `body` (the handshake message
/// without its 4-byte header) sent with `leaf_der`, in a TLS 1.2 connection
/// whose suite is `suite_name`.
pub fn check(
    body: &[u8],
    client_random: &[u8],
    server_random: &[u8],
    leaf_der: &[u8],
    version: u16,
    suite_name: &str,
) -> SkeCheck {
    let ecdhe = suite_name.contains("_ECDHE_");
    if !ecdhe && !suite_name.contains("_DHE_") {
        return SkeCheck::NotChecked(format!("{suite_name} has no signed key exchange"));
    }
    if version != 0x0303 {
        return SkeCheck::NotChecked("only TLS 1.2 key exchange signatures are checked".into());
    }
    if client_random.len() != 32 || server_random.len() != 32 {
        return SkeCheck::NotChecked("hello randoms missing".into());
    }
    let Some(n) = params_len(body, ecdhe) else {
        return SkeCheck::NotChecked("ServerKeyExchange parameters could not be read".into());
    };
    let rest = &body[n..];
    if rest.len() < 4 {
        return SkeCheck::NotChecked("ServerKeyExchange has no signature".into());
    }
    let scheme = u16::from_be_bytes([rest[0], rest[1]]);
    let slen = u16::from_be_bytes([rest[2], rest[3]]) as usize;
    let Some(sig) = rest.get(4..4 + slen) else {
        return SkeCheck::NotChecked("ServerKeyExchange signature cut short".into());
    };
    let Ok((_, cert)) = X509Certificate::from_der(leaf_der) else {
        return SkeCheck::NotChecked("the leaf certificate could not be decoded".into());
    };
    let spki = cert.public_key();
    let Ok(key) = spki.parsed() else {
        return SkeCheck::NotChecked("the leaf's public key could not be decoded".into());
    };
    let Some(alg) = algorithm(scheme, &key) else {
        return SkeCheck::NotChecked(format!(
            "signature scheme {} with this key type is not checked",
            scheme_name(scheme)
        ));
    };
    let mut msg = Vec::with_capacity(64 + n);
    msg.extend_from_slice(client_random);
    msg.extend_from_slice(server_random);
    msg.extend_from_slice(&body[..n]);
    let pk = UnparsedPublicKey::new(alg, spki.subject_public_key.data.as_ref());
    match pk.verify(&msg, sig) {
        Ok(()) => SkeCheck::Verified,
        Err(_) => SkeCheck::Mismatch(format!(
            "The ServerKeyExchange signature ({}) does not verify with the public key of the server's certificate: the server signs with a private key that does not belong to the certificate it sends",
            scheme_name(scheme)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    fn ske(params: &[u8], scheme: u16, sig: &[u8]) -> Vec<u8> {
        let mut v = params.to_vec();
        v.extend_from_slice(&scheme.to_be_bytes());
        v.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        v.extend_from_slice(sig);
        v
    }

    /// A self-signed ECDSA P-256 certificate and a signer with its key.
    fn ecdsa_certificate() -> (SystemRandom, rcgen::Certificate, EcdsaKeyPair) {
        let rng = SystemRandom::new();
        let kp = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x".into()])
            .unwrap()
            .self_signed(&kp)
            .unwrap();
        let signer = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &kp.serialize_der(), &rng).unwrap();
        (rng, cert, signer)
    }

    #[test]
    fn signature_with_the_certificate_key_verifies_and_another_key_does_not() {
        let (rng, cert, signer) = ecdsa_certificate();
        assert_eq!(signer.public_key().as_ref().len(), 65);
        let params = [3u8, 0, 23, 4, 1, 2, 3, 4];
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let mut msg = cr.to_vec();
        msg.extend_from_slice(&sr);
        msg.extend_from_slice(&params);
        let sig = signer.sign(&rng, &msg).unwrap();
        let suite = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        let good = ske(&params, 0x0403, sig.as_ref());
        assert_eq!(check(&good, &cr, &sr, cert.der(), 0x0303, suite), SkeCheck::Verified);
        let other = rcgen::KeyPair::generate().unwrap();
        let other_signer =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &other.serialize_der(), &rng).unwrap();
        let bad = ske(&params, 0x0403, other_signer.sign(&rng, &msg).unwrap().as_ref());
        assert!(matches!(
            check(&bad, &cr, &sr, cert.der(), 0x0303, suite),
            SkeCheck::Mismatch(_)
        ));
        // Garbage never panics.
        for cut in 0..good.len() {
            let _ = check(&good[..cut], &cr, &sr, cert.der(), 0x0303, suite);
        }
    }

    #[test]
    fn dhe_parameters_are_signed_over_p_g_and_ys() {
        let (rng, cert, signer) = ecdsa_certificate();
        // p, g and Ys, each with a two-byte length.
        let params = [0u8, 3, 0xff, 0xff, 0xfb, 0, 1, 2, 0, 2, 0x12, 0x34];
        let (cr, sr) = ([5u8; 32], [6u8; 32]);
        let mut msg = cr.to_vec();
        msg.extend_from_slice(&sr);
        msg.extend_from_slice(&params);
        let sig = signer.sign(&rng, &msg).unwrap();
        let suite = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
        let good = ske(&params, 0x0403, sig.as_ref());
        assert_eq!(check(&good, &cr, &sr, cert.der(), 0x0303, suite), SkeCheck::Verified);
        let mut bad = good.clone();
        bad[4] ^= 1; // p changed after signing
        assert!(matches!(
            check(&bad, &cr, &sr, cert.der(), 0x0303, suite),
            SkeCheck::Mismatch(_)
        ));
    }
}
