//! Parts of a report that connections share (a chain's certificates and
//! findings, the cipher suites a client stack offers) written to JSON once per thread and
//! copied as they are into the JSON of every connection that shares them:
//! on a gateway's capture they are half of each connection's JSON, and
//! serde_json's escaping was the largest part of writing it.
//!
//! A part is known by its allocation: the memory holds a `Weak` of it, so
//! that the address is not reused by another part while it is remembered,
//! and the part itself is freed when the last report that shares it is.
//! At most `KEPT` parts of each kind, of at most `LARGEST` bytes of JSON
//! each, are remembered per thread (a larger part is written in place each
//! time, and not remembered: a `Weak` keeps its allocation).
//! serde_json copies a `RawValue` as it is, and its value serializer
//! (`to_value`) reads it back: the JSON is the same byte for byte as when
//! the part is serialized in place.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::thread::LocalKey;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::chain::CertInfo;
use crate::memo::Seen;
use crate::vocabulary::Finding;

type Suites = Arc<[Cow<'static, str>]>;

/// Parts of each kind a thread remembers.
const KEPT: usize = 256;
/// The largest JSON of a part remembered (a chain of three certificates
/// writes about 2.5 KB).
const LARGEST: usize = 8 * 1024;

type Memory<T> = RefCell<Seen<Weak<T>, Option<Arc<RawValue>>>>;

thread_local! {
    static CERTIFICATES: Memory<Vec<CertInfo>> = RefCell::new(Seen::keeping(KEPT));
    static FINDINGS: Memory<[Finding]> = RefCell::new(Seen::keeping(KEPT));
    static SUITES: Memory<[Cow<'static, str>]> = RefCell::new(Seen::keeping(KEPT));
}

/// The JSON of `v`, or None if it is too large to keep or serde_json could
/// not write it (then it is serialized in place, and fails there alike).
fn render<T: Serialize + ?Sized>(v: &T) -> Option<Arc<RawValue>> {
    let raw = serde_json::value::to_raw_value(v).ok()?;
    (raw.get().len() <= LARGEST).then(|| Arc::from(raw))
}

/// `v` as remembered in `memory`, or written now (and remembered unless
/// it is too large).
fn once<T, S>(memory: &'static LocalKey<Memory<T>>, v: &Arc<T>, s: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let at = Arc::as_ptr(v) as *const u8 as usize as u64;
    let raw = memory.with_borrow_mut(|seen| {
        seen.get(
            at,
            |k| std::ptr::eq(k.as_ptr(), Arc::as_ptr(v)),
            || {
                let raw = render(&**v);
                (raw.is_some().then(|| Arc::downgrade(v)), raw)
            },
        )
    });
    match raw {
        Some(r) => r.serialize(s),
        None => v.serialize(s),
    }
}

/// A chain's certificates (`serialize_with`).
pub fn certificates<S: Serializer>(certs: &Arc<Vec<CertInfo>>, s: S) -> Result<S::Ok, S::Error> {
    once(&CERTIFICATES, certs, s)
}

/// A chain's findings (`serialize_with`).
pub fn findings<S: Serializer>(findings: &Arc<[Finding]>, s: S) -> Result<S::Ok, S::Error> {
    once(&FINDINGS, findings, s)
}

/// A client stack's cipher suites (`serialize_with`).
pub fn suites<S: Serializer>(suites: &Suites, s: S) -> Result<S::Ok, S::Error> {
    once(&SUITES, suites, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Both {
        #[serde(serialize_with = "suites")]
        once: Suites,
        in_place: Suites,
    }

    #[test]
    fn the_json_is_the_same_as_in_place_and_the_value_reads_it_back() {
        let s: Suites = vec![
            Cow::Borrowed("TLS_AES_128_GCM_SHA256"),
            Cow::Owned("a \"quoted\"\n name".into()),
        ]
        .into();
        let b = Both {
            once: s.clone(),
            in_place: s,
        };
        for _ in 0..2 {
            let v = serde_json::to_value(&b).unwrap();
            assert_eq!(v["once"], v["in_place"]);
            let text = serde_json::to_string(&b).unwrap();
            let (once, in_place) = text.split_once(",\"in_place\":").unwrap();
            assert_eq!(&once["{\"once\":".len()..], &in_place[..in_place.len() - 1]);
        }
    }

    #[test]
    fn a_part_too_large_to_keep_is_written_in_place() {
        let s: Suites = (0..2000)
            .map(|i| Cow::Owned(format!("suite {i}")))
            .collect::<Vec<_>>()
            .into();
        let b = Both {
            once: s.clone(),
            in_place: s,
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["once"], v["in_place"]);
        assert!(serde_json::to_string(&b).unwrap().len() > 2 * LARGEST);
    }

    #[test]
    fn another_allocation_with_other_contents_is_written_anew() {
        for name in ["first", "second", "third"] {
            let s: Suites = vec![Cow::Owned(name.to_string())].into();
            let b = Both {
                once: s.clone(),
                in_place: s,
            };
            let v = serde_json::to_value(&b).unwrap();
            assert_eq!(v["once"][0], name);
        }
    }
}
