//! TLS 1.3 record protection (RFC 8446 section 5.2, 7.1, 7.3): traffic keys
//! from a secret by HKDF-Expand-Label, and records opened with the
//! suite's AEAD: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (ring),
//! AES-128-CCM and AES-128-CCM-8 (RustCrypto's ccm).

use ccm::aead::{Aead as _, KeyInit, Payload};
use ccm::consts::{U8, U12, U16};
use ring::{aead, hkdf};

type Aes128Ccm = ccm::Ccm<aes::Aes128, U16, U12>;
type Aes128Ccm8 = ccm::Ccm<aes::Aes128, U8, U12>;

enum Cipher {
    Ring(aead::LessSafeKey),
    Ccm(Aes128Ccm),
    Ccm8(Aes128Ccm8),
}

/// A TLS 1.3 cipher suite's AEAD, key length and hash.
fn suite(s: u16) -> Option<(Option<&'static aead::Algorithm>, usize, hkdf::Algorithm)> {
    Some(match s {
        0x1301 => (Some(&aead::AES_128_GCM), 16, hkdf::HKDF_SHA256),
        0x1302 => (Some(&aead::AES_256_GCM), 32, hkdf::HKDF_SHA384),
        0x1303 => (Some(&aead::CHACHA20_POLY1305), 32, hkdf::HKDF_SHA256),
        0x1304 | 0x1305 => (None, 16, hkdf::HKDF_SHA256),
        _ => return None,
    })
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label(secret, label, "", len).
fn expand_label(alg: hkdf::Algorithm, secret: &[u8], label: &[u8], len: usize) -> Option<Vec<u8>> {
    let full_len = 6 + label.len();
    let mut info = Vec::with_capacity(4 + full_len);
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(u8::try_from(full_len).ok()?);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(0);
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let parts = [info.as_slice()];
    let okm = prk.expand(&parts, Len(len)).ok()?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).ok()?;
    Some(out)
}

/// One direction's record protection: the key, the IV, the record number.
pub struct Protection {
    cipher: Cipher,
    iv: [u8; 12],
    seq: u64,
    suite: u16,
    secret: Vec<u8>,
    /// Records this key opened.
    pub opened: u64,
}

impl std::fmt::Debug for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protection(suite {:04x}, record {})", self.suite, self.seq)
    }
}

impl Protection {
    /// The protection of a TLS 1.3 traffic secret; None for a suite that is
    /// not TLS 1.3's or a secret of the wrong size for its hash.
    pub fn tls13(suite_id: u16, secret: &[u8]) -> Option<Self> {
        let (alg, key_len, hash) = suite(suite_id)?;
        if secret.len() != hash.hmac_algorithm().digest_algorithm().output_len() {
            return None;
        }
        let key = expand_label(hash, secret, b"key", key_len)?;
        let iv: [u8; 12] = expand_label(hash, secret, b"iv", 12)?.try_into().ok()?;
        let cipher = match (alg, suite_id) {
            (Some(a), _) => Cipher::Ring(aead::LessSafeKey::new(aead::UnboundKey::new(a, &key).ok()?)),
            (None, 0x1304) => Cipher::Ccm(Aes128Ccm::new_from_slice(&key).ok()?),
            (None, _) => Cipher::Ccm8(Aes128Ccm8::new_from_slice(&key).ok()?),
        };
        Some(Protection {
            cipher,
            iv,
            seq: 0,
            suite: suite_id,
            secret: secret.to_vec(),
            opened: 0,
        })
    }

    /// The next generation of keys after a KeyUpdate (RFC 8446 7.2).
    pub fn updated(&self) -> Option<Self> {
        let (_, _, hash) = suite(self.suite)?;
        let len = hash.hmac_algorithm().digest_algorithm().output_len();
        let next = expand_label(hash, &self.secret, b"traffic upd", len)?;
        Self::tls13(self.suite, &next)
    }

    /// A record passed without being opened (too large to be a handshake
    /// message or an alert): only its number counts.
    pub fn skip(&mut self) {
        self.seq += 1;
    }

    /// Opens a protected record (type 23) of body `body`: its inner content
    /// type and content, or None when the key does not open it.
    pub fn open(&mut self, body: &[u8]) -> Option<(u8, Vec<u8>)> {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        // The record number counts only when the key opens it: a record of
        // another key (0-RTT data among the handshake records) leaves it.
        let len = u16::try_from(body.len()).ok()?;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let payload = || Payload {
            msg: body,
            aad: &header[..],
        };
        let mut plain = match &self.cipher {
            Cipher::Ring(k) => {
                let mut buf = body.to_vec();
                let n = aead::Nonce::assume_unique_for_key(nonce);
                let p = k.open_in_place(n, aead::Aad::from(header), &mut buf).ok()?.len();
                buf.truncate(p);
                buf
            }
            Cipher::Ccm(c) => c.decrypt(&nonce.into(), payload()).ok()?,
            Cipher::Ccm8(c) => c.decrypt(&nonce.into(), payload()).ok()?,
        };
        self.opened += 1;
        self.seq += 1;
        // TLSInnerPlaintext: content, content type, zero padding.
        while plain.last() == Some(&0) {
            plain.pop();
        }
        let ct = plain.pop()?;
        Some((ct, plain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8448 section 3 (simple 1-RTT handshake): the server handshake
    /// traffic secret gives its key and IV.
    #[test]
    fn rfc8448_server_handshake_keys() {
        let secret = hex::decode("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38").unwrap();
        let key = expand_label(hkdf::HKDF_SHA256, &secret, b"key", 16).unwrap();
        let iv = expand_label(hkdf::HKDF_SHA256, &secret, b"iv", 12).unwrap();
        assert_eq!(hex::encode(key), "3fce516009c21727d0f2e4e86ee403bc");
        assert_eq!(hex::encode(iv), "5d313eb2671276ee13000b30");
    }

    #[test]
    fn a_sealed_record_opens_and_a_wrong_key_does_not() {
        for suite_id in [0x1301, 0x1303, 0x1304, 0x1305] {
            let secret = vec![7u8; 32];
            let mut p = Protection::tls13(suite_id, &secret).unwrap();
            // Seal with the same parts, the way a sender does.
            let inner = [&b"\x02\x30"[..], &[21], &[0, 0]].concat();
            let body = seal(suite_id, &secret, &inner);
            assert_eq!(p.open(&body), Some((21, vec![2, 0x30])), "{suite_id:04x}");
            let mut wrong = Protection::tls13(suite_id, &[8u8; 32]).unwrap();
            assert_eq!(wrong.open(&body), None);
        }
        assert!(
            Protection::tls13(0x1302, &[1u8; 32]).is_none(),
            "SHA-384 suites need 48-byte secrets"
        );
    }

    fn seal(suite_id: u16, secret: &[u8], inner: &[u8]) -> Vec<u8> {
        let (alg, key_len, hash) = suite(suite_id).unwrap();
        let key = expand_label(hash, secret, b"key", key_len).unwrap();
        let iv: [u8; 12] = expand_label(hash, secret, b"iv", 12).unwrap().try_into().unwrap();
        let tag = if suite_id == 0x1305 { 8 } else { 16 };
        let len = (inner.len() + tag) as u16;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        match alg {
            Some(a) => {
                let k = aead::LessSafeKey::new(aead::UnboundKey::new(a, &key).unwrap());
                let mut buf = inner.to_vec();
                k.seal_in_place_append_tag(
                    aead::Nonce::assume_unique_for_key(iv),
                    aead::Aad::from(header),
                    &mut buf,
                )
                .unwrap();
                buf
            }
            None if suite_id == 0x1304 => {
                let c = Aes128Ccm::new_from_slice(&key).unwrap();
                c.encrypt(
                    &iv.into(),
                    Payload {
                        msg: inner,
                        aad: &header,
                    },
                )
                .unwrap()
            }
            None => {
                let c = Aes128Ccm8::new_from_slice(&key).unwrap();
                c.encrypt(
                    &iv.into(),
                    Payload {
                        msg: inner,
                        aad: &header,
                    },
                )
                .unwrap()
            }
        }
    }
}
