//! TLS over a reassembled TCP connection: finds where TLS starts (at once, or
//! after a plaintext prologue such as STARTTLS: `start`), splits records
//! (`record`), joins handshake messages that span records and segments and
//! decodes them (`handshake`, `hello`; tls-parser takes most messages apart),
//! and turns them into events tagged with the frame that completed them. The
//! connection's `Phase` says what a ChangeCipherSpec means and whether a
//! record is encrypted; the TLS numbers are typed in `wire`.

use std::borrow::Cow;

pub use crate::flow::{Dir, PerDir};

/// Largest record we accept: 2^14 plus the 2048 bytes of expansion TLS 1.2 allows.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;
/// Largest handshake message we assemble (a Certificate with a long chain is
/// the biggest real one). Larger declared lengths are reported and skipped.
pub const MAX_HANDSHAKE_LEN: usize = 1 << 20;
/// Plaintext we look through for the start of TLS (STARTTLS prologues are short).
pub const MAX_PROLOGUE: usize = 64 * 1024;
/// Certificates kept from one Certificate message.
pub const MAX_CERTS: usize = 64;
/// Encrypted records reported per direction; more are only counted.
pub(super) const MAX_ENCRYPTED_EVENTS: usize = 6;
/// Events of one kind (an alert of one level and description, a handshake
/// message type...) recorded per direction; more are counted only.
pub const MAX_EVENTS_PER_KIND: u32 = 32;
/// Distinct kinds of events listed per connection (per direction and kind).
pub const MAX_KINDS: usize = 64;

/// A direction and a kind of event, for MAX_EVENTS_PER_KIND.
type KindKey = (Dir, (u8, u16));
/// Non-TLS chunks reported per direction.
pub(super) const MAX_NOT_TLS_EVENTS: usize = 3;

/// A record's frame, content type and length: each direction's last one
/// says whether that side's last words were a close (an alert).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordMark {
    pub frame: u64,
    pub content_type: u8,
    pub len: usize,
}

/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446 4.1.3).
pub(super) const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub supported_versions: Vec<u16>,
    pub cipher_suites: Vec<u16>,
    pub sni: Option<Vec<u8>>,
    pub alpn: Vec<Vec<u8>>,
    pub random: Vec<u8>,
    /// Sent in the SSLv2-compatible format.
    pub sslv2_format: bool,
    /// Extension types in the order sent, supported groups, EC point
    /// formats: what JA3 is made of.
    pub extensions: Vec<u16>,
    pub groups: Vec<u16>,
    pub point_formats: Vec<u8>,
    /// signature_algorithms in the order sent (for JA4).
    pub signature_algorithms: Vec<u16>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    /// From supported_versions (TLS 1.3), if present.
    pub selected_version: Option<u16>,
    pub cipher_suite: u16,
    pub random: Vec<u8>,
    pub alpn: Option<Vec<u8>>,
    pub hello_retry: bool,
    /// Extension types in the order sent (for JA3S).
    pub extensions: Vec<u16>,
}

impl ServerHello {
    pub fn version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

/// What the TLS stage saw, in one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMsg {
    ClientHello(Box<ClientHello>),
    ServerHello(Box<ServerHello>),
    /// DER certificates in the order sent (shared by the connections that
    /// got the same chain: `interned`).
    Certificate(interned::Chain),
    ServerKeyExchange(Vec<u8>),
    /// DER distinguished names of acceptable CAs.
    CertificateRequest(Vec<Vec<u8>>),
    ServerHelloDone,
    ClientKeyExchange,
    CertificateVerify,
    NewSessionTicket,
    /// Any other handshake message in the clear, by type.
    Handshake(u8),
    /// A handshake record after ChangeCipherSpec: the encrypted Finished.
    EncryptedHandshake,
    ChangeCipherSpec,
    Alert {
        level: u8,
        description: u8,
    },
    EncryptedAlert {
        len: usize,
    },
    /// Application data or, in TLS 1.3, any encrypted record.
    Encrypted {
        len: usize,
    },
    /// A record opened with the session's keys that holds application data
    /// (its plaintext length).
    ApplicationData {
        len: usize,
    },
    /// Bytes that are not TLS, with their start.
    NotTls {
        preview: Vec<u8>,
        len: usize,
    },
    /// SSLv2 record after an SSLv2 exchange started.
    Sslv2Record,
    /// Something could not be parsed; the direction resynchronizes if it can.
    Malformed(String),
}

impl TlsMsg {
    /// What makes two events "of the same kind" for `MAX_EVENTS_PER_KIND`:
    /// the message, and for alerts their level and description.
    fn kind_key(&self) -> (u8, u16) {
        match self {
            TlsMsg::ClientHello(_) => (0, 0),
            TlsMsg::ServerHello(_) => (1, 0),
            TlsMsg::Certificate(_) => (2, 0),
            TlsMsg::ServerKeyExchange(_) => (3, 0),
            TlsMsg::CertificateRequest(_) => (4, 0),
            TlsMsg::ServerHelloDone => (5, 0),
            TlsMsg::ClientKeyExchange => (6, 0),
            TlsMsg::CertificateVerify => (7, 0),
            TlsMsg::NewSessionTicket => (8, 0),
            TlsMsg::Handshake(t) => (9, *t as u16),
            TlsMsg::EncryptedHandshake => (10, 0),
            TlsMsg::ChangeCipherSpec => (11, 0),
            TlsMsg::Alert { level, description } => (12, (*level as u16) << 8 | *description as u16),
            TlsMsg::EncryptedAlert { .. } => (13, 0),
            TlsMsg::Encrypted { .. } => (14, 0),
            TlsMsg::ApplicationData { .. } => (18, 0),
            TlsMsg::NotTls { .. } => (15, 0),
            TlsMsg::Sslv2Record => (16, 0),
            TlsMsg::Malformed(_) => (17, 0),
        }
    }

    /// The event's name as the report's `handshake` list shows it.
    pub fn name(&self) -> Cow<'static, str> {
        match self {
            TlsMsg::ClientHello(_) => Cow::Borrowed("ClientHello"),
            TlsMsg::ServerHello(s) if s.hello_retry => Cow::Borrowed("HelloRetryRequest"),
            TlsMsg::ServerHello(_) => Cow::Borrowed("ServerHello"),
            TlsMsg::Certificate(_) => Cow::Borrowed("Certificate"),
            TlsMsg::ServerKeyExchange(_) => Cow::Borrowed("ServerKeyExchange"),
            TlsMsg::CertificateRequest(_) => Cow::Borrowed("CertificateRequest"),
            TlsMsg::ServerHelloDone => Cow::Borrowed("ServerHelloDone"),
            TlsMsg::ClientKeyExchange => Cow::Borrowed("ClientKeyExchange"),
            TlsMsg::CertificateVerify => Cow::Borrowed("CertificateVerify"),
            TlsMsg::NewSessionTicket => Cow::Borrowed("NewSessionTicket"),
            TlsMsg::Handshake(t) => crate::names::handshake_name(*t),
            TlsMsg::EncryptedHandshake => Cow::Borrowed("Finished"),
            TlsMsg::ChangeCipherSpec => Cow::Borrowed("ChangeCipherSpec"),
            TlsMsg::Alert { .. } => Cow::Borrowed("Alert"),
            TlsMsg::EncryptedAlert { .. } => Cow::Borrowed("Alert"),
            TlsMsg::Encrypted { .. } => Cow::Borrowed("EncryptedData"),
            TlsMsg::ApplicationData { .. } => Cow::Borrowed("ApplicationData"),
            TlsMsg::NotTls { .. } => Cow::Borrowed("NotTLS"),
            TlsMsg::Sslv2Record => "SSLv2Record".into(),
            TlsMsg::Malformed(_) => Cow::Borrowed("Malformed"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsEvent {
    pub frame: u64,
    pub dir: Dir,
    pub msg: TlsMsg,
}

/// How a direction's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Start,
    Prologue,
    Records,
    Sslv2,
    /// Lost framing after a gap or damage: looking for a record header.
    Lost,
    /// Not TLS, or past the prologue limit: ignore the rest.
    Done,
}

#[derive(Debug)]
pub(super) struct Direction {
    pub(super) mode: Mode,
    pub(super) rec_buf: Vec<u8>,
    pub(super) hs_buf: Vec<u8>,
    /// Records from here on are encrypted (after ChangeCipherSpec, or TLS 1.3 ServerHello).
    pub(super) encrypted: bool,
    pub(super) encrypted_records: usize,
    pub(super) not_tls_events: usize,
    pub(super) prologue_bytes: usize,
    /// Skip this many bytes of an oversized handshake message.
    pub(super) hs_skip: usize,
    /// An application-data record being skipped: its length, and the body bytes still to come.
    pub(super) skipping: Option<(usize, usize)>,
    pub(super) saw_tls: bool,
    /// The capture joined this direction after its start (no SYN): its
    /// first bytes may be the middle of a record, and a handshake record
    /// may be encrypted.
    pub(super) midstream: bool,
    /// Bytes looked through for a record header since framing was lost.
    pub(super) resync_bytes: usize,
}

impl Direction {
    fn new() -> Self {
        Direction {
            mode: Mode::Start,
            rec_buf: Vec::new(),
            hs_buf: Vec::new(),
            encrypted: false,
            encrypted_records: 0,
            not_tls_events: 0,
            prologue_bytes: 0,
            hs_skip: 0,
            skipping: None,
            saw_tls: false,
            midstream: false,
            resync_bytes: 0,
        }
    }
}

/// Where the handshake is, for both directions: it decides what a
/// ChangeCipherSpec means and whether a record is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No ClientHello offering TLS 1.3 and no ServerHello yet.
    AwaitHello,
    /// A ClientHello offered TLS 1.3: a ChangeCipherSpec is a compatibility no-op.
    Tls13Offered,
    /// A HelloRetryRequest: the real ServerHello is still to come.
    HelloRetry,
    /// A ServerHello of TLS 1.2 or earlier (its version): each side encrypts
    /// after its own ChangeCipherSpec.
    Tls12(u16),
    /// A TLS 1.3 ServerHello: everything after it is encrypted, both ways.
    Tls13Encrypted,
}

impl Phase {
    /// A ChangeCipherSpec in this phase starts encryption for its sender.
    fn ccs_starts_encryption(self) -> bool {
        matches!(self, Phase::AwaitHello | Phase::Tls12(_))
    }
}

/// The TLS parser of one connection (both directions, since TLS 1.3's
/// ServerHello switches both to encryption).
#[derive(Debug)]
pub struct TlsParser {
    pub(super) dirs: PerDir<Direction>,
    pub(super) phase: Phase,
    pub events: Vec<TlsEvent>,
    /// Encrypted records per direction, including those not reported.
    pub encrypted_counts: PerDir<u64>,
    /// Events recorded per direction and kind.
    /// A few kinds per connection: a list is faster than a map here.
    pub(super) kinds: Vec<(KindKey, u32)>,
    /// Events beyond `MAX_EVENTS_PER_KIND`, counted only.
    pub events_not_listed: u64,
    /// Each direction's last record.
    pub last_record: PerDir<Option<RecordMark>>,
    /// Heartbeat records per direction (RFC 6520): records sent after the
    /// handshake, so the connection was used.
    pub heartbeats: PerDir<u64>,
    /// The session's secrets and record protection, when a key log is given.
    pub(crate) keys: Option<Box<protected::Keys>>,
}

impl Default for TlsParser {
    fn default() -> Self {
        Self::new()
    }
}

mod decrypt;
mod decrypt12;
mod handshake;
mod hello;
pub mod interned;
mod protected;
mod record;
mod resync;
mod start;
mod tls13;
pub mod wire;

pub use protected::Decryption;

use hello::record_header;

impl TlsParser {
    pub fn new() -> Self {
        TlsParser {
            dirs: PerDir([Direction::new(), Direction::new()]),
            phase: Phase::AwaitHello,
            events: Vec::new(),
            encrypted_counts: PerDir([0, 0]),
            kinds: Vec::new(),
            events_not_listed: 0,
            last_record: PerDir([None, None]),
            heartbeats: PerDir([0, 0]),
            keys: None,
        }
    }

    /// Records an event, unless this direction already sent
    /// `MAX_EVENTS_PER_KIND` of its kind (a flood of warning alerts or
    /// renegotiations): those are counted only, so that the work and the
    /// report stay bounded by the capture's variety, not its repetition.
    pub(super) fn push(&mut self, dir: Dir, frame: u64, msg: TlsMsg) {
        let key = (dir, msg.kind_key());
        let i = match self.kinds.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None if self.kinds.len() < MAX_KINDS => {
                self.kinds.push((key, 0));
                self.kinds.len() - 1
            }
            // Beyond MAX_KINDS distinct kinds (only a hostile stream has
            // them), new kinds are counted only: the list stays short.
            None => {
                self.events_not_listed += 1;
                return;
            }
        };
        let Some((_, n)) = self.kinds.get_mut(i) else {
            return;
        };
        if *n >= MAX_EVENTS_PER_KIND {
            self.events_not_listed += 1;
            return;
        }
        *n += 1;
        self.events.push(TlsEvent { frame, dir, msg });
    }

    /// The capture lost bytes in this direction: record framing is gone.
    /// (Lost at the very start too: what follows may begin mid-record.)
    pub fn gap(&mut self, dir: Dir) {
        let d = &mut self.dirs[dir];
        d.rec_buf.clear();
        d.hs_buf.clear();
        d.hs_skip = 0;
        d.skipping = None;
        if matches!(d.mode, Mode::Records | Mode::Sslv2) {
            d.mode = Mode::Lost;
        } else if d.mode == Mode::Start {
            d.midstream = true;
        }
    }

    /// The capture joined direction `dir` after its start (no SYN was seen
    /// before its first bytes).
    pub fn midstream(&mut self, dir: Dir) {
        self.dirs[dir].midstream = true;
    }

    /// Looks for a record header in a direction whose framing is lost;
    /// the bytes from it on, or None (the direction given up on past `MAX_RESYNC`).
    fn resync<'b>(&mut self, dir: Dir, bytes: &'b [u8], frame: u64) -> Option<&'b [u8]> {
        if let Some(i) = resync::resync_point(bytes) {
            let d = &mut self.dirs[dir];
            d.mode = Mode::Records;
            d.resync_bytes = 0;
            return bytes.get(i..);
        }
        let d = &mut self.dirs[dir];
        d.resync_bytes = d.resync_bytes.saturating_add(bytes.len());
        if d.resync_bytes > resync::MAX_RESYNC {
            d.mode = Mode::Done;
            self.push(
                dir,
                frame,
                TlsMsg::Malformed(format!(
                    "no TLS record header found in {} KiB after the capture lost this direction's framing",
                    resync::MAX_RESYNC / 1024
                )),
            );
        }
        None
    }

    /// Feeds reassembled bytes of one direction.
    pub fn feed(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
        let mut bytes = bytes;
        loop {
            match self.dirs[dir].mode {
                Mode::Done => return,
                Mode::Start => {
                    let d = &mut self.dirs[dir];
                    if !d.rec_buf.is_empty() || bytes.len() < 5 {
                        // Too short to tell yet: hold it until five bytes are there.
                        d.rec_buf.extend_from_slice(bytes);
                        if d.rec_buf.len() < 5 {
                            return;
                        }
                        let held = std::mem::take(&mut d.rec_buf);
                        self.start(dir, &held, frame);
                    } else {
                        self.start(dir, bytes, frame);
                    }
                    return;
                }
                Mode::Prologue => {
                    self.prologue(dir, bytes, frame);
                    return;
                }
                Mode::Lost => match self.resync(dir, bytes, frame) {
                    Some(rest) => bytes = rest,
                    None => return,
                },
                Mode::Sslv2 => {
                    self.encrypted_counts[dir] += 1;
                    let d = &mut self.dirs[dir];
                    if d.encrypted_records < MAX_ENCRYPTED_EVENTS {
                        d.encrypted_records += 1;
                        self.push(dir, frame, TlsMsg::Sslv2Record);
                    }
                    return;
                }
                Mode::Records => {
                    self.records(dir, bytes, frame);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
