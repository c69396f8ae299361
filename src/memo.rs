//! A thread's memory of values built from keys it has seen: a report part
//! that many connections share (a stack's fingerprints, a chain's findings)
//! is built once and shared. Bounded: past `KEPT` keys it forgets them all,
//! so that input of ever new keys costs one lookup more per use and no
//! memory. Depends on nothing else of the crate.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// How many keys a memory keeps.
pub const KEPT: usize = 4096;

/// Values by the hash of their keys (a list for the rare hashes two keys share).
pub struct Seen<K, V> {
    /// Keyed by a hash already: hashed again with foldhash, not SipHash.
    by_hash: HashMap<u64, Vec<(K, V)>, foldhash::fast::RandomState>,
    count: usize,
    kept: usize,
}

impl<K, V: Clone> Seen<K, V> {
    pub fn new() -> Self {
        Seen::keeping(KEPT)
    }

    /// A memory of at most `kept` keys.
    pub fn keeping(kept: usize) -> Self {
        Seen {
            by_hash: HashMap::default(),
            count: 0,
            kept,
        }
    }

    /// The value kept for a key that `same` accepts among those of `hash`,
    /// or the one `make` builds, kept under the key it gives with it (none:
    /// the value is too large to keep, and is not).
    pub fn get(&mut self, hash: u64, same: impl Fn(&K) -> bool, make: impl FnOnce() -> (Option<K>, V)) -> V {
        if let Some((_, v)) = self.by_hash.get(&hash).and_then(|l| l.iter().find(|(k, _)| same(k))) {
            return v.clone();
        }
        let (k, v) = make();
        if let Some(k) = k {
            if self.count >= self.kept {
                self.by_hash.clear();
                self.count = 0;
            }
            self.by_hash.entry(hash).or_default().push((k, v.clone()));
            self.count += 1;
        }
        v
    }

    /// How many keys it keeps now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.count
    }
}

impl<K, V: Clone> Default for Seen<K, V> {
    fn default() -> Self {
        Seen::new()
    }
}

thread_local! {
    /// Seeded per thread at random: a capture cannot choose keys that share
    /// a hash (`Seen` keeps them apart, but would compare each in turn).
    static STATE: foldhash::fast::RandomState = foldhash::fast::RandomState::default();
}

/// The hash of a key on this thread (it never leaves the thread's memories).
pub fn hash_of(v: impl Hash) -> u64 {
    STATE.with(|s| s.hash_one(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_everything_when_it_has_kept_as_many_as_allowed() {
        let mut seen: Seen<u32, u32> = Seen::new();
        for i in 0..(KEPT as u32 + 10) {
            assert_eq!(seen.get(u64::from(i), |k| *k == i, || (Some(i), i * 2)), i * 2);
        }
        assert!(seen.len() <= KEPT);
        assert_eq!(seen.len(), 10);
    }

    #[test]
    fn keys_of_one_hash_are_kept_apart() {
        let mut seen: Seen<u32, u32> = Seen::new();
        assert_eq!(seen.get(1 << 40, |k| *k == 7, || (Some(7), 70)), 70);
        assert_eq!(seen.get(1 << 40, |k| *k == 8, || (Some(8), 80)), 80);
        assert_eq!(seen.get(1 << 40, |k| *k == 7, || (Some(7), 0)), 70);
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn a_value_given_without_a_key_is_not_kept() {
        let mut seen: Seen<u32, u32> = Seen::new();
        assert_eq!(seen.get(5, |k| *k == 5, || (None, 50)), 50);
        assert_eq!(seen.get(5, |k| *k == 5, || (None, 51)), 51);
        assert_eq!(seen.len(), 0);
    }
}
