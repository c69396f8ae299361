//! TLS client, server and certificate fingerprints: JA3 and JA3S
//! (Salesforce's definition: decimal values joined by '-', fields by ',',
//! GREASE values left out, then MD5), as tshark computes them
//! (`tests/fingerprints.rs` compares on every sample); JA4, JA4S and JA4X
//! (FoxIO's specification, `technical_details/JA4*.md`), checked against
//! the values FoxIO publishes for its captures.

use md5::{Digest, Md5};
use sha2::Sha256;

use crate::names::is_grease;
use crate::tls::{ClientHello, ServerHello};

fn join<T: ToString>(v: impl Iterator<Item = T>) -> String {
    v.map(|x| x.to_string()).collect::<Vec<_>>().join("-")
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// JA3 of a ClientHello: the MD5 of "version,ciphers,extensions,groups,point
/// formats". None for an SSLv2-format hello (JA3 is defined for TLS hellos).
pub fn ja3(ch: &ClientHello) -> Option<String> {
    if ch.sslv2_format {
        return None;
    }
    let s = format!(
        "{},{},{},{},{}",
        ch.legacy_version,
        join(ch.cipher_suites.iter().filter(|c| !is_grease(**c))),
        join(ch.extensions.iter().filter(|e| !is_grease(**e))),
        join(ch.groups.iter().filter(|g| !is_grease(**g))),
        join(ch.point_formats.iter()),
    );
    Some(md5_hex(&s))
}

/// JA3S of a ServerHello: the MD5 of "version,cipher,extensions".
pub fn ja3s(sh: &ServerHello) -> String {
    let s = format!(
        "{},{},{}",
        sh.legacy_version,
        sh.cipher_suite,
        join(sh.extensions.iter().filter(|e| !is_grease(**e)))
    );
    md5_hex(&s)
}

/// The first 12 hex characters of the SHA-256 of `s`; twelve zeros for an
/// empty list, as JA4 writes "no values".
fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    let mut h = hex::encode(Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

fn hex4_list(v: impl Iterator<Item = u16>) -> String {
    v.map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(",")
}

/// JA4's two characters for a TLS version.
fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// JA4's two characters for an ALPN value: its first and last characters
/// when both are ASCII letters or digits, else the first and last hex
/// digits of the whole value; "00" when there is none.
fn ja4_alpn(p: Option<&[u8]>) -> String {
    let Some(p) = p.filter(|p| !p.is_empty()) else {
        return "00".into();
    };
    let (first, last) = (p[0], p[p.len() - 1]);
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        format!("{}{}", first as char, last as char)
    } else {
        let h = hex::encode(p);
        let b = h.as_bytes();
        format!("{}{}", b[0] as char, b[b.len() - 1] as char)
    }
}

fn count2(n: usize) -> String {
    format!("{:02}", n.min(99))
}

/// JA4 of a ClientHello over TCP ("t"). None for an SSLv2-format hello.
pub fn ja4(ch: &ClientHello) -> Option<String> {
    if ch.sslv2_format {
        return None;
    }
    let not_grease = |v: &&u16| !is_grease(**v);
    let version = ch
        .supported_versions
        .iter()
        .filter(not_grease)
        .max()
        .copied()
        .unwrap_or(ch.legacy_version);
    let mut ciphers: Vec<u16> = ch.cipher_suites.iter().filter(not_grease).copied().collect();
    let exts: Vec<u16> = ch.extensions.iter().filter(not_grease).copied().collect();
    let sni = if exts.contains(&0) { 'd' } else { 'i' };
    let a = format!(
        "t{}{sni}{}{}{}",
        ja4_version(version),
        count2(ciphers.len()),
        count2(exts.len()),
        ja4_alpn(ch.alpn.first().map(|p| p.as_slice()))
    );
    ciphers.sort_unstable();
    let mut sorted: Vec<u16> = exts.into_iter().filter(|e| *e != 0 && *e != 16).collect();
    sorted.sort_unstable();
    let sigs = hex4_list(ch.signature_algorithms.iter().filter(not_grease).copied());
    let mut c = hex4_list(sorted.into_iter());
    if !sigs.is_empty() {
        c = format!("{c}_{sigs}");
    }
    Some(format!(
        "{a}_{}_{}",
        hash12(&hex4_list(ciphers.into_iter())),
        hash12(&c)
    ))
}

/// JA4S of a ServerHello over TCP.
pub fn ja4s(sh: &ServerHello) -> String {
    let version = sh.selected_version.unwrap_or(sh.legacy_version);
    let exts = hex4_list(sh.extensions.iter().copied());
    format!(
        "t{}{}{}_{:04x}_{}",
        ja4_version(version),
        count2(sh.extensions.len()),
        ja4_alpn(sh.alpn.as_deref()),
        sh.cipher_suite,
        hash12(&exts)
    )
}

/// JA4X of a certificate from the DER bytes of its issuer's attribute
/// types, its subject's and its extensions' OIDs, each in the order seen.
pub fn ja4x<'a>(
    issuer: impl Iterator<Item = &'a [u8]>,
    subject: impl Iterator<Item = &'a [u8]>,
    extensions: impl Iterator<Item = &'a [u8]>,
) -> String {
    let part = |v: &mut dyn Iterator<Item = &'a [u8]>| hash12(&v.map(hex::encode).collect::<Vec<_>>().join(","));
    let (mut i, mut s, mut e) = (issuer, subject, extensions);
    format!("{}_{}_{}", part(&mut i), part(&mut s), part(&mut e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ja4_of_foxio_examples() {
        // The worked example of FoxIO's JA4.md (ciphers and extensions in
        // the order Chrome sends them), and JA4S.md's.
        let ch = ClientHello {
            legacy_version: 0x0303,
            supported_versions: vec![0x2a2a, 0x0304, 0x0303],
            cipher_suites: vec![
                0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
                0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
                0x000b, 0x000a, 0x0015,
            ],
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            signature_algorithms: vec![0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            ..ClientHello::default()
        };
        assert_eq!(ja4(&ch).as_deref(), Some("t13d1516h2_8daaf6152771_e5627efa2ab1"));
        let sh = ServerHello {
            legacy_version: 0x0303,
            cipher_suite: 0xc030,
            extensions: vec![0x0005, 0x0017, 0xff01, 0x0000],
            ..ServerHello::default()
        };
        assert_eq!(ja4s(&sh), "t120400_c030_4e8089b08790");
        // JA4X.md's example.
        let rdn: [&[u8]; 4] = [b"\x55\x04\x03", b"\x55\x04\x06", b"\x55\x04\x08", b"\x55\x04\x0a"];
        let ext: [&[u8]; 3] = [b"\x55\x1d\x0f", b"\x55\x1d\x25", b"\x55\x1d\x11"];
        assert_eq!(
            ja4x(rdn.into_iter(), rdn.into_iter(), ext.into_iter()),
            "96a6439c8f5c_96a6439c8f5c_aae71e8db6d7"
        );
    }

    #[test]
    fn ja4_alpn_follows_the_specification() {
        // JA4.md's examples for values that are not letters or digits.
        let cases: [(&[u8], &str); 7] = [
            (b"h2", "h2"),
            (b"http/1.1", "h1"),
            (b"x", "xx"),
            (b"\xab", "ab"),
            (b"\xab\xcd", "ad"),
            (b"\x30\xab", "3b"),
            (b"\x30\xab\xcd\x31", "01"),
        ];
        for (p, want) in cases {
            assert_eq!(ja4_alpn(Some(p)), want, "{p:?}");
        }
        assert_eq!(ja4_alpn(None), "00");
        assert_eq!(ja4_alpn(Some(b"")), "00");
    }

    #[test]
    fn ja4_of_a_hello_without_lists() {
        let ch = ClientHello {
            legacy_version: 0x0301,
            ..ClientHello::default()
        };
        assert_eq!(ja4(&ch).as_deref(), Some("t10i000000_000000000000_000000000000"));
    }

    #[test]
    fn ja3_of_salesforce_example_fields() {
        // The string of Salesforce's README example hashes to its published value.
        assert_eq!(
            md5_hex("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"),
            "ada70206e40642a3e4461f35503241d5"
        );
        let ch = ClientHello {
            legacy_version: 769,
            cipher_suites: vec![0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensions: vec![0, 0x1a1a, 10, 11],
            groups: vec![23, 24, 25],
            point_formats: vec![0],
            ..ClientHello::default()
        };
        assert_eq!(
            ja3(&ch).as_deref(),
            Some("ada70206e40642a3e4461f35503241d5"),
            "GREASE left out"
        );
    }
}
