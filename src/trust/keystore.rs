//! Java keystores as gateways keep them: JKS (read here: the format is small
//! and fixed) and PKCS#12 (read with p12-keystore). The result is a list of
//! DER certificates to use as trust anchors.

use sha1::{Digest, Sha1};

/// The password Java's own cacerts uses; tried when none is given.
pub const JAVA_DEFAULT_PASSWORD: &str = "changeit";
/// Entries read from one keystore at most (a real cacerts has about 150).
const MAX_ENTRIES: u32 = 100_000;

const JKS_MAGIC: u32 = 0xfeed_feed;

/// Certificates of a keystore file, and a remark for the user if any.
pub struct Keystore {
    pub certificates: Vec<Vec<u8>>,
    pub remark: Option<String>,
}

/// Reads a JKS or PKCS#12 keystore's trusted certificates.
pub fn read_keystore(bytes: &[u8], password: Option<&str>) -> Result<Keystore, String> {
    if bytes.len() >= 4 && u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) == JKS_MAGIC {
        return read_jks(bytes, password);
    }
    read_pkcs12(bytes, password)
}

fn read_pkcs12(bytes: &[u8], password: Option<&str>) -> Result<Keystore, String> {
    let tries: Vec<&str> = match password {
        Some(p) => vec![p],
        None => vec![JAVA_DEFAULT_PASSWORD, ""],
    };
    let mut last = String::new();
    for p in tries {
        match p12_keystore::KeyStore::from_pkcs12(bytes, p, p12_keystore::Pkcs12ImportPolicy::Strict) {
            Ok(ks) => {
                let mut certs = Vec::new();
                for (_, e) in ks.entries() {
                    match e {
                        p12_keystore::KeyStoreEntry::Certificate(c) => certs.push(c.as_der().to_vec()),
                        p12_keystore::KeyStoreEntry::PrivateKeyChain(k) => {
                            // Java trusts the certificate of a key entry too.
                            if let Some(c) = k.certs().first() {
                                certs.push(c.as_der().to_vec());
                            }
                        }
                        _ => {}
                    }
                }
                return Ok(Keystore {
                    certificates: certs,
                    remark: None,
                });
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(match password {
        Some(_) => format!("not a JKS or PKCS#12 keystore, or wrong --keystore-password ({last})"),
        None => format!(
            "not a JKS or PKCS#12 keystore, or it needs --keystore-password (\"{JAVA_DEFAULT_PASSWORD}\" and no password were tried: {last})"
        ),
    })
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        match end {
            Some(e) => {
                let s = &self.b[self.pos..e];
                self.pos = e;
                Ok(s)
            }
            None => Err(format!(
                "JKS keystore cut short at byte {} (wanted {n} more bytes)",
                self.pos
            )),
        }
    }
    fn u16(&mut self) -> Result<u16, String> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn utf(&mut self) -> Result<&'a [u8], String> {
        let n = self.u16()? as usize;
        self.take(n)
    }
}

/// JKS: magic, version, count, entries (1: private key with its chain,
/// 2: trusted certificate), then a SHA-1 over password, a fixed phrase and
/// everything before it.
fn read_jks(bytes: &[u8], password: Option<&str>) -> Result<Keystore, String> {
    let mut r = Reader { b: bytes, pos: 4 };
    let version = r.u32()?;
    if version != 1 && version != 2 {
        return Err(format!("JKS keystore version {version} is not known"));
    }
    let count = r.u32()?;
    if count > MAX_ENTRIES {
        return Err(format!("JKS keystore claims {count} entries"));
    }
    let mut certs = Vec::new();
    for _ in 0..count {
        let tag = r.u32()?;
        r.utf()?; // alias
        r.take(8)?; // timestamp
        match tag {
            1 => {
                let klen = r.u32()? as usize;
                r.take(klen)?;
                let n = r.u32()?;
                for i in 0..n.min(MAX_ENTRIES) {
                    if version == 2 {
                        r.utf()?;
                    }
                    let len = r.u32()? as usize;
                    let c = r.take(len)?;
                    if i == 0 {
                        certs.push(c.to_vec());
                    }
                }
            }
            2 => {
                if version == 2 {
                    r.utf()?;
                }
                let len = r.u32()? as usize;
                certs.push(r.take(len)?.to_vec());
            }
            3 => return Err("JKS keystore holds a secret-key entry (JCEKS?); not supported".into()),
            t => return Err(format!("JKS keystore entry of unknown type {t}")),
        }
    }
    let body_end = r.pos;
    let digest = r.take(20)?;
    let check = |p: &str| {
        let mut h = Sha1::new();
        for u in p.encode_utf16() {
            h.update(u.to_be_bytes());
        }
        h.update(b"Mighty Aphrodite");
        h.update(&bytes[..body_end]);
        h.finalize().as_slice() == digest
    };
    let remark = match password {
        Some(p) if !check(p) => return Err("JKS keystore integrity check failed: wrong --keystore-password".into()),
        Some(_) => None,
        None if check(JAVA_DEFAULT_PASSWORD) => None,
        // Java itself reads a keystore without a password, skipping the check.
        None => Some("JKS integrity not verified (the password is not \"changeit\"; give --keystore-password)".into()),
    };
    Ok(Keystore {
        certificates: certs,
        remark,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jks(certs: &[&[u8]], password: &str) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&JKS_MAGIC.to_be_bytes());
        v.extend_from_slice(&2u32.to_be_bytes());
        v.extend_from_slice(&(certs.len() as u32).to_be_bytes());
        for (i, c) in certs.iter().enumerate() {
            v.extend_from_slice(&2u32.to_be_bytes());
            let alias = format!("ca{i}");
            v.extend_from_slice(&(alias.len() as u16).to_be_bytes());
            v.extend_from_slice(alias.as_bytes());
            v.extend_from_slice(&0u64.to_be_bytes());
            v.extend_from_slice(&5u16.to_be_bytes());
            v.extend_from_slice(b"X.509");
            v.extend_from_slice(&(c.len() as u32).to_be_bytes());
            v.extend_from_slice(c);
        }
        let mut h = Sha1::new();
        for u in password.encode_utf16() {
            h.update(u.to_be_bytes());
        }
        h.update(b"Mighty Aphrodite");
        h.update(&v);
        let d = h.finalize();
        v.extend_from_slice(&d);
        v
    }

    #[test]
    fn jks_trusted_entries_and_integrity() {
        let ks = jks(&[b"cert-one", b"cert-two"], "changeit");
        let r = read_keystore(&ks, None).unwrap();
        assert_eq!(r.certificates, vec![b"cert-one".to_vec(), b"cert-two".to_vec()]);
        assert!(r.remark.is_none());
        assert!(read_keystore(&ks, Some("wrong")).is_err());
        let other = jks(&[b"x"], "secret");
        assert!(read_keystore(&other, None).unwrap().remark.is_some());
        assert!(read_keystore(&other, Some("secret")).unwrap().remark.is_none());
    }

    #[test]
    fn jks_lying_lengths_are_errors() {
        let mut ks = jks(&[b"cert-one"], "changeit");
        ks[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(read_keystore(&ks, None).is_err());
        let ks = jks(&[b"cert-one"], "changeit");
        for cut in 0..ks.len() {
            let _ = read_keystore(&ks[..cut], None);
        }
    }
}
