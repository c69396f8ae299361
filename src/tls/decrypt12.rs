//! TLS 1.2, 1.1 and 1.0 record protection from the master secret
//! (`CLIENT_RANDOM` in a key log): the key block by the TLS 1.2 PRF (RFC
//! 5246 5, 6.3) or the MD5/SHA-1 PRF of TLS 1.0 and 1.1 (RFC 2246 5), and
//! records opened with AES-GCM (RFC 5288), ChaCha20-Poly1305 (RFC 7905) or
//! AES-CBC with HMAC, MAC-then-encrypt or encrypt-then-MAC (RFC 7366); TLS
//! 1.0's CBC IV is the last ciphertext block of the record before (RFC 2246
//! 6.2.3.2), TLS 1.1's is explicit as in TLS 1.2.
//! Only what the verdict needs is opened: the Finished, alerts and
//! renegotiation after ChangeCipherSpec; application data is only counted.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
use ring::{aead, hmac};

/// How a suite protects records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Gcm { key: usize },
    ChaCha,
    Cbc { key: usize, mac: Mac },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mac {
    Sha1,
    Sha256,
    Sha384,
}

impl Mac {
    fn len(self) -> usize {
        match self {
            Mac::Sha1 => 20,
            Mac::Sha256 => 32,
            Mac::Sha384 => 48,
        }
    }

    fn algorithm(self) -> hmac::Algorithm {
        match self {
            Mac::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Mac::Sha256 => hmac::HMAC_SHA256,
            Mac::Sha384 => hmac::HMAC_SHA384,
        }
    }
}

/// A TLS 1.2 suite's protection and PRF hash (true: SHA-384).
fn suite(s: u16) -> Option<(Kind, bool)> {
    use Kind::*;
    let cbc = |key, mac| Cbc { key, mac };
    Some(match s {
        0x009c | 0x009e | 0xc02b | 0xc02f | 0x00a2 | 0x00a4 | 0x00a8 | 0x00aa | 0x00ac => (Gcm { key: 16 }, false),
        0x009d | 0x009f | 0xc02c | 0xc030 | 0x00a3 | 0x00a5 | 0x00a9 | 0x00ab | 0x00ad => (Gcm { key: 32 }, true),
        0xcca8..=0xccae => (ChaCha, false),
        0x002f | 0x0033 | 0x0032 | 0xc004 | 0xc009 | 0xc00e | 0xc013 | 0xc018 => (cbc(16, Mac::Sha1), false),
        0x0035 | 0x0039 | 0x0038 | 0xc005 | 0xc00a | 0xc00f | 0xc014 | 0xc019 => (cbc(32, Mac::Sha1), false),
        0x003c | 0x0067 | 0x0040 | 0xc023 | 0xc027 | 0xc025 | 0xc029 => (cbc(16, Mac::Sha256), false),
        0x003d | 0x006b | 0x006a => (cbc(32, Mac::Sha256), false),
        0xc024 | 0xc028 | 0xc026 | 0xc02a => (cbc(32, Mac::Sha384), true),
        _ => return None,
    })
}

/// P_hash (RFC 5246 5): HMAC(secret, A(i) + label + seed) chained, at least `len` bytes.
fn p_hash(key: &hmac::Key, ls: &[u8], len: usize) -> Vec<u8> {
    let mut a = hmac::sign(key, ls).as_ref().to_vec();
    let mut out = Vec::with_capacity(len + 48);
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(key);
        ctx.update(&a);
        ctx.update(ls);
        out.extend_from_slice(ctx.sign().as_ref());
        a = hmac::sign(key, &a).as_ref().to_vec();
    }
    out
}

/// The TLS 1.2 PRF: P_hash(secret, label + seed) truncated to `len`.
fn prf(sha384: bool, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let alg = if sha384 { hmac::HMAC_SHA384 } else { hmac::HMAC_SHA256 };
    let mut out = p_hash(&hmac::Key::new(alg, secret), &[label, seed].concat(), len);
    out.truncate(len);
    out
}

/// HMAC-MD5 (RFC 2104), for the TLS 1.0 and 1.1 PRF (ring has no MD5).
fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    use md5::{Digest, Md5};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The TLS 1.0 and 1.1 PRF: P_MD5 over the secret's first half XOR P_SHA1
/// over its second half (the halves share a byte when its length is odd).
fn prf10(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let half = secret.len().div_ceil(2);
    let (s1, s2) = (&secret[..half], &secret[secret.len() - half..]);
    let ls: Vec<u8> = [label, seed].concat();
    let mut md5_out = Vec::with_capacity(len + 16);
    let mut a = hmac_md5(s1, &[&ls]).to_vec();
    while md5_out.len() < len {
        md5_out.extend_from_slice(&hmac_md5(s1, &[&a, &ls]));
        a = hmac_md5(s1, &[&a]).to_vec();
    }
    let sha_out = p_hash(&hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, s2), &ls, len);
    md5_out.iter().zip(&sha_out).take(len).map(|(x, y)| x ^ y).collect()
}

enum Cipher {
    Aead(Box<aead::LessSafeKey>, [u8; 12], bool),
    Cbc {
        key: Vec<u8>,
        mac: hmac::Key,
        mac_len: usize,
        etm: bool,
    },
}

/// One direction's TLS 1.2 (1.1, 1.0) record protection.
pub struct Protection12 {
    cipher: Cipher,
    seq: u64,
    pub opened: u64,
    /// The protocol version (in the MAC of each record).
    version: u16,
    /// TLS 1.0: the CBC IV of the next record (the last ciphertext block
    /// of the record before, the key block's IV for the first).
    chained_iv: Option<[u8; 16]>,
}

impl std::fmt::Debug for Protection12 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protection12(record {})", self.seq)
    }
}

/// Both directions' protections of a TLS 1.2 session: (client, server), or
/// why there are none.
pub fn keys(
    (suite_id, version): (u16, u16),
    master: &[u8],
    (client_random, server_random): (&[u8], &[u8]),
    etm: bool,
) -> Result<(Protection12, Protection12), String> {
    let (kind, sha384) = suite(suite_id).ok_or_else(|| format!("cipher suite 0x{suite_id:04x} is not decrypted"))?;
    if master.len() != 48 {
        return Err(format!("a master secret of {} bytes (48 expected)", master.len()));
    }
    let legacy = version < 0x0303;
    let (mac_len, key_len, iv_len) = match kind {
        Kind::Cbc { key, mac } if legacy && version == 0x0301 => (mac.len(), key, 16),
        Kind::Cbc { key, mac } => (mac.len(), key, 0),
        _ if legacy => return Err(format!("cipher suite 0x{suite_id:04x} does not exist before TLS 1.2")),
        Kind::Gcm { key } => (0, key, 4),
        Kind::ChaCha => (0, 32, 12),
    };
    let seed = [server_random, client_random].concat();
    let len = 2 * (mac_len + key_len + iv_len);
    let kb = if legacy {
        prf10(master, b"key expansion", &seed, len)
    } else {
        prf(sha384, master, b"key expansion", &seed, len)
    };
    let (cm, rest) = kb.split_at(mac_len);
    let (sm, rest) = rest.split_at(mac_len);
    let (ck, rest) = rest.split_at(key_len);
    let (sk, rest) = rest.split_at(key_len);
    let (civ, siv) = rest.split_at(iv_len);
    let make = |mac: &[u8], key: &[u8], iv: &[u8]| -> Option<Protection12> {
        let cipher = match kind {
            Kind::Gcm { key: n } => {
                let alg = if n == 16 {
                    &aead::AES_128_GCM
                } else {
                    &aead::AES_256_GCM
                };
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(iv);
                Cipher::Aead(
                    Box::new(aead::LessSafeKey::new(aead::UnboundKey::new(alg, key).ok()?)),
                    nonce,
                    true,
                )
            }
            Kind::ChaCha => Cipher::Aead(
                Box::new(aead::LessSafeKey::new(
                    aead::UnboundKey::new(&aead::CHACHA20_POLY1305, key).ok()?,
                )),
                iv.try_into().ok()?,
                false,
            ),
            Kind::Cbc { mac: m, .. } => Cipher::Cbc {
                key: key.to_vec(),
                mac: hmac::Key::new(m.algorithm(), mac),
                mac_len: m.len(),
                etm,
            },
        };
        Some(Protection12 {
            cipher,
            seq: 0,
            opened: 0,
            version,
            chained_iv: (iv.len() == 16).then(|| iv.try_into().ok()).flatten(),
        })
    };
    match (make(cm, ck, civ), make(sm, sk, siv)) {
        (Some(c), Some(s)) => Ok((c, s)),
        _ => Err("the key block could not be used".into()),
    }
}

impl Protection12 {
    /// A record passed unopened (application data): its number counts.
    pub fn skip(&mut self) {
        self.seq += 1;
    }

    /// TLS 1.0: each record's IV is the last block of the one before, so
    /// every record must be seen whole, even one that is not opened.
    pub fn chains_iv(&self) -> bool {
        self.chained_iv.is_some()
    }

    /// A record passed unopened whose bytes are at hand: its number
    /// counts, and (TLS 1.0) its last block is the next record's IV.
    pub fn pass(&mut self, body: &[u8]) {
        self.seq += 1;
        self.chain(body);
    }

    /// TLS 1.0: the next record's IV, the last ciphertext block of this
    /// one (before its MAC, with encrypt-then-MAC).
    fn chain(&mut self, body: &[u8]) {
        let end = match &self.cipher {
            Cipher::Cbc { mac_len, etm: true, .. } => body.len().checked_sub(*mac_len),
            _ => Some(body.len()),
        };
        if self.chained_iv.is_some()
            && let Some(end) = end
            && let Some(last) = end.checked_sub(16).and_then(|i| body.get(i..end))
            && let Ok(b) = <[u8; 16]>::try_from(last)
        {
            self.chained_iv = Some(b);
        }
    }

    fn aad(&self, ct: u8, len: usize) -> [u8; 13] {
        let mut a = [0u8; 13];
        a[..8].copy_from_slice(&self.seq.to_be_bytes());
        a[8] = ct;
        a[9..11].copy_from_slice(&self.version.to_be_bytes());
        a[11..].copy_from_slice(&(len as u16).to_be_bytes());
        a
    }

    /// Opens a record of content type `ct`: its plaintext, or None when the
    /// keys do not open it (authentication fails).
    pub fn open(&mut self, ct: u8, body: &[u8]) -> Option<Vec<u8>> {
        let out = self.open_inner(ct, body);
        self.seq += 1;
        self.chain(body);
        if out.is_some() {
            self.opened += 1;
        }
        out
    }

    fn open_inner(&self, ct: u8, body: &[u8]) -> Option<Vec<u8>> {
        match &self.cipher {
            Cipher::Aead(key, iv, explicit) => {
                let (nonce, data) = if *explicit {
                    let mut n = *iv;
                    n[4..].copy_from_slice(body.get(..8)?);
                    (n, body.get(8..)?)
                } else {
                    let mut n = *iv;
                    for (x, s) in n[4..].iter_mut().zip(self.seq.to_be_bytes()) {
                        *x ^= s;
                    }
                    (n, body)
                };
                let plain_len = data.len().checked_sub(16)?;
                let mut buf = data.to_vec();
                let aad = self.aad(ct, plain_len);
                let n = key
                    .open_in_place(
                        aead::Nonce::assume_unique_for_key(nonce),
                        aead::Aad::from(aad),
                        &mut buf,
                    )
                    .ok()?
                    .len();
                buf.truncate(n);
                Some(buf)
            }
            Cipher::Cbc { key, mac, mac_len, etm } => self.open_cbc(ct, body, key, mac, *mac_len, *etm),
        }
    }

    fn open_cbc(&self, ct: u8, body: &[u8], key: &[u8], mac: &hmac::Key, mac_len: usize, etm: bool) -> Option<Vec<u8>> {
        let (enc, tag) = if etm {
            body.split_at(body.len().checked_sub(mac_len)?)
        } else {
            (body, &[][..])
        };
        if etm {
            let mut ctx = hmac::Context::with_key(mac);
            ctx.update(&self.aad(ct, enc.len()));
            ctx.update(enc);
            if ctx.sign().as_ref() != tag {
                return None;
            }
        }
        let (iv, data) = match &self.chained_iv {
            // TLS 1.0: the IV is implicit.
            Some(iv) if enc.len() >= 16 && enc.len() % 16 == 0 => (&iv[..], enc),
            Some(_) => return None,
            None if enc.len() < 32 || enc.len() % 16 != 0 => return None,
            None => enc.split_at(16),
        };
        let mut buf = data.to_vec();
        let plain = match key.len() {
            16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                .ok()?
                .decrypt_padded_mut::<NoPadding>(&mut buf),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                .ok()?
                .decrypt_padded_mut::<NoPadding>(&mut buf),
        }
        .ok()?
        .len();
        buf.truncate(plain);
        let pad = *buf.last()? as usize;
        let content_end = buf.len().checked_sub(pad + 1)?;
        if buf[content_end..].iter().any(|b| *b as usize != pad) {
            return None;
        }
        buf.truncate(content_end);
        if !etm {
            let n = buf.len().checked_sub(mac_len)?;
            let (content, tag) = buf.split_at(n);
            let mut ctx = hmac::Context::with_key(mac);
            ctx.update(&self.aad(ct, content.len()));
            ctx.update(content);
            if ctx.sign().as_ref() != tag {
                return None;
            }
            buf.truncate(n);
        }
        Some(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS 1.2 PRF test vector of the IETF TLS list (P_SHA256, 100 bytes).
    #[test]
    fn prf_sha256_vector() {
        let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap();
        let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap();
        let out = prf(false, &secret, b"test label", &seed, 100);
        assert_eq!(
            hex::encode(&out[..32]),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        );
    }

    /// HMAC-MD5 of RFC 2202 (test case 2), and the TLS 1.0 PRF's halves.
    #[test]
    fn hmac_md5_and_the_tls10_prf() {
        assert_eq!(
            hex::encode(hmac_md5(b"Jefe", &[b"what do ya want ", b"for nothing?"])),
            "750c783e6ab0b503eaa86e310a5db738"
        );
        // P_MD5 XOR P_SHA1: the output of an all-zero secret is the XOR of
        // the two hashes' streams, so it differs from either alone.
        let out = prf10(&[0; 48], b"key expansion", &[1; 64], 104);
        assert_eq!(out.len(), 104);
        assert_ne!(out, prf(false, &[0; 48], b"key expansion", &[1; 64], 104));
    }

    #[test]
    fn unknown_suites_and_bad_secrets_are_reasons() {
        let r = [0u8; 32];
        assert!(
            keys((0x1301, 0x0303), &[0; 48], (&r, &r), false)
                .unwrap_err()
                .contains("not decrypted")
        );
        assert!(
            keys((0xc02f, 0x0303), &[0; 47], (&r, &r), false)
                .unwrap_err()
                .contains("48 expected")
        );
        assert!(keys((0xc02f, 0x0303), &[0; 48], (&r, &r), false).is_ok());
        assert!(keys((0xc014, 0x0303), &[0; 48], (&r, &r), true).is_ok());
        assert!(keys((0xc014, 0x0301), &[0; 48], (&r, &r), false).is_ok());
        assert!(
            keys((0xc02f, 0x0302), &[0; 48], (&r, &r), false)
                .unwrap_err()
                .contains("before TLS 1.2")
        );
    }
}
