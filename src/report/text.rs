//! The text report, for people: per capture a summary, failures first with
//! their evidence (the same failure repeated is one block), then one line
//! per other connection.

use std::fmt::Write as _;

use super::text_parts::{Style, label, render_failed, render_findings, render_other, sni_label, wrapped};
use super::*;
use crate::vocabulary::{Blame, Status};

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders the text report of a whole document.
pub fn render_text(doc: &Document) -> String {
    let mut o = String::new();
    for c in &doc.captures {
        let mut t = TextCapture::default();
        for conn in &c.connections {
            t.add(conn);
        }
        o.push_str(&t.render(c));
    }
    if doc.captures.len() > 1 {
        o.push('\n');
        o.push_str(&render_groups(&doc.groups, doc.captures.len(), 0));
    }
    o
}

/// Keeps the `NAMED_IN_GROUP` lowest ids, in order.
fn lowest(ids: &mut Vec<u64>, id: u64) {
    if ids.len() < NAMED_IN_GROUP || ids.last().is_some_and(|l| *l > id) {
        let at = ids.partition_point(|x| *x < id);
        ids.insert(at, id);
        ids.truncate(NAMED_IN_GROUP);
    }
}

/// Connections listed one line each; beyond this, grouped.
const MAX_LISTED: usize = 20;
/// Connections named in a group's line.
const NAMED_IN_GROUP: usize = 5;

/// The same failure repeated: its first connection in full, the others counted.
struct FailedGroup {
    first: ConnectionReport,
    count: u64,
    /// The lowest few ids, with their labels ("#id (frame N)").
    shown: Vec<(u64, String)>,
    clients: std::collections::HashSet<String>,
}

/// Other connections alike (same server, outcome and chain).
struct OtherGroup {
    first: ConnectionReport,
    count: u64,
    ids: Vec<u64>,
}

/// The text report of one capture, built connection by connection as they
/// are judged: it holds one report per distinct group (and the first few
/// others), never one per connection, so that a capture of a million
/// connections is rendered in the memory of its distinct failures.
#[derive(Default)]
pub struct TextCapture {
    style: Style,
    failed: Vec<FailedGroup>,
    failed_index: Index,
    others: Vec<OtherGroup>,
    others_index: Index,
    /// The first others, listed one by one when there are few.
    first_others: Vec<ConnectionReport>,
    others_count: usize,
}

impl TextCapture {
    /// A capture's text written in `style` (`--verbose`, the trust store's label).
    pub fn new(style: Style) -> Self {
        TextCapture {
            style,
            ..Self::default()
        }
    }

    /// One connection. They may come in any order: each group keeps its
    /// earliest connection (by first frame) in full and its lowest ids, and
    /// groups are written in the order of their earliest connection, so the
    /// text is the same whatever order the connections were judged in.
    pub fn add(&mut self, c: &ConnectionReport) {
        if c.failure.is_some() {
            self.add_failed(c);
            return;
        }
        self.others_count += 1;
        if self.first_others.len() <= MAX_LISTED
            || self.first_others.last().is_some_and(|l| l.first_frame > c.first_frame)
        {
            let at = self.first_others.partition_point(|x| x.first_frame < c.first_frame);
            self.first_others.insert(at, c.clone());
            self.first_others.truncate(MAX_LISTED + 1);
        }
        let h = self.others_index.hash(other_key(c));
        let others = &self.others;
        match self
            .others_index
            .find(h, |i| other_key(&others[i].first) == other_key(c))
        {
            Some(i) => {
                let g = &mut self.others[i];
                g.count += 1;
                lowest(&mut g.ids, c.id);
                if c.first_frame < g.first.first_frame {
                    g.first = c.clone();
                }
            }
            None => {
                self.others_index.insert(h, self.others.len());
                self.others.push(OtherGroup {
                    first: c.clone(),
                    count: 1,
                    ids: vec![c.id],
                });
            }
        }
    }

    fn add_failed(&mut self, c: &ConnectionReport) {
        let h = self.failed_index.hash(failure_key(c));
        let failed = &self.failed;
        let i = match self
            .failed_index
            .find(h, |i| failure_key(&failed[i].first) == failure_key(c))
        {
            Some(i) => i,
            None => {
                self.failed_index.insert(h, self.failed.len());
                self.failed.push(FailedGroup {
                    first: c.clone(),
                    count: 0,
                    shown: Vec::new(),
                    clients: Default::default(),
                });
                self.failed.len() - 1
            }
        };
        let g = &mut self.failed[i];
        g.count += 1;
        if c.first_frame < g.first.first_frame {
            g.first = c.clone();
        }
        let label = match c.failure.as_ref().and_then(|f| f.frame) {
            Some(fr) => format!("#{} (frame {fr})", c.id),
            None => format!("#{} (from frame {})", c.id, c.first_frame),
        };
        if g.shown.len() < NAMED_IN_GROUP || g.shown.last().is_some_and(|(id, _)| *id > c.id) {
            let at = g.shown.partition_point(|(id, _)| *id < c.id);
            g.shown.insert(at, (c.id, label));
            g.shown.truncate(NAMED_IN_GROUP);
        }
        let host = c.client.rsplit_once(':').map_or(c.client.as_str(), |(h, _)| h);
        if !g.clients.contains(host) {
            g.clients.insert(host.to_string());
        }
    }

    /// The capture's text: `c` gives everything but the connections.
    /// The capture's text, wrapped for a ticket.
    pub fn render(&self, c: &CaptureReport) -> String {
        wrapped(&self.unwrapped(c))
    }

    fn unwrapped(&self, c: &CaptureReport) -> String {
        let mut o = String::new();
        if !render_header(&mut o, c) {
            return o;
        }
        // Problems first (the same failure repeated is one block), then the rest.
        let mut failed: Vec<&FailedGroup> = self.failed.iter().collect();
        failed.sort_by_key(|g| g.first.first_frame);
        for g in failed {
            o.push('\n');
            if g.count == 1 {
                render_failed(&mut o, &g.first, &self.style);
            } else {
                render_failed_group(&mut o, g, &self.style);
            }
        }
        if self.others_count > 0 {
            o.push('\n');
        }
        if self.others_count <= MAX_LISTED {
            for conn in &self.first_others {
                render_other(&mut o, conn, &self.style);
            }
            return o;
        }
        // Hundreds of good connections: one line per server and outcome.
        let mut others: Vec<&OtherGroup> = self.others.iter().collect();
        others.sort_by_key(|g| g.first.first_frame);
        for g in others {
            if g.count == 1 {
                render_other(&mut o, &g.first, &self.style);
                continue;
            }
            let first = &g.first;
            let ids: Vec<String> = g.ids.iter().map(|id| format!("#{id}")).collect();
            let _ = writeln!(
                o,
                "{} x{}  -> {}{}{}{}  (connections {}{}; first frame {})",
                label(first.status),
                g.count,
                first.server,
                sni_label(first),
                first.tls_version.as_ref().map(|v| format!("  {v}")).unwrap_or_default(),
                first.cipher_suite.as_ref().map(|v| format!(" {v}")).unwrap_or_default(),
                ids.join(", "),
                if g.count > NAMED_IN_GROUP as u64 { ", ..." } else { "" },
                first.first_frame
            );
            render_findings(&mut o, first, true);
        }
        o
    }
}

/// The capture's summary line and warnings; false when the capture could not be read.
fn render_header(o: &mut String, c: &CaptureReport) -> bool {
    if let Some(e) = &c.error {
        let path = crate::escape::text(c.path.as_bytes());
        // The error names the file itself, most of the time: not twice.
        let e = e
            .strip_prefix(&format!("{}: ", c.path))
            .or_else(|| e.strip_prefix(&format!("{path}: ")))
            .unwrap_or(e);
        let _ = writeln!(o, "{path}: ERROR: {e}");
        return false;
    }
    let s = &c.summary;
    let _ = writeln!(
        o,
        "{}{}: {} {}, {}, {}: {}",
        if c.read_stopped_early { "INCOMPLETE READ " } else { "" },
        crate::escape::text(c.path.as_bytes()),
        c.format.as_deref().unwrap_or("?"),
        c.link_types.join("/"),
        plural(c.packets, "packet", "packets"),
        plural(s.connections, "TCP connection", "TCP connections"),
        s.words()
    );
    if let (Some(a), Some(b)) = (&c.first_packet, &c.last_packet) {
        let _ = writeln!(o, "  captured {a} .. {b}");
    }
    for w in &c.warnings {
        let _ = writeln!(o, "  warning: {w}");
    }
    true
}

/// The leaf's fingerprint, to tell chains apart.
fn leaf_of(c: &ConnectionReport) -> &str {
    c.server_chain
        .as_ref()
        .and_then(|ch| ch.certificates.first().map(|x| x.sha256.as_str()))
        .unwrap_or("-")
}

/// Groups found by a hash of their key, then checked key against key: exact,
/// and no key string made per connection.
#[derive(Default)]
struct Index {
    hasher: foldhash::fast::RandomState,
    groups: std::collections::HashMap<u64, Vec<usize>, foldhash::fast::RandomState>,
}

impl Index {
    fn hash(&self, key: impl std::hash::Hash) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, key)
    }

    fn find(&self, h: u64, same: impl Fn(usize) -> bool) -> Option<usize> {
        self.groups.get(&h)?.iter().copied().find(|&i| same(i))
    }

    fn insert(&mut self, h: u64, i: usize) {
        self.groups.entry(h).or_default().push(i);
    }
}

/// Same server, same cause, same side, same alert, same chain: the same failure.
fn failure_key(c: &ConnectionReport) -> impl std::hash::Hash + Eq + '_ {
    let f = c.failure.as_ref();
    (
        &c.server,
        &c.sni,
        f.map(|f| f.cause),
        f.map(|f| f.side),
        f.and_then(|f| f.alert.as_ref().map(|a| a.code)),
        leaf_of(c),
    )
}

fn other_key(c: &ConnectionReport) -> impl std::hash::Hash + Eq + '_ {
    (c.status, &c.server, &c.sni, &c.tls_version, &c.cipher_suite, leaf_of(c))
}

fn render_failed_group(o: &mut String, g: &FailedGroup, style: &Style) {
    let first = &g.first;
    let Some(f) = &first.failure else { return };
    let clients = g.clients.len();
    let _ = writeln!(
        o,
        "{} x{}  -> {}{}  {}: {}, the same failure {} times from {} client address{}",
        if first.status == Status::NoConnection {
            "NO CONNECTION"
        } else {
            "FAILED"
        },
        g.count,
        first.server,
        sni_label(first),
        f.cause,
        if f.side == Blame::Network {
            "no answer".to_string()
        } else {
            format!("{} gave up", f.side)
        },
        g.count,
        clients,
        if clients == 1 { "" } else { "es" }
    );
    let _ = writeln!(
        o,
        "  connections {}{}; the first one in full:",
        g.shown.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join(", "),
        if g.count > NAMED_IN_GROUP as u64 {
            format!(" and {} more", g.count - NAMED_IN_GROUP as u64)
        } else {
            String::new()
        }
    );
    render_failed(o, first, style);
}
