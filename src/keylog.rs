//! TLS session secrets: the NSS key log format (SSLKEYLOGFILE, `--keylog`)
//! and the same text inside pcapng Decryption Secrets Blocks, by client
//! random. A line that cannot be read is a message naming its file and
//! line; the other lines are still used. Where each secret came from is
//! kept, for the report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// Longest secret (TLS 1.3 with SHA-384: 48 bytes; TLS 1.2 master: 48).
const MAX_SECRET: usize = 64;
/// Lines of one key log (or secrets block) read at most.
pub const MAX_LINES: usize = 10_000_000;

/// The secrets of one TLS session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    pub client_handshake: Option<Vec<u8>>,
    pub server_handshake: Option<Vec<u8>>,
    pub client_traffic_0: Option<Vec<u8>>,
    pub server_traffic_0: Option<Vec<u8>>,
    /// TLS 1.3 0-RTT: the client's early data and EndOfEarlyData.
    pub client_early: Option<Vec<u8>>,
    /// TLS 1.2 and earlier: the master secret (`CLIENT_RANDOM`).
    pub master: Option<Vec<u8>>,
    /// Where the secrets came from, e.g. `keys.log line 3` (the first line read).
    pub source: String,
}

/// Which secret a key log line gives, in the order `Stored` keeps them.
const LABELS: [&str; 6] = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_RANDOM",
];

/// Problems kept per text read; more are counted in one last message.
const MAX_PROBLEMS: usize = 100;

/// The secrets of a log, compact (a day of a busy gateway's key log holds
/// millions of sessions): a map from a session's key to its first record
/// (12 bytes an entry), and the records in an arena of fixed chunks that
/// never move (no reallocation copies the whole arena at once). A record:
/// the secret's kind (`LABELS`) and length, the session's next record
/// (`NONE`: none), the index of its origin (`KeyLog::origins`) and its line,
/// then the secret's bytes. 62 bytes and a map entry for a TLS 1.2 session.
#[derive(Debug, Default)]
struct Index {
    map: HashMap<[u32; 2], u32, foldhash::fast::RandomState>,
    chunks: Vec<Vec<u8>>,
}

/// Bytes of an arena chunk; a record never spans two.
const CHUNK: usize = 1 << 20;
/// A record's header: kind, length, next, origin, line.
const HEADER: usize = 14;
/// No next record.
const NONE: u32 = u32::MAX;

/// One record read from the arena.
struct Record<'a> {
    kind: u8,
    next: u32,
    origin: u32,
    line: u32,
    secret: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(NONE, u32::from_le_bytes)
}

impl Index {
    fn record(&self, at: u32) -> Option<Record<'_>> {
        let (c, pos) = (at as usize / CHUNK, at as usize % CHUNK);
        let b = self.chunks.get(c)?.get(pos..)?;
        let len = *b.get(1)? as usize;
        Some(Record {
            kind: *b.first()?,
            next: u32_at(b, 2),
            origin: u32_at(b, 6),
            line: u32_at(b, 10),
            secret: b.get(HEADER..HEADER + len)?,
        })
    }

    /// The records of the session whose first record is at `first`, with
    /// their places.
    fn records(&self, first: u32) -> impl Iterator<Item = (u32, Record<'_>)> {
        let mut at = first;
        // (Bounded: a session has at most one record per kind.)
        std::iter::from_fn(move || {
            let r = self.record(at)?;
            let here = at;
            at = r.next;
            Some((here, r))
        })
        .take(LABELS.len())
    }

    /// Appends a record; its place, none when the arena is full (4 GiB).
    fn append(&mut self, k: usize, secret: &[u8], (origin, line): (u32, u32)) -> Option<u32> {
        let need = HEADER + secret.len();
        if self.chunks.last().is_none_or(|c| c.len() + need > CHUNK) {
            if (self.chunks.len() + 1) * CHUNK > u32::MAX as usize {
                return None;
            }
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let c = self.chunks.len() - 1;
        let chunk = self.chunks.last_mut()?;
        let at = u32::try_from(c * CHUNK + chunk.len()).ok()?;
        chunk.push(k as u8);
        chunk.push(secret.len() as u8);
        chunk.extend_from_slice(&NONE.to_le_bytes());
        chunk.extend_from_slice(&origin.to_le_bytes());
        chunk.extend_from_slice(&line.to_le_bytes());
        chunk.extend_from_slice(secret);
        Some(at)
    }

    /// Sets the next record of the record at `at`.
    fn link(&mut self, at: u32, next: u32) {
        let (c, pos) = (at as usize / CHUNK, at as usize % CHUNK);
        if let Some(b) = self.chunks.get_mut(c).and_then(|c| c.get_mut(pos + 2..pos + 6)) {
            b.copy_from_slice(&next.to_le_bytes());
        }
    }

    /// Secret `k` of the session whose first record is at `first`.
    fn secret(&self, first: u32, k: usize) -> Option<Vec<u8>> {
        (self.records(first))
            .find(|(_, r)| r.kind as usize == k)
            .map(|(_, r)| r.secret.to_vec())
    }

    /// Adds secret `k` of a session (the first line read wins, as when
    /// logs are merged); false when the arena is full (4 GiB).
    fn add(&mut self, key: [u32; 2], k: usize, secret: &[u8], origin_line: (u32, u32)) -> bool {
        let Some(&first) = self.map.get(&key) else {
            let Some(at) = self.append(k, secret, origin_line) else {
                return false;
            };
            self.map.insert(key, at);
            return true;
        };
        let mut last = first;
        for (at, r) in self.records(first) {
            if r.kind as usize == k {
                return true;
            }
            last = at;
        }
        let Some(at) = self.append(k, secret, origin_line) else {
            return false;
        };
        self.link(last, at);
        true
    }
}

/// The key of a session: the last 8 bytes of its client random (TLS 1.2
/// randoms may start with the time). Two sessions of one log sharing them
/// is a one-in-10^12 event among millions; it could only make the wrong
/// keys fail to open a record, which the report says.
fn key_of(random: &[u8; 32]) -> [u32; 2] {
    let word = |at: usize| u32::from_le_bytes([random[at], random[at + 1], random[at + 2], random[at + 3]]);
    [word(24), word(28)]
}

/// Every secret known, by client random. Shared by the workers of a
/// capture; secrets blocks found while reading are added as they come.
/// A capture's own log lies over the run's (`over`): what a capture's
/// secrets blocks hold stays with that capture.
#[derive(Debug, Default)]
pub struct KeyLog {
    by_random: RwLock<Index>,
    /// Where lines came from (file names, secrets blocks), by a record's origin.
    origins: RwLock<Vec<Origin>>,
    /// Some secret is known: checked for every packet, so without a lock.
    any: AtomicBool,
    /// The run's log (`--keylog`), under this capture's.
    under: Option<Arc<KeyLog>>,
}

/// A file (or secrets block) of the log: its name, the sessions whose
/// first line it gave, the connections its secrets were looked up for.
#[derive(Debug)]
struct Origin {
    name: String,
    /// Key log lines it held that were read.
    lines: u64,
    sessions: u64,
    matched: std::sync::atomic::AtomicU64,
}

/// What a file of the log held and opened (`KeyLog::usage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub name: String,
    /// Key log lines read from it.
    pub lines: u64,
    /// Sessions whose first line it gave.
    pub sessions: u64,
    /// Lookups of connections' client randoms that it answered (0: it
    /// opened no connection of the run).
    pub matched: u64,
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// What one key log line holds: the label's index, the client random, the
/// secret; None for a line to skip silently (a comment, a label not used).
type Line = Result<Option<(usize, [u8; 32], Vec<u8>)>, &'static str>;

fn parse_line(raw: &[u8]) -> Line {
    let line = String::from_utf8_lossy(raw);
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut f = line.split_ascii_whitespace();
    let (Some(label), Some(random), Some(secret), None) = (f.next(), f.next(), f.next(), f.next()) else {
        return Err("not \"LABEL CLIENT_RANDOM SECRET\"; skipped");
    };
    let (Some(r), Ok(s)) = (hex32(random), hex::decode(secret)) else {
        return Err("the client random must be 64 hex digits and the secret hex; skipped");
    };
    if s.is_empty() || s.len() > MAX_SECRET {
        return Err("a secret of this length is not a TLS secret; skipped");
    }
    Ok(LABELS.iter().position(|l| *l == label).map(|k| (k, r, s)))
}

impl KeyLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A capture's log over the run's: it adds its secrets blocks to
    /// itself, and finds the run's secrets under them.
    pub fn over(under: Option<Arc<KeyLog>>) -> Self {
        KeyLog {
            under,
            ..Self::default()
        }
    }

    /// True when no secret is known.
    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Acquire) && self.under.as_ref().is_none_or(|u| u.is_empty())
    }

    /// Sessions with secrets in this log (not counting the one under it).
    pub fn len(&self) -> usize {
        self.by_random.read().map(|m| m.map.len()).unwrap_or(0)
    }

    /// This log's own secrets of a session.
    fn own(&self, r: &[u8; 32]) -> Option<Secrets> {
        let m = self.by_random.read().ok()?;
        let first = *m.map.get(&key_of(r))?;
        let (origin, line) = m.record(first).map(|r| (r.origin, r.line))?;
        let origin = (self.origins.read().ok())
            .and_then(|o| {
                let o = o.get(origin as usize)?;
                o.matched.fetch_add(1, Ordering::Relaxed);
                Some(o.name.clone())
            })
            .unwrap_or_default();
        Some(Secrets {
            client_handshake: m.secret(first, 0),
            server_handshake: m.secret(first, 1),
            client_traffic_0: m.secret(first, 2),
            server_traffic_0: m.secret(first, 3),
            client_early: m.secret(first, 4),
            master: m.secret(first, 5),
            source: format!("{origin} line {line}"),
        })
    }

    /// The secrets of the session with this client random: the run's, with
    /// what this capture's secrets blocks add to them.
    pub fn get(&self, client_random: &[u8]) -> Option<Arc<Secrets>> {
        let r: [u8; 32] = client_random.try_into().ok()?;
        let own = self.own(&r);
        let under = self.under.as_ref().and_then(|u| u.get(client_random));
        match (under, own) {
            (Some(u), Some(o)) => Some(Arc::new(merge(&u, o))),
            (u, o) => o.map(Arc::new).or(u),
        }
    }

    /// Reads key log text from `origin` (a secrets block, or a test's
    /// text); returns a message per line it could not use (at most 100, then
    /// a count). Comments and empty lines are skipped; labels it does not
    /// use (EXPORTER_SECRET...) are ignored.
    pub fn add_text(&self, origin: &str, text: &[u8]) -> Vec<String> {
        let mut lines = text.split(|b| *b == b'\n');
        self.add_lines(origin, || lines.next().map(<[u8]>::to_vec))
    }

    /// Reads a key log file as a stream, a line at a time (never whole:
    /// a day of a gateway's key log is hundreds of MB).
    pub fn add_reader(&self, origin: &str, mut r: impl std::io::BufRead) -> std::io::Result<Vec<String>> {
        let mut err = None;
        let problems = self.add_lines(origin, || {
            let mut buf = Vec::new();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) => None,
                Ok(_) => Some(buf),
                Err(e) => {
                    err = Some(e);
                    None
                }
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(problems),
        }
    }

    fn add_lines(&self, origin: &str, mut next: impl FnMut() -> Option<Vec<u8>>) -> Vec<String> {
        let origin_id = match self.origins.write() {
            Ok(mut o) => {
                o.push(Origin {
                    name: origin.to_string(),
                    lines: 0,
                    sessions: 0,
                    matched: Default::default(),
                });
                (o.len() - 1) as u32
            }
            Err(_) => return vec![format!("{origin}: not read")],
        };
        let (mut problems, mut more) = (Vec::new(), 0usize);
        let Ok(mut m) = self.by_random.write() else {
            return vec![format!("{origin}: not read")];
        };
        let (mut i, before, mut used) = (0usize, m.map.len(), 0u64);
        while let Some(raw) = next() {
            i += 1;
            if i > MAX_LINES {
                break;
            }
            match parse_line(&raw) {
                Ok(None) => {}
                Ok(Some((k, r, secret))) => {
                    used += 1;
                    if !m.add(key_of(&r), k, &secret, (origin_id, i as u32)) {
                        problems.push(format!(
                            "{origin} line {i}: the key log holds 4 GiB of secrets; the rest is not read"
                        ));
                        break;
                    }
                }
                Err(why) if problems.len() < MAX_PROBLEMS => problems.push(format!("{origin} line {i}: {why}")),
                Err(_) => more += 1,
            }
        }
        if more > 0 {
            problems.push(format!("{origin}: {more} more lines could not be used"));
        }
        if !m.map.is_empty() {
            self.any.store(true, Ordering::Release);
        }
        if let Ok(mut o) = self.origins.write()
            && let Some(o) = o.get_mut(origin_id as usize)
        {
            o.sessions = (m.map.len() - before) as u64;
            o.lines = used;
        }
        problems
    }

    /// Per file (or secrets block) of this log: the sessions it gave and
    /// the connections whose secrets it held, so far.
    pub fn usage(&self) -> Vec<Usage> {
        (self.origins.read().map(|o| {
            o.iter()
                .map(|o| Usage {
                    name: o.name.clone(),
                    lines: o.lines,
                    sessions: o.sessions,
                    matched: o.matched.load(Ordering::Relaxed),
                })
                .collect()
        }))
        .unwrap_or_default()
    }
}

fn merge(old: &Secrets, new: Secrets) -> Secrets {
    Secrets {
        client_handshake: old.client_handshake.clone().or(new.client_handshake),
        server_handshake: old.server_handshake.clone().or(new.server_handshake),
        client_traffic_0: old.client_traffic_0.clone().or(new.client_traffic_0),
        server_traffic_0: old.server_traffic_0.clone().or(new.server_traffic_0),
        client_early: old.client_early.clone().or(new.client_early),
        master: old.master.clone().or(new.master),
        source: old.source.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn lines_are_read_and_bad_ones_named() {
        let k = KeyLog::new();
        let text = format!(
            "# comment\n\nSERVER_HANDSHAKE_TRAFFIC_SECRET {R} aabb\nCLIENT_RANDOM zz 11\nEXPORTER_SECRET {R} cc\nCLIENT_HANDSHAKE_TRAFFIC_SECRET {R} ccdd\ntoo few\n"
        );
        let problems = k.add_text("keys.log", text.as_bytes());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("keys.log line 4: "), "{problems:?}");
        assert!(problems[1].starts_with("keys.log line 7: "), "{problems:?}");
        let s = k.get(&hex::decode(R).unwrap()).unwrap();
        assert_eq!(s.server_handshake.as_deref(), Some(&[0xaa, 0xbb][..]));
        assert_eq!(s.client_handshake.as_deref(), Some(&[0xcc, 0xdd][..]));
        assert_eq!(s.source, "keys.log line 3");
        assert!(k.get(&[0u8; 32]).is_none());
    }

    #[test]
    fn a_captures_log_lies_over_the_runs() {
        let run = Arc::new(KeyLog::new());
        let a = KeyLog::over(Some(run.clone()));
        assert!(a.is_empty());
        a.add_text(
            "block",
            format!("CLIENT_HANDSHAKE_TRAFFIC_SECRET {R} ccdd\n").as_bytes(),
        );
        assert!(!a.is_empty());
        // Another capture of the run does not see it.
        let b = KeyLog::over(Some(run.clone()));
        assert!(b.is_empty() && b.get(&hex::decode(R).unwrap()).is_none());
        // The run's secrets are under each, the run's first where both have one.
        run.add_text(
            "keys.log",
            format!("CLIENT_RANDOM {R} 11\nCLIENT_HANDSHAKE_TRAFFIC_SECRET {R} eeff\n").as_bytes(),
        );
        assert!(!b.is_empty());
        let s = a.get(&hex::decode(R).unwrap()).unwrap();
        assert_eq!(s.master.as_deref(), Some(&[0x11][..]));
        assert_eq!(s.client_handshake.as_deref(), Some(&[0xee, 0xff][..]));
        assert_eq!(s.source, "keys.log line 1");
        assert_eq!(
            b.get(&hex::decode(R).unwrap()).unwrap().client_handshake.as_deref(),
            Some(&[0xee, 0xff][..])
        );
    }

    #[test]
    fn a_stream_is_read_a_line_at_a_time_and_its_problems_are_bounded() {
        let mut text = String::new();
        for _ in 0..150 {
            text.push_str("not a key log line\n");
        }
        text.push_str(&format!(
            "CLIENT_RANDOM {R} {}\nCLIENT_EARLY_TRAFFIC_SECRET {R} 0102\n",
            "ab".repeat(48)
        ));
        let k = KeyLog::new();
        let problems = k
            .add_reader("day.log", std::io::Cursor::new(text.into_bytes()))
            .unwrap_or_default();
        assert_eq!(problems.len(), 101, "{problems:?}");
        assert_eq!(
            problems.last().map(String::as_str),
            Some("day.log: 50 more lines could not be used")
        );
        let s = k.get(&hex::decode(R).unwrap()).unwrap();
        assert_eq!(s.master.as_ref().map(Vec::len), Some(48));
        assert_eq!(s.client_early.as_deref(), Some(&[1, 2][..]));
        assert_eq!(s.source, "day.log line 151");
    }

    #[test]
    fn a_hundred_thousand_lines_are_read_quickly() {
        let mut text = String::new();
        for i in 0..100_000u32 {
            text.push_str(&format!("CLIENT_RANDOM {:064x} {}\n", i, "ab".repeat(48)));
        }
        let k = KeyLog::new();
        assert!(k.add_text("big.log", text.as_bytes()).is_empty());
        assert_eq!(k.len(), 100_000);
    }

    #[test]
    fn sessions_whose_lines_lie_apart_in_the_arena_keep_each_secret() {
        // 40 000 TLS 1.3 sessions, their lines interleaved: each session's
        // records are linked across the arena's 1 MiB chunks; the first
        // line of a kind wins, and the source is the session's first line.
        let mut text = String::new();
        for (k, label) in LABELS.iter().enumerate().take(4) {
            for i in 0..40_000u32 {
                text.push_str(&format!("{label} {:064x} {:02x}{:094x}\n", i, k, i));
            }
        }
        text.push_str(&format!("{} {:064x} {}\n", LABELS[0], 7, "ff".repeat(48)));
        let k = KeyLog::new();
        assert!(k.add_text("day.log", text.as_bytes()).is_empty());
        assert_eq!(k.len(), 40_000);
        for i in [0u32, 7, 20_000, 39_999] {
            let s = k.get(&hex32(&format!("{i:064x}")).unwrap()).unwrap();
            let want = |kind: usize| Some(hex::decode(format!("{kind:02x}{i:094x}")).unwrap());
            assert_eq!(s.client_handshake, want(0), "session {i}");
            assert_eq!(s.server_traffic_0, want(3), "session {i}");
            assert_eq!((s.master.as_ref(), s.client_early.as_ref()), (None, None));
            assert_eq!(s.source, format!("day.log line {}", i + 1));
        }
    }
}
