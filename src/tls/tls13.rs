//! TLS 1.3 handshake messages, as a key log reveals them: the Certificate
//! (with its request context and per-certificate extensions, RFC 8446
//! 4.4.2), CompressedCertificate (RFC 8879: zlib, brotli, zstd), the
//! CertificateRequest's certificate_authorities, Finished and KeyUpdate.

use super::*;

/// Reads a big-endian length of `n` bytes at `*i`, moving on.
fn len(b: &[u8], i: &mut usize, n: usize) -> Option<usize> {
    let v = b.get(*i..*i + n)?.iter().fold(0usize, |a, x| (a << 8) | *x as usize);
    *i += n;
    Some(v)
}

/// The certificates of a TLS 1.3 Certificate body.
pub(super) fn certificate_list(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut i = 0;
    let ctx = len(b, &mut i, 1)?;
    i += ctx;
    let total = len(b, &mut i, 3)?;
    let list = b.get(i..i + total)?;
    let (mut j, mut certs) = (0, Vec::new());
    while j < list.len() && certs.len() < MAX_CERTS {
        let n = len(list, &mut j, 3)?;
        certs.push(list.get(j..j + n)?.to_vec());
        j += n;
        let ext = len(list, &mut j, 2)?;
        j += ext;
    }
    Some(certs)
}

/// The DER names of a TLS 1.3 CertificateRequest's certificate_authorities.
fn certificate_authorities(b: &[u8]) -> Vec<Vec<u8>> {
    let mut i = 0;
    let Some(ctx) = len(b, &mut i, 1) else {
        return Vec::new();
    };
    i += ctx;
    let Some(total) = len(b, &mut i, 2) else {
        return Vec::new();
    };
    let exts = b.get(i..i + total).unwrap_or(&[]);
    for (t, data) in super::hello::extensions(exts) {
        if t == 47 {
            let mut j = 2;
            let mut names = Vec::new();
            while let Some(n) = len(data, &mut j, 2) {
                let Some(dn) = data.get(j..j + n) else { break };
                names.push(dn.to_vec());
                j += n;
                if names.len() >= 256 {
                    break;
                }
            }
            return names;
        }
    }
    Vec::new()
}

/// A CompressedCertificate's Certificate body, decompressed (bounded by
/// the size it declares and `MAX_HANDSHAKE_LEN`).
fn decompress(b: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut i = 0;
    let alg = len(b, &mut i, 2).ok_or("short")?;
    let size = len(b, &mut i, 3).ok_or("short")?;
    let n = len(b, &mut i, 3).ok_or("short")?;
    let data = b.get(i..i + n).ok_or("shorter than it declares")?;
    if size > MAX_HANDSHAKE_LEN {
        return Err(format!("declares {size} bytes, over the limit of {MAX_HANDSHAKE_LEN}"));
    }
    let limit = size as u64 + 1;
    let mut out = Vec::with_capacity(size);
    let read = match alg {
        1 => flate2::read::ZlibDecoder::new(data).take(limit).read_to_end(&mut out),
        2 => brotli_decompressor::Decompressor::new(data, 4096)
            .take(limit)
            .read_to_end(&mut out),
        3 => match ruzstd::decoding::StreamingDecoder::new(data) {
            Ok(d) => d.take(limit).read_to_end(&mut out),
            Err(e) => return Err(format!("zstd: {e}")),
        },
        other => return Err(format!("compression algorithm {other} is not zlib, brotli or zstd")),
    };
    read.map_err(|e| e.to_string())?;
    if out.len() != size {
        return Err(format!(
            "decompresses to {} bytes, not the {size} it declares",
            out.len()
        ));
    }
    Ok(out)
}

impl TlsParser {
    /// A decrypted TLS 1.3 handshake message (type, length, body in `msg`).
    pub(super) fn tls13_message(&mut self, dir: Dir, msg: &[u8], frame: u64) {
        let (t, body) = (msg[0], &msg[4..]);
        let ev = match t {
            11 => match certificate_list(body) {
                Some(c) => TlsMsg::Certificate(interned::chain(c)),
                None => TlsMsg::Malformed(format!("Certificate could not be decoded ({} bytes)", msg.len())),
            },
            25 => match decompress(body).map(|b| certificate_list(&b)) {
                Ok(Some(c)) => TlsMsg::Certificate(interned::chain(c)),
                Ok(None) => {
                    TlsMsg::Malformed("CompressedCertificate: the Certificate inside could not be decoded".into())
                }
                Err(e) => TlsMsg::Malformed(format!("CompressedCertificate: {e}")),
            },
            13 => TlsMsg::CertificateRequest(certificate_authorities(body)),
            15 => TlsMsg::CertificateVerify,
            4 => TlsMsg::NewSessionTicket,
            other => TlsMsg::Handshake(other),
        };
        self.push(dir, frame, ev);
        match t {
            20 => self.finished(dir),
            24 => self.key_update(dir),
            5 => self.end_of_early_data(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_certificate_bodies() {
        // context "", two certificates with an empty and a 2-byte extension block.
        let body = [
            &[0u8][..],
            &[0, 0, 17],
            &[0, 0, 3, 1, 2, 3, 0, 0],
            &[0, 0, 2, 4, 5, 0, 2, 9, 9],
        ]
        .concat();
        assert_eq!(certificate_list(&body), Some(vec![vec![1, 2, 3], vec![4, 5]]));
        assert_eq!(certificate_list(&body[..10]), None, "a cut list is not decoded");
    }

    /// A CompressedCertificate body: algorithm, sizes, the compressed bytes.
    fn compressed(alg: u8, inner: &[u8], comp: &[u8]) -> Vec<u8> {
        let mut b = vec![0, alg, 0, (inner.len() >> 8) as u8, inner.len() as u8];
        b.extend_from_slice(&[(comp.len() >> 16) as u8, (comp.len() >> 8) as u8, comp.len() as u8]);
        b.extend_from_slice(comp);
        b
    }

    #[test]
    fn brotli_and_zstd_certificates() {
        let inner = [&[0u8][..], &[0, 0, 8], &[0, 0, 3, 9, 8, 7, 0, 0]].concat();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            std::io::Write::write_all(&mut w, &inner).unwrap();
        }
        let zs = ruzstd::encoding::compress_to_vec(&inner[..], ruzstd::encoding::CompressionLevel::Fastest);
        for (alg, comp) in [(2u8, br), (3u8, zs)] {
            let got = decompress(&compressed(alg, &inner, &comp)).map(|x| certificate_list(&x));
            assert_eq!(got, Ok(Some(vec![vec![9, 8, 7]])), "algorithm {alg}");
        }
        assert!(
            decompress(&compressed(9, &inner, &[1, 2]))
                .unwrap_err()
                .contains("not zlib, brotli or zstd")
        );
    }

    #[test]
    fn compressed_certificates_are_bounded() {
        use std::io::Write;
        let inner = [&[0u8][..], &[0, 0, 8], &[0, 0, 3, 7, 7, 7, 0, 0]].concat();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&inner).unwrap();
        let comp = z.finish().unwrap();
        let mut b = vec![0, 1, 0, 0, inner.len() as u8, 0, 0, comp.len() as u8];
        b.extend_from_slice(&comp);
        assert_eq!(
            decompress(&b).map(|x| certificate_list(&x)),
            Ok(Some(vec![vec![7, 7, 7]]))
        );
        // A declared size that lies is refused, never trusted.
        b[4] -= 1;
        assert!(decompress(&b).is_err());
        let big = [0, 1, 0x7f, 0xff, 0xff, 0, 0, 0];
        assert!(decompress(&big).unwrap_err().contains("over the limit"));
    }
}
