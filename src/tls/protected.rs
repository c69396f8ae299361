//! TLS 1.3 records opened with the session's secrets (a key log, or the
//! capture's secrets blocks): the encrypted handshake (EncryptedExtensions,
//! CertificateRequest, Certificate, CompressedCertificate,
//! CertificateVerify, Finished) and every alert become the same events as
//! their plaintext TLS 1.2 counterparts. Application data is not opened,
//! except records small enough to be an alert or a post-handshake message.

use std::sync::Arc;

use super::decrypt::Protection;
use super::decrypt12::{self, Protection12};
use super::wire::ContentType;
use super::*;
use crate::keylog::{KeyLog, Secrets};

/// Application-data records up to this size are opened after the
/// handshake (an alert is 19 bytes, a NewSessionTicket or a post-handshake
/// CertificateRequest a few hundred); larger ones are only counted.
pub const SMALL_RECORD: usize = 1024;

/// Whether and how a connection was decrypted, for the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decryption {
    /// Where the secrets came from (`keys.log line 3`), when found.
    pub keys: Option<String>,
    /// Records opened.
    pub records: u64,
    /// Why nothing (or not everything) was decrypted.
    pub problem: Option<String>,
}

/// A session found in the key log: its client random and secrets.
type Session = (Vec<u8>, Arc<Secrets>);

/// A direction's record protection.
#[derive(Debug)]
pub(super) enum Prot {
    V13(Box<Protection>),
    V12(Box<Protection12>),
}

impl Prot {
    fn opened(&self) -> u64 {
        match self {
            Prot::V13(p) => p.opened,
            Prot::V12(p) => p.opened,
        }
    }

    fn skip(&mut self) {
        match self {
            Prot::V13(p) => p.skip(),
            Prot::V12(p) => p.skip(),
        }
    }
}

/// The decryption state of a connection.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    pub(crate) log: Option<Arc<KeyLog>>,
    pub(super) client_random: Option<Vec<u8>>,
    pub(super) secrets: Option<Arc<Secrets>>,
    pub(super) prot: PerDir<Option<Box<Prot>>>,
    /// TLS 1.2: each direction's protection, in force from its ChangeCipherSpec.
    pub(super) pending: PerDir<Option<Box<Protection12>>>,
    /// The handshake of this direction is over (its Finished was opened).
    pub(super) finished: PerDir<bool>,
    pub(super) server_dir: Option<Dir>,
    pub(super) suite: u16,
    /// TLS 1.3 0-RTT: the client's early traffic key, until its EndOfEarlyData.
    pub(super) early: Option<Box<Protection>>,
    pub(crate) report: Option<Decryption>,
}

impl TlsParser {
    /// Uses this key log for the connection's secrets.
    pub fn set_keylog(&mut self, log: &Arc<KeyLog>) {
        if self.keys.is_none() {
            self.keys = Some(Box::new(Keys {
                log: Some(log.clone()),
                ..Keys::default()
            }));
        }
    }

    /// Whether and how the connection was decrypted (None: no secrets given).
    pub fn decryption(&self) -> Option<Decryption> {
        let k = self.keys.as_deref()?;
        let mut d = k.report.clone()?;
        d.records += k.prot.0.iter().flatten().map(|p| p.opened()).sum::<u64>();
        Some(d)
    }

    /// A TLS 1.3 ServerHello from `server`: the handshake keys, if the key
    /// log has this session.
    pub(super) fn start_decryption(&mut self, server: Dir, suite: u16) {
        let early_records = self.encrypted_counts[server.other()];
        if let Some(k) = self.keys.as_deref_mut() {
            k.start(server, suite);
            k.start_early(suite, early_records);
        }
    }

    /// An application-data record of `len` bytes in `dir` is worth holding
    /// whole to open it.
    pub(super) fn opens(&self, dir: Dir, len: usize) -> bool {
        self.keys.as_deref().is_some_and(|k| match k.prot[dir].as_deref() {
            Some(Prot::V13(_)) => !k.finished[dir] || len <= SMALL_RECORD,
            // TLS 1.0: every record is held whole for the IV of the next.
            Some(Prot::V12(p)) => p.chains_iv(),
            None => false,
        })
    }

    /// A record passed unopened: its number still counts.
    pub(super) fn passed(&mut self, dir: Dir) {
        if let Some(p) = self.keys.as_deref_mut().and_then(|k| k.prot[dir].as_mut()) {
            p.skip();
        }
    }

    /// Opens a protected record of `dir`; false when it could not be.
    pub(super) fn open_record(&mut self, dir: Dir, body: &[u8], frame: u64) -> bool {
        let Some(keys) = self.keys.as_deref_mut() else {
            return false;
        };
        let p = match keys.prot[dir].as_deref_mut() {
            Some(Prot::V13(p)) => p,
            Some(Prot::V12(p)) => {
                // TLS 1.0 application data: only its last block is needed.
                p.pass(body);
                return false;
            }
            None => return false,
        };
        let first = p.opened == 0;
        let opened = match p.open(body) {
            Some(o) => Some(o),
            // 0-RTT data and the EndOfEarlyData among the client's
            // handshake records: the early traffic key opens them.
            None if keys.server_dir == Some(dir.other()) && !keys.finished[dir] => {
                keys.early.as_deref_mut().and_then(|e| e.open(body))
            }
            None => None,
        };
        let Some((ct, content)) = opened else {
            keys.cannot_open(dir, first);
            return false;
        };
        match ContentType::from(ct) {
            ContentType::Handshake => self.handshake_bytes(dir, &content, frame),
            ContentType::Alert => self.push_alerts(dir, frame, &content),
            _ => self.data_record(dir, frame, TlsMsg::ApplicationData { len: content.len() }),
        }
        true
    }

    /// A TLS 1.2 ServerHello from `server`: both directions' keys from the
    /// master secret, in force from each one's ChangeCipherSpec.
    pub(super) fn start_decryption12(&mut self, server: Dir, sh: &ServerHello) {
        if let Some(k) = self.keys.as_deref_mut() {
            k.start12(server, sh);
        }
    }

    /// A ChangeCipherSpec from `dir` (TLS 1.2): its protection starts.
    pub(super) fn change_cipher_spec(&mut self, dir: Dir) {
        if let Some(k) = self.keys.as_deref_mut()
            && let Some(p) = k.pending[dir].take()
        {
            // A renegotiation's keys replace the first session's: count what those opened.
            k.retire(dir);
            k.prot[dir] = Some(Box::new(Prot::V12(p)));
        }
    }

    /// Opens an encrypted TLS 1.2 handshake or alert record of `dir`; false
    /// when there are no keys for it or they do not open it.
    pub(super) fn open_record12(&mut self, dir: Dir, ct: u8, body: &[u8], frame: u64) -> bool {
        let Some(keys) = self.keys.as_deref_mut() else {
            return false;
        };
        let Some(Prot::V12(p)) = keys.prot[dir].as_deref_mut() else {
            return false;
        };
        let first = p.opened == 0;
        let Some(plain) = p.open(ct, body) else {
            keys.cannot_open(dir, first);
            return false;
        };
        if ct == 21 {
            self.push_alerts(dir, frame, &plain);
            return true;
        }
        // Handshake messages: the Finished (the same event as unopened, so
        // that the verdict reads it the same way), or a renegotiation.
        let mut i = 0;
        while let Some(h) = plain.get(i..i + 4) {
            let len = ((h[1] as usize) << 16) | ((h[2] as usize) << 8) | h[3] as usize;
            let msg = match h[0] {
                20 => TlsMsg::EncryptedHandshake,
                11 => renegotiated_certificate(plain.get(i..i + 4 + len).unwrap_or(&[])),
                t => TlsMsg::Handshake(t),
            };
            self.push(dir, frame, msg);
            if let Some(m) = plain.get(i..i + 4 + len) {
                self.renegotiation(dir, m);
            }
            i += 4 + len;
        }
        true
    }

    /// A hello of a renegotiation, opened: the new session's randoms, and
    /// its keys from the master secret the key log has for it (in force
    /// from each side's next ChangeCipherSpec).
    fn renegotiation(&mut self, dir: Dir, msg: &[u8]) {
        use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};
        let Some(keys) = self.keys.as_deref_mut() else { return };
        match parse_tls_message_handshake(msg) {
            Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(c)))) => {
                keys.client_random = Some(c.random.to_vec());
            }
            Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(h)))) => {
                let mut sh = ServerHello {
                    legacy_version: h.version.0,
                    cipher_suite: h.cipher.0,
                    random: h.random.to_vec(),
                    ..ServerHello::default()
                };
                if let Some(ext) = h.ext {
                    super::hello::server_extensions(ext, &mut sh);
                }
                // The first session's count stays in the report.
                let opened = keys.report.as_ref().map_or(0, |r| r.records);
                keys.start12(dir, &sh);
                if let Some(r) = &mut keys.report {
                    r.records += opened;
                }
            }
            _ => {}
        }
    }

    /// A direction's Finished was opened.
    pub(super) fn finished(&mut self, dir: Dir) {
        if let Some(k) = self.keys.as_deref_mut() {
            k.finished(dir);
        }
    }

    /// The client's EndOfEarlyData: its early traffic key is done.
    pub(super) fn end_of_early_data(&mut self) {
        if let Some(k) = self.keys.as_deref_mut()
            && let Some(e) = k.early.take()
            && let Some(r) = &mut k.report
        {
            r.records += e.opened;
        }
    }

    /// A KeyUpdate from `dir`: the next generation of its keys.
    pub(super) fn key_update(&mut self, dir: Dir) {
        if let Some(k) = self.keys.as_deref_mut() {
            k.key_update(dir);
        }
    }
}

/// A renegotiation's Certificate, opened: its certificates.
fn renegotiated_certificate(msg: &[u8]) -> TlsMsg {
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};
    match parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) => TlsMsg::Certificate(
            super::interned::chain(c.cert_chain.iter().take(MAX_CERTS).map(|r| r.data.to_vec()).collect()),
        ),
        _ => TlsMsg::Malformed("Certificate of a renegotiation could not be decoded".into()),
    }
}

impl Keys {
    fn start(&mut self, server: Dir, suite: u16) {
        // Without any secret (no key log, no secrets block) there is nothing to say.
        let Some(log) = self.log.clone().filter(|l| !l.is_empty()) else {
            return;
        };
        let (mut report, found) = self.lookup(&log);
        if let Some((_, s)) = found {
            // Each direction with its own secret: a client that fails
            // early logs only the server's (and sends its alert in the clear).
            for (dir, secret, name) in [
                (
                    server.other(),
                    s.client_handshake.as_deref(),
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                ),
                (server, s.server_handshake.as_deref(), "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
            ] {
                let why = match secret.map(|k| Protection::tls13(suite, k)) {
                    Some(Some(p)) => {
                        self.prot[dir] = Some(Box::new(Prot::V13(Box::new(p))));
                        continue;
                    }
                    Some(None) => format!("the {name} does not fit cipher suite 0x{suite:04x} (wrong length or suite)"),
                    None => format!("the key log has no {name} for this session"),
                };
                report.problem.get_or_insert(why);
            }
            self.secrets = Some(s);
        }
        self.server_dir = Some(server);
        self.suite = suite;
        self.report = Some(report);
    }

    /// TLS 1.3 0-RTT: the client's early traffic key, past the
    /// `early_records` the client sent before the ServerHello (its early
    /// data, which were counted unopened). None without the secret.
    fn start_early(&mut self, suite: u16, early_records: u64) {
        let secret = self.secrets.as_ref().and_then(|s| s.client_early.clone());
        self.early = secret.and_then(|k| Protection::tls13(suite, &k)).map(|mut p| {
            for _ in 0..early_records {
                p.skip();
            }
            Box::new(p)
        });
    }

    fn start12(&mut self, server: Dir, sh: &ServerHello) {
        let Some(log) = self.log.clone().filter(|l| !l.is_empty()) else {
            return;
        };
        let (mut report, found) = self.lookup(&log);
        if let Some((cr, s)) = found {
            let keys = match (&s.master, sh.version()) {
                (None, _) => Err("the key log has no CLIENT_RANDOM (master secret) for this session".to_string()),
                (Some(_), v) if !(0x0301..=0x0303).contains(&v) => Err(format!(
                    "{} is not decrypted (TLS 1.0 to 1.2 only)",
                    crate::names::version_name(v)
                )),
                (Some(m), v) => {
                    let etm = sh.extensions.contains(&22);
                    decrypt12::keys((sh.cipher_suite, v), m, (&cr, &sh.random), etm)
                }
            };
            match keys {
                Ok((c, sv)) => {
                    self.pending[server.other()] = Some(Box::new(c));
                    self.pending[server] = Some(Box::new(sv));
                }
                Err(why) => report.problem = Some(why),
            }
        }
        self.server_dir = Some(server);
        self.report = Some(report);
    }

    /// The session's secrets by the ClientHello's random; the report
    /// started with where they came from, or why there are none.
    fn lookup(&self, log: &KeyLog) -> (Decryption, Option<Session>) {
        let mut report = Decryption::default();
        let found = match &self.client_random {
            None => {
                report.problem = Some("no ClientHello was captured: its random names the session's keys".into());
                None
            }
            Some(r) => match log.get(r) {
                None => {
                    report.problem = Some("the key log has no secrets for this session's client random".into());
                    None
                }
                Some(s) => {
                    report.keys = Some(s.source.clone());
                    Some((r.clone(), s))
                }
            },
        };
        (report, found)
    }

    /// Counts what a retired key opened.
    fn retire(&mut self, dir: Dir) -> Option<Box<Prot>> {
        let p = self.prot[dir].take()?;
        if let Some(r) = &mut self.report {
            r.records += p.opened();
        }
        Some(p)
    }

    /// A record the keys do not open: wrong keys (the first record), or a
    /// change of keys we cannot follow; this direction stops decrypting.
    fn cannot_open(&mut self, dir: Dir, first: bool) {
        let wrong_keys = first && !self.finished[dir];
        let why = if wrong_keys {
            "the key log's handshake secrets do not open this session's records (wrong keys, or keys of another session with the same client random)"
        } else if first {
            "the application traffic secret does not open the records after the Finished"
        } else {
            "a record could not be opened after others were (damage, or a key change not seen)"
        };
        self.retire(dir);
        if wrong_keys {
            // Nothing of the session is decrypted, both ways.
            self.retire(dir.other());
        }
        if let Some(r) = &mut self.report {
            r.problem.get_or_insert_with(|| why.to_string());
        }
    }

    /// A direction's Finished was opened: its records now use the
    /// application traffic secret (when the key log has it).
    fn finished(&mut self, dir: Dir) {
        self.finished[dir] = true;
        let is_server = self.server_dir == Some(dir);
        let next = self.secrets.as_ref().and_then(|s| {
            if is_server {
                s.server_traffic_0.clone()
            } else {
                s.client_traffic_0.clone()
            }
        });
        self.retire(dir);
        self.prot[dir] = next
            .and_then(|k| Protection::tls13(self.suite, &k))
            .map(|p| Box::new(Prot::V13(Box::new(p))));
        if self.prot[dir].is_none()
            && let Some(r) = &mut self.report
        {
            let side = if is_server { "SERVER" } else { "CLIENT" };
            r.problem.get_or_insert_with(|| {
                format!(
                    "no {side}_TRAFFIC_SECRET_0 in the key log: records after the {} Finished are not decrypted",
                    side.to_lowercase()
                )
            });
        }
    }

    fn key_update(&mut self, dir: Dir) {
        if let Some(Prot::V13(p)) = self.retire(dir).map(|b| *b) {
            self.prot[dir] = p.updated().map(|p| Box::new(Prot::V13(Box::new(p))));
        }
    }
}
