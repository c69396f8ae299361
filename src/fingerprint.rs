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

// The strings hashed are built in one buffer, digit by digit: a gateway's
// capture has a ClientHello per connection, and a string per value was a
// tenth of the time spent on each.

/// Appends `x` in decimal.
fn push_dec(s: &mut String, x: u16) {
    let mut digits = [0u8; 5];
    let (mut i, mut v) = (digits.len(), x);
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|d| char::from(*d)));
}

/// Appends `x` as four lowercase hex digits.
fn push_hex4(s: &mut String, x: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.extend([12, 8, 4, 0].map(|shift| char::from(HEX[usize::from((x >> shift) & 0xf)])));
}

/// Appends the values of `v`, each written by `push`, separated by `sep`.
fn push_list(s: &mut String, v: impl Iterator<Item = u16>, sep: char, push: fn(&mut String, u16)) {
    for (i, x) in v.enumerate() {
        if i > 0 {
            s.push(sep);
        }
        push(s, x);
    }
}

/// Appends the values of `v` in decimal, separated by '-' (JA3's lists).
fn push_dec_list(s: &mut String, v: impl Iterator<Item = u16>) {
    push_list(s, v, '-', push_dec);
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
    let not_grease = |v: &&u16| !is_grease(**v);
    let mut s = String::with_capacity(256);
    push_dec(&mut s, ch.legacy_version);
    s.push(',');
    push_dec_list(&mut s, ch.cipher_suites.iter().filter(not_grease).copied());
    s.push(',');
    push_dec_list(&mut s, ch.extensions.iter().filter(not_grease).copied());
    s.push(',');
    push_dec_list(&mut s, ch.groups.iter().filter(not_grease).copied());
    s.push(',');
    push_dec_list(&mut s, ch.point_formats.iter().map(|p| u16::from(*p)));
    Some(md5_hex(&s))
}

/// JA3S of a ServerHello: the MD5 of "version,cipher,extensions".
pub fn ja3s(sh: &ServerHello) -> String {
    let mut s = String::with_capacity(96);
    push_dec(&mut s, sh.legacy_version);
    s.push(',');
    push_dec(&mut s, sh.cipher_suite);
    s.push(',');
    push_dec_list(&mut s, sh.extensions.iter().filter(|e| !is_grease(**e)).copied());
    md5_hex(&s)
}

/// The first 12 hex characters of the SHA-256 of `s`; twelve zeros for an
/// empty list, as JA4 writes "no values".
fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(&digest[..6])
}

fn hex4_list(v: impl Iterator<Item = u16>) -> String {
    let mut s = String::with_capacity(160);
    push_list(&mut s, v, ',', push_hex4);
    s
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

/// Appends a count of JA4 in two digits (99 at most).
fn push_count2(s: &mut String, n: usize) {
    let n = n.min(99) as u8;
    s.push(char::from(b'0' + n / 10));
    s.push(char::from(b'0' + n % 10));
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
    let mut a = String::with_capacity(40);
    a.push('t');
    a.push_str(ja4_version(version));
    a.push(sni);
    push_count2(&mut a, ciphers.len());
    push_count2(&mut a, exts.len());
    a.push_str(&ja4_alpn(ch.alpn.first().map(|p| p.as_slice())));
    ciphers.sort_unstable();
    let mut sorted: Vec<u16> = exts.into_iter().filter(|e| *e != 0 && *e != 16).collect();
    sorted.sort_unstable();
    let mut c = hex4_list(sorted.into_iter());
    let mut sigs = ch.signature_algorithms.iter().filter(not_grease).copied().peekable();
    if sigs.peek().is_some() {
        c.push('_');
        push_list(&mut c, sigs, ',', push_hex4);
    }
    a.push('_');
    a.push_str(&hash12(&hex4_list(ciphers.into_iter())));
    a.push('_');
    a.push_str(&hash12(&c));
    Some(a)
}

/// JA4S of a ServerHello over TCP.
pub fn ja4s(sh: &ServerHello) -> String {
    let version = sh.selected_version.unwrap_or(sh.legacy_version);
    let exts = hex4_list(sh.extensions.iter().copied());
    let mut s = String::with_capacity(28);
    s.push('t');
    s.push_str(ja4_version(version));
    push_count2(&mut s, sh.extensions.len());
    s.push_str(&ja4_alpn(sh.alpn.as_deref()));
    s.push('_');
    push_hex4(&mut s, sh.cipher_suite);
    s.push('_');
    s.push_str(&hash12(&exts));
    s
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
    fn numbers_are_written_as_format_writes_them() {
        for x in [0u16, 1, 9, 10, 99, 100, 999, 1000, 4865, 9999, 10000, 49195, 65535] {
            let (mut d, mut h) = (String::new(), String::new());
            push_dec(&mut d, x);
            push_hex4(&mut h, x);
            assert_eq!((d, h), (x.to_string(), format!("{x:04x}")));
        }
        for n in [0, 7, 10, 42, 99, 100, 5000] {
            let mut s = String::new();
            push_count2(&mut s, n);
            assert_eq!(s, format!("{:02}", n.min(99)));
        }
        let mut s = String::new();
        push_dec_list(&mut s, [771, 0, 65281].into_iter());
        assert_eq!(s, "771-0-65281");
        assert_eq!(hex4_list([0x1301, 0x00ff].into_iter()), "1301,00ff");
        assert_eq!(hex4_list(std::iter::empty()), "");
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
