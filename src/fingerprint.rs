//! TLS client and server fingerprints: JA3 and JA3S (Salesforce's
//! definition: decimal values joined by '-', fields by ',', GREASE values
//! left out, then MD5), as tshark computes them (`tls.handshake.ja3`,
//! `tls.handshake.ja3s`; `tests/fingerprints.rs` compares on every sample).

use md5::{Digest, Md5};

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

#[cfg(test)]
mod tests {
    use super::*;

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
