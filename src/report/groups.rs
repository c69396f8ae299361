//! The batch view: failures and findings grouped across every capture of a
//! run (the contract's GROUP), by server, SNI, status, cause, finding codes
//! and leaf fingerprint, with connection and capture counts and the first
//! examples. The same in any order the captures and connections end in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::ConnectionReport;
use crate::vocabulary::{Cause, FindingCode, Status};

/// Examples kept per group.
pub const MAX_EXAMPLES: usize = 3;
/// Distinct groups kept; connections that would open more are counted.
pub const MAX_GROUPS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    server: String,
    sni: Option<String>,
    status: Status,
    cause: Option<Cause>,
    codes: Vec<FindingCode>,
    chain_sha256: Option<String>,
}

/// An example by (capture index, connection id, frame).
type Example = (usize, u64, u64);

#[derive(Debug, Default)]
struct Acc {
    connections: u64,
    captures: BTreeSet<usize>,
    examples: Vec<Example>,
}

/// The groups of a run as they fill up; [`BatchGroups::finish`] writes them.
#[derive(Debug, Default)]
pub struct BatchGroups {
    /// foldhash, as the flow table: a key per connection (SipHash was 1.2%
    /// of a run's instructions with the memo's and the order's maps).
    groups: HashMap<Key, Acc, foldhash::fast::RandomState>,
    paths: BTreeMap<usize, String>,
    /// Connections that found the group table full.
    pub not_grouped: u64,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct GroupExample {
    pub capture: String,
    pub id: u64,
    pub frame: u64,
}

/// One GROUP of the contract.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct GroupReport {
    pub server: String,
    pub sni: Option<String>,
    pub status: Status,
    pub cause: Option<Cause>,
    pub codes: Vec<FindingCode>,
    pub chain_sha256: Option<String>,
    pub connections: u64,
    pub captures: u64,
    pub examples: Vec<GroupExample>,
}

/// The finding codes of a connection and of its chains, sorted, once each.
fn codes(c: &ConnectionReport) -> Vec<FindingCode> {
    let chains = [&c.server_chain, &c.client_chain].into_iter().flatten();
    let all = c.findings.iter().chain(chains.flat_map(|ch| ch.findings.iter()));
    let set: BTreeSet<FindingCode> = all.map(|f| f.code).collect();
    set.into_iter().collect()
}

impl BatchGroups {
    /// Names capture `index` by the path its report shows.
    pub fn name(&mut self, index: usize, path: &str) {
        self.paths.insert(index, path.to_string());
    }

    /// Counts a connection of capture `index` if it failed or has findings.
    pub fn add(&mut self, index: usize, c: &ConnectionReport) {
        let codes = codes(c);
        if c.status == Status::Ok && codes.is_empty() {
            return;
        }
        let key = Key {
            server: c.server.clone(),
            sni: c.sni.clone(),
            status: c.status,
            cause: c.failure.as_ref().map(|f| f.cause),
            codes,
            chain_sha256: c
                .server_chain
                .as_ref()
                .and_then(|ch| ch.certificates.first())
                .map(|x| x.sha256.clone()),
        };
        let frame = c.failure.as_ref().and_then(|f| f.frame).unwrap_or(c.first_frame);
        self.count(key, 1, [index].into(), vec![(index, c.id, frame)]);
    }

    fn count(&mut self, key: Key, n: u64, captures: BTreeSet<usize>, examples: Vec<Example>) {
        let full = self.groups.len() >= MAX_GROUPS;
        let acc = match self.groups.get_mut(&key) {
            Some(a) => a,
            None if full => {
                self.not_grouped += n;
                return;
            }
            None => self.groups.entry(key).or_default(),
        };
        acc.connections += n;
        acc.captures.extend(captures);
        // The earliest examples by capture and id, whatever the order of arrival.
        acc.examples.extend(examples);
        acc.examples.sort_unstable();
        acc.examples.dedup();
        acc.examples.truncate(MAX_EXAMPLES);
    }

    /// Adds another part of the run (one capture's groups) to this one.
    pub fn merge(&mut self, other: BatchGroups) {
        self.paths.extend(other.paths);
        self.not_grouped += other.not_grouped;
        let mut parts: Vec<(Key, Acc)> = other.groups.into_iter().collect();
        parts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (k, a) in parts {
            self.count(k, a.connections, a.captures, a.examples);
        }
    }

    /// The groups, largest first (then by capture count and key).
    pub fn finish(self) -> Vec<GroupReport> {
        let paths = self.paths;
        let mut v: Vec<(Key, Acc)> = self.groups.into_iter().collect();
        v.sort_unstable_by(|(ka, a), (kb, b)| {
            (b.connections, b.captures.len())
                .cmp(&(a.connections, a.captures.len()))
                .then_with(|| ka.cmp(kb))
        });
        v.into_iter()
            .map(|(k, a)| GroupReport {
                server: k.server,
                sni: k.sni,
                status: k.status,
                cause: k.cause,
                codes: k.codes,
                chain_sha256: k.chain_sha256,
                connections: a.connections,
                captures: a.captures.len() as u64,
                examples: a
                    .examples
                    .into_iter()
                    .map(|(i, id, frame)| GroupExample {
                        capture: paths.get(&i).cloned().unwrap_or_default(),
                        id,
                        frame,
                    })
                    .collect(),
            })
            .collect()
    }
}
