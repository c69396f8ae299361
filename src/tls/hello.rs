//! Hellos: the record header test, ClientHello and ServerHello extensions
//! (SNI, ALPN, supported versions, key share), draft TLS 1.3 ServerHellos,
//! and the SSLv2-format ClientHello.

use super::{ClientHello, MAX_RECORD_LEN, ServerHello};

/// A plausible TLS record header at the start of `b`.
pub(super) fn record_header(b: &[u8]) -> Option<(u8, usize)> {
    if b.len() < 5 {
        return None;
    }
    let ct = b[0];
    let len = u16::from_be_bytes([b[3], b[4]]) as usize;
    if (20..=24).contains(&ct) && b[1] == 3 && b[2] <= 4 && len > 0 && len <= MAX_RECORD_LEN {
        Some((ct, len))
    } else {
        None
    }
}

/// An SSLv2-format ClientHello at the start of `b`.
pub(super) fn sslv2_client_hello(b: &[u8]) -> bool {
    b.len() >= 11 && b[0] & 0x80 != 0 && b[2] == 1 && (b[3] == 0 || b[3] == 3) && b[4] <= 4
}

/// An SSLv2 SERVER-HELLO at the start of `b`.
pub(super) fn sslv2_server_hello(b: &[u8]) -> bool {
    b.len() >= 11 && b[0] & 0x80 != 0 && b[2] == 4 && b[5] == 0 && b[6] == 2
}

/// Where a TLS Client or Server Hello record starts inside plaintext.
pub(super) fn find_hello(b: &[u8], want: u8) -> Option<usize> {
    if b.len() < 6 {
        return None;
    }
    (0..b.len() - 5).find(|&i| b[i] == 0x16 && b[i + 1] == 3 && b[i + 2] <= 4 && b[i + 5] == want)
}

pub(super) fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

/// The extensions of a hello as (type, data), walked by hand so that one
/// malformed extension does not hide the others.
pub(super) fn extensions(ext: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let t = u16_at(ext, i)?;
        let l = u16_at(ext, i + 2)? as usize;
        let data = ext.get(i + 4..i + 4 + l)?;
        i += 4 + l;
        Some((t, data))
    })
}

/// A list of u16 values behind a u16 length, cut at the data's end.
fn u16_list(data: &[u8]) -> impl Iterator<Item = u16> + '_ {
    let end = (2 + u16_at(data, 0).unwrap_or(0) as usize).min(data.len());
    data.get(2..end)
        .unwrap_or(&[])
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
}

pub(super) fn client_extensions(ext: &[u8], ch: &mut ClientHello) {
    for (t, data) in extensions(ext) {
        ch.extensions.push(t);
        match t {
            // supported_groups and signature_algorithms: u16 lists.
            10 => ch.groups.extend(u16_list(data)),
            13 => ch.signature_algorithms.extend(u16_list(data)),
            11 => {
                // ec_point_formats: a u8 length, then u8 formats.
                let n = data.first().copied().unwrap_or(0) as usize;
                ch.point_formats
                    .extend_from_slice(data.get(1..(1 + n).min(data.len())).unwrap_or(&[]));
            }
            0 => {
                // server_name list: (type, len, name)*; the host name is type 0.
                let mut j = 2;
                while j + 3 <= data.len() {
                    let nl = u16_at(data, j + 1).unwrap_or(0) as usize;
                    if let Some(name) = data.get(j + 3..j + 3 + nl)
                        && data[j] == 0
                        && ch.sni.is_none()
                    {
                        ch.sni = Some(name.to_vec());
                    }
                    j += 3 + nl;
                }
            }
            16 => {
                let mut j = 2;
                while j < data.len() {
                    let pl = data[j] as usize;
                    if let Some(p) = data.get(j + 1..j + 1 + pl) {
                        ch.alpn.push(p.to_vec());
                    }
                    j += 1 + pl;
                }
            }
            43 => {
                let mut j = 1;
                while j + 2 <= data.len() {
                    if let Some(v) = u16_at(data, j) {
                        ch.supported_versions.push(v);
                    }
                    j += 2;
                }
            }
            _ => {}
        }
    }
}

pub(super) fn server_extensions(ext: &[u8], sh: &mut ServerHello) {
    for (t, data) in extensions(ext) {
        sh.extensions.push(t);
        match t {
            43 if data.len() == 2 => sh.selected_version = u16_at(data, 0),
            16 if data.len() > 3 => sh.alpn = Some(data[3..].to_vec()),
            _ => {}
        }
    }
}

/// The extensions block of a ServerHello body (after its 4-byte header):
/// version, random, session id, cipher suite, compression, extensions.
pub(super) fn server_hello_extensions(b: &[u8]) -> Option<&[u8]> {
    let sid_len = usize::from(*b.get(34)?);
    let at = 35 + sid_len + 3;
    let len = usize::from(u16_at(b, at)?);
    b.get(at + 2..at + 2 + len)
}

/// A ServerHello of a TLS 1.3 draft (version 0x7fxx): version, random,
/// cipher suite, extensions; no session id or compression.
pub(super) fn draft_server_hello(b: &[u8]) -> Option<ServerHello> {
    let version = u16_at(b, 0)?;
    if !crate::names::is_tls13(version) {
        return None;
    }
    let random = b.get(2..34)?.to_vec();
    let cipher_suite = u16_at(b, 34)?;
    let mut sh = ServerHello {
        legacy_version: version,
        selected_version: Some(version),
        cipher_suite,
        random,
        ..ServerHello::default()
    };
    let ext_len = u16_at(b, 36).unwrap_or(0) as usize;
    if let Some(ext) = b.get(38..38 + ext_len) {
        server_extensions(ext, &mut sh);
    }
    sh.selected_version = sh.selected_version.or(Some(version));
    Some(sh)
}

pub(super) fn parse_sslv2_client_hello(b: &[u8]) -> Option<ClientHello> {
    let version = u16_at(b, 3)?;
    let cs_len = u16_at(b, 5)? as usize;
    let sid_len = u16_at(b, 7)? as usize;
    let ch_len = u16_at(b, 9)? as usize;
    let specs = b.get(11..11 + cs_len)?;
    let challenge = b.get(11 + cs_len + sid_len..11 + cs_len + sid_len + ch_len)?;
    let cipher_suites = specs
        .chunks_exact(3)
        .filter(|c| c[0] == 0)
        .map(|c| u16::from_be_bytes([c[1], c[2]]))
        .collect();
    let mut random = vec![0u8; 32usize.saturating_sub(challenge.len())];
    random.extend_from_slice(&challenge[challenge.len().saturating_sub(32)..]);
    Some(ClientHello {
        legacy_version: version,
        cipher_suites,
        random,
        sslv2_format: true,
        ..ClientHello::default()
    })
}
