//! The parts of a report that depend only on the TLS stack that sent a
//! hello: the fingerprints (JA3, JA4, JA3S, JA4S) and what the ClientHello
//! offered (versions, cipher suites, ALPN). Each is built once per distinct
//! hello on a thread and shared by the reports of every connection that sent
//! the same one: a gateway's capture has a few stacks and many connections,
//! and the hashes and names are most of a short connection's report.
//!
//! A hello is the same as another when every field but the random and the
//! SNI is equal (the SNI is in the report beside what is shared, not in it).
//! A thread keeps at most `memo::KEPT` hellos of each side, and only hellos
//! of a real size (`LARGEST`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use crate::fingerprint;
use crate::memo::{Seen, hash_of};
use crate::names::{cipher_name, is_grease, version_name};
use crate::tls::{ClientHello, ServerHello};

/// What a ClientHello says about the client's stack.
#[derive(Clone, Debug)]
pub struct ClientStack {
    pub ja3: Option<Arc<str>>,
    pub ja4: Option<Arc<str>>,
    pub legacy_version: Arc<str>,
    pub supported_versions: Arc<[String]>,
    pub cipher_suites: Arc<[Cow<'static, str>]>,
    pub alpn: Arc<[String]>,
}

/// What a ServerHello says about the server's stack.
#[derive(Clone, Debug)]
pub struct ServerStack {
    pub ja3s: Arc<str>,
    pub ja4s: Arc<str>,
}

/// The fields of a ClientHello its stack is made of: all but the random and
/// the SNI (a field added to ClientHello stops this from compiling until it
/// is sorted in or out).
type ClientFields<'a> = (
    u16,
    &'a [u16],
    &'a [u16],
    &'a [Vec<u8>],
    bool,
    &'a [u16],
    &'a [u16],
    &'a [u8],
    &'a [u16],
);

fn client_fields(ch: &ClientHello) -> ClientFields<'_> {
    let ClientHello {
        legacy_version,
        supported_versions,
        cipher_suites,
        sni: _,
        alpn,
        random: _,
        sslv2_format,
        extensions,
        groups,
        point_formats,
        signature_algorithms,
    } = ch;
    (
        *legacy_version,
        supported_versions,
        cipher_suites,
        alpn,
        *sslv2_format,
        extensions,
        groups,
        point_formats,
        signature_algorithms,
    )
}

/// The fields of a ServerHello its stack is made of: all but the random and
/// whether it asked the client to retry.
type ServerFields<'a> = (u16, Option<u16>, u16, Option<&'a [u8]>, &'a [u16]);

fn server_fields(sh: &ServerHello) -> ServerFields<'_> {
    let ServerHello {
        legacy_version,
        selected_version,
        cipher_suite,
        random: _,
        alpn,
        hello_retry: _,
        extensions,
    } = sh;
    (
        *legacy_version,
        *selected_version,
        *cipher_suite,
        alpn.as_deref(),
        extensions,
    )
}

/// The most values (suites, extensions, groups, formats, algorithms,
/// versions, ALPN bytes) a hello remembered may hold: a real one holds a
/// few dozen, a hostile one up to a megabyte, built each time and not kept.
const LARGEST: usize = 512;

fn small_client(ch: &ClientHello) -> bool {
    let alpn: usize = ch.alpn.iter().map(|a| a.len() + 1).sum();
    let lists = [
        ch.supported_versions.len(),
        ch.cipher_suites.len(),
        ch.extensions.len(),
        ch.groups.len(),
        ch.point_formats.len(),
        ch.signature_algorithms.len(),
        alpn,
    ];
    lists.iter().sum::<usize>() <= LARGEST
}

fn small_server(sh: &ServerHello) -> bool {
    sh.extensions.len() + sh.alpn.as_ref().map_or(0, |a| a.len()) <= LARGEST
}

thread_local! {
    static CLIENTS: RefCell<Seen<Box<ClientHello>, ClientStack>> = RefCell::new(Seen::new());
    static SERVERS: RefCell<Seen<Box<ServerHello>, ServerStack>> = RefCell::new(Seen::new());
}

/// The client's stack, as built for the first hello like this one.
pub fn client(ch: &ClientHello) -> ClientStack {
    let hash = hash_of(client_fields(ch));
    CLIENTS.with_borrow_mut(|seen| {
        seen.get(
            hash,
            |k| client_fields(k) == client_fields(ch),
            || {
                let key = small_client(ch).then(|| {
                    Box::new(ClientHello {
                        sni: None,
                        random: Vec::new(),
                        ..ch.clone()
                    })
                });
                (key, client_stack(ch))
            },
        )
    })
}

/// The server's stack, as built for the first hello like this one.
pub fn server(sh: &ServerHello) -> ServerStack {
    let hash = hash_of(server_fields(sh));
    SERVERS.with_borrow_mut(|seen| {
        seen.get(
            hash,
            |k| server_fields(k) == server_fields(sh),
            || {
                let key = small_server(sh).then(|| {
                    Box::new(ServerHello {
                        random: Vec::new(),
                        ..sh.clone()
                    })
                });
                (key, server_stack(sh))
            },
        )
    })
}

/// Builds a client's stack from its hello (not kept).
pub fn client_stack(ch: &ClientHello) -> ClientStack {
    ClientStack {
        ja3: fingerprint::ja3(ch).map(Arc::from),
        ja4: fingerprint::ja4(ch).map(Arc::from),
        legacy_version: version_name(ch.legacy_version).into(),
        supported_versions: ch
            .supported_versions
            .iter()
            .map(|v| version_name(*v).into_owned())
            .collect(),
        cipher_suites: ch
            .cipher_suites
            .iter()
            .filter(|s| !is_grease(**s))
            .map(|s| cipher_name(*s))
            .collect(),
        alpn: ch.alpn.iter().map(|a| crate::escape::text(a)).collect(),
    }
}

/// Builds a server's stack from its hello (not kept).
pub fn server_stack(sh: &ServerHello) -> ServerStack {
    ServerStack {
        ja3s: fingerprint::ja3s(sh).into(),
        ja4s: fingerprint::ja4s(sh).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(sni: &str, random: u8) -> ClientHello {
        ClientHello {
            legacy_version: 0x0303,
            supported_versions: vec![0x0a0a, 0x0304, 0x0303],
            cipher_suites: vec![0x1301, 0x1302, 0xc02f],
            sni: Some(sni.as_bytes().to_vec()),
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            random: vec![random; 32],
            sslv2_format: false,
            extensions: vec![0, 10, 11, 13, 16, 43, 51],
            groups: vec![29, 23],
            point_formats: vec![0],
            signature_algorithms: vec![0x0403, 0x0804],
        }
    }

    fn same(a: &ClientStack, b: &ClientStack) -> bool {
        (
            &a.ja3,
            &a.ja4,
            &a.legacy_version,
            &a.supported_versions,
            &a.cipher_suites,
            &a.alpn,
        ) == (
            &b.ja3,
            &b.ja4,
            &b.legacy_version,
            &b.supported_versions,
            &b.cipher_suites,
            &b.alpn,
        )
    }

    #[test]
    fn hellos_that_differ_in_random_and_sni_share_one_stack() {
        let a = client(&hello("a.example", 1));
        let b = client(&hello("b.example", 2));
        assert!(Arc::ptr_eq(&a.cipher_suites, &b.cipher_suites));
        assert!(same(&a, &client_stack(&hello("c.example", 3))));
    }

    #[test]
    fn any_other_field_makes_another_stack_built_from_its_own_hello() {
        let base = hello("a.example", 1);
        let variants: [fn(&mut ClientHello); 9] = [
            |h| h.legacy_version = 0x0301,
            |h| h.supported_versions.truncate(2),
            |h| h.cipher_suites.swap(0, 1),
            |h| h.alpn.reverse(),
            |h| h.sslv2_format = true,
            |h| h.extensions.swap(1, 2),
            |h| h.groups.reverse(),
            |h| h.point_formats.push(1),
            |h| h.signature_algorithms.reverse(),
        ];
        let first = client(&base);
        for (i, change) in variants.iter().enumerate() {
            let mut h = base.clone();
            change(&mut h);
            let got = client(&h);
            assert!(!Arc::ptr_eq(&got.cipher_suites, &first.cipher_suites), "variant {i}");
            assert!(same(&got, &client_stack(&h)), "variant {i}");
        }
    }

    #[test]
    fn a_hello_too_large_to_keep_is_built_each_time() {
        let mut h = hello("a.example", 1);
        h.cipher_suites = (0..2000).collect();
        let (a, b) = (client(&h), client(&h));
        assert!(!Arc::ptr_eq(&a.cipher_suites, &b.cipher_suites));
        assert!(same(&a, &b));
    }

    #[test]
    fn server_stacks_are_shared_and_kept_apart_the_same_way() {
        let sh = |cipher: u16, random: u8| ServerHello {
            legacy_version: 0x0303,
            selected_version: Some(0x0304),
            cipher_suite: cipher,
            random: vec![random; 32],
            alpn: Some(b"h2".to_vec()),
            hello_retry: false,
            extensions: vec![43, 51],
        };
        let (a, b, c) = (server(&sh(0x1301, 1)), server(&sh(0x1301, 2)), server(&sh(0x1302, 1)));
        assert!(Arc::ptr_eq(&a.ja4s, &b.ja4s));
        assert_eq!(c.ja4s, server_stack(&sh(0x1302, 9)).ja4s);
        assert_ne!(a.ja3s, c.ja3s);
    }
}
