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

/// Every secret known, by client random. Shared by the workers of a
/// capture; secrets blocks found while reading are added as they come.
/// A capture's own log lies over the run's (`over`): what a capture's
/// secrets blocks hold stays with that capture.
#[derive(Debug, Default)]
pub struct KeyLog {
    by_random: RwLock<HashMap<[u8; 32], Arc<Secrets>>>,
    /// Some secret is known: checked for every packet, so without a lock.
    any: AtomicBool,
    /// The run's log (`--keylog`), under this capture's.
    under: Option<Arc<KeyLog>>,
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
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
        self.by_random.read().map(|m| m.len()).unwrap_or(0)
    }

    /// The secrets of the session with this client random: the run's, with
    /// what this capture's secrets blocks add to them.
    pub fn get(&self, client_random: &[u8]) -> Option<Arc<Secrets>> {
        let r: [u8; 32] = client_random.try_into().ok()?;
        let own = self.by_random.read().ok()?.get(&r).cloned();
        let under = self.under.as_ref().and_then(|u| u.get(client_random));
        match (under, own) {
            (Some(u), Some(o)) => Some(Arc::new(merge(&u, (*o).clone()))),
            (u, o) => o.or(u),
        }
    }

    /// Reads key log text from `origin` (a file's name, or "the capture's
    /// secrets block at byte N"); returns a message per line it could not
    /// use. Comments and empty lines are skipped; labels it does not use
    /// (EXPORTER_SECRET...) are ignored.
    pub fn add_text(&self, origin: &str, text: &[u8]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut found: HashMap<[u8; 32], Secrets> = HashMap::new();
        for (i, raw) in text.split(|b| *b == b'\n').take(MAX_LINES).enumerate() {
            let line = String::from_utf8_lossy(raw);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{origin} line {}", i + 1);
            let mut f = line.split_ascii_whitespace();
            let (Some(label), Some(random), Some(secret), None) = (f.next(), f.next(), f.next(), f.next()) else {
                problems.push(format!("{at}: not \"LABEL CLIENT_RANDOM SECRET\"; skipped"));
                continue;
            };
            let (Some(r), Ok(s)) = (hex32(random), hex::decode(secret)) else {
                problems.push(format!(
                    "{at}: the client random must be 64 hex digits and the secret hex; skipped"
                ));
                continue;
            };
            if s.is_empty() || s.len() > MAX_SECRET {
                problems.push(format!("{at}: a secret of {} bytes; skipped", s.len()));
                continue;
            }
            let e = found.entry(r).or_default();
            if e.source.is_empty() {
                e.source = at;
            }
            let slot = match label {
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => &mut e.client_handshake,
                "SERVER_HANDSHAKE_TRAFFIC_SECRET" => &mut e.server_handshake,
                "CLIENT_TRAFFIC_SECRET_0" => &mut e.client_traffic_0,
                "SERVER_TRAFFIC_SECRET_0" => &mut e.server_traffic_0,
                "CLIENT_RANDOM" => &mut e.master,
                "CLIENT_EARLY_TRAFFIC_SECRET" => &mut e.client_early,
                _ => continue,
            };
            *slot = Some(s);
        }
        if let Ok(mut m) = self.by_random.write() {
            for (r, s) in found {
                let merged = match m.get(&r) {
                    Some(old) => merge(old, s),
                    None => s,
                };
                m.insert(r, Arc::new(merged));
            }
            if !m.is_empty() {
                self.any.store(true, Ordering::Release);
            }
        }
        problems
    }
}

/// Secrets from two places for one session: the older ones win where both have one.
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
    fn a_hundred_thousand_lines_are_read_quickly() {
        let mut text = String::new();
        for i in 0..100_000u32 {
            text.push_str(&format!("CLIENT_RANDOM {:064x} {}\n", i, "ab".repeat(48)));
        }
        let k = KeyLog::new();
        assert!(k.add_text("big.log", text.as_bytes()).is_empty());
        assert_eq!(k.len(), 100_000);
    }
}
