//! TLS over a reassembled TCP connection: finds where TLS starts (at once, or
//! after a plaintext prologue such as STARTTLS), splits records, joins
//! handshake messages that span records and segments, and turns them into
//! events tagged with the frame that completed them. tls-parser decodes the
//! handshake messages; framing and bounds are kept here.

use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};

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
const MAX_ENCRYPTED_EVENTS: usize = 6;
/// Events of one kind (an alert of one level and description, a handshake
/// message type...) recorded per direction; more are counted only.
pub const MAX_EVENTS_PER_KIND: u32 = 32;
/// Non-TLS chunks reported per direction.
const MAX_NOT_TLS_EVENTS: usize = 3;
/// Bytes of a non-TLS answer kept as evidence.
pub use crate::escape::PREVIEW_LEN;

/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446 4.1.3).
const HRR_RANDOM: [u8; 32] = [
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
    /// DER certificates in the order sent.
    Certificate(Vec<Vec<u8>>),
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
            TlsMsg::NotTls { .. } => (15, 0),
            TlsMsg::Sslv2Record => (16, 0),
            TlsMsg::Malformed(_) => (17, 0),
        }
    }

    /// The event's name as the report's `handshake` list shows it.
    pub fn name(&self) -> String {
        match self {
            TlsMsg::ClientHello(_) => "ClientHello".into(),
            TlsMsg::ServerHello(s) if s.hello_retry => "HelloRetryRequest".into(),
            TlsMsg::ServerHello(_) => "ServerHello".into(),
            TlsMsg::Certificate(_) => "Certificate".into(),
            TlsMsg::ServerKeyExchange(_) => "ServerKeyExchange".into(),
            TlsMsg::CertificateRequest(_) => "CertificateRequest".into(),
            TlsMsg::ServerHelloDone => "ServerHelloDone".into(),
            TlsMsg::ClientKeyExchange => "ClientKeyExchange".into(),
            TlsMsg::CertificateVerify => "CertificateVerify".into(),
            TlsMsg::NewSessionTicket => "NewSessionTicket".into(),
            TlsMsg::Handshake(t) => crate::names::handshake_name(*t),
            TlsMsg::EncryptedHandshake => "Finished".into(),
            TlsMsg::ChangeCipherSpec => "ChangeCipherSpec".into(),
            TlsMsg::Alert { .. } => "Alert".into(),
            TlsMsg::EncryptedAlert { .. } => "Alert".into(),
            TlsMsg::Encrypted { .. } => "EncryptedData".into(),
            TlsMsg::NotTls { .. } => "NotTLS".into(),
            TlsMsg::Sslv2Record => "SSLv2Record".into(),
            TlsMsg::Malformed(_) => "Malformed".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsEvent {
    pub frame: u64,
    /// 0 or 1: the direction index of the connection.
    pub dir: usize,
    pub msg: TlsMsg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
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
struct Direction {
    mode: Mode,
    rec_buf: Vec<u8>,
    hs_buf: Vec<u8>,
    /// Records from here on are encrypted (after ChangeCipherSpec, or TLS 1.3 ServerHello).
    encrypted: bool,
    encrypted_records: usize,
    not_tls_events: usize,
    prologue_bytes: usize,
    /// Skip this many bytes of an oversized handshake message.
    hs_skip: usize,
    saw_tls: bool,
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
            saw_tls: false,
        }
    }
}

/// The TLS parser of one connection (both directions, since TLS 1.3's
/// ServerHello switches both to encryption).
#[derive(Debug)]
pub struct TlsParser {
    dirs: [Direction; 2],
    tls13: bool,
    /// The version of the (non-retry) ServerHello, once seen.
    negotiated: Option<u16>,
    hello_retry: bool,
    /// A ClientHello offered TLS 1.3 and no ServerHello has answered yet.
    client_offers_tls13: bool,
    pub events: Vec<TlsEvent>,
    /// Encrypted records per direction, including those not reported.
    pub encrypted_counts: [u64; 2],
    /// Events recorded per direction and kind.
    kinds: std::collections::HashMap<(usize, (u8, u16)), u32>,
    /// Events beyond `MAX_EVENTS_PER_KIND`, counted only.
    pub events_not_listed: u64,
}

impl Default for TlsParser {
    fn default() -> Self {
        Self::new()
    }
}

/// A plausible TLS record header at the start of `b`.
fn record_header(b: &[u8]) -> Option<(u8, usize)> {
    if b.len() < 5 {
        return None;
    }
    let ct = b[0];
    let len = u16::from_be_bytes([b[3], b[4]]) as usize;
    if (20..=24).contains(&ct) && b[1] == 3 && b[2] <= 4 && len > 0 && len <= MAX_RECORD_LEN {
        Some((ct, len))
    } else {
        None
    }
}

/// An SSLv2-format ClientHello at the start of `b`.
fn sslv2_client_hello(b: &[u8]) -> bool {
    b.len() >= 11 && b[0] & 0x80 != 0 && b[2] == 1 && (b[3] == 0 || b[3] == 3) && b[4] <= 4
}

/// An SSLv2 SERVER-HELLO at the start of `b`.
fn sslv2_server_hello(b: &[u8]) -> bool {
    b.len() >= 11 && b[0] & 0x80 != 0 && b[2] == 4 && b[5] == 0 && b[6] == 2
}

/// Where a TLS Client or Server Hello record starts inside plaintext.
fn find_hello(b: &[u8], want: u8) -> Option<usize> {
    if b.len() < 6 {
        return None;
    }
    (0..b.len() - 5).find(|&i| b[i] == 0x16 && b[i + 1] == 3 && b[i + 2] <= 4 && b[i + 5] == want)
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

/// The extensions of a hello as (type, data), walked by hand so that one
/// malformed extension does not hide the others.
fn extensions(ext: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let t = u16_at(ext, i)?;
        let l = u16_at(ext, i + 2)? as usize;
        let data = ext.get(i + 4..i + 4 + l)?;
        i += 4 + l;
        Some((t, data))
    })
}

fn client_extensions(ext: &[u8], ch: &mut ClientHello) {
    for (t, data) in extensions(ext) {
        match t {
            0 => {
                // server_name list: (type, len, name)*; the host name is type 0.
                let mut j = 2;
                while j + 3 <= data.len() {
                    let nl = u16_at(data, j + 1).unwrap_or(0) as usize;
                    if let Some(name) = data.get(j + 3..j + 3 + nl)
                        && data[j] == 0
                        && ch.sni.is_none()
                    {
                        ch.sni = Some(name.to_vec());
                    }
                    j += 3 + nl;
                }
            }
            16 => {
                let mut j = 2;
                while j < data.len() {
                    let pl = data[j] as usize;
                    if let Some(p) = data.get(j + 1..j + 1 + pl) {
                        ch.alpn.push(p.to_vec());
                    }
                    j += 1 + pl;
                }
            }
            43 => {
                let mut j = 1;
                while j + 2 <= data.len() {
                    if let Some(v) = u16_at(data, j) {
                        ch.supported_versions.push(v);
                    }
                    j += 2;
                }
            }
            _ => {}
        }
    }
}

fn server_extensions(ext: &[u8], sh: &mut ServerHello) {
    for (t, data) in extensions(ext) {
        match t {
            43 if data.len() == 2 => sh.selected_version = u16_at(data, 0),
            16 if data.len() > 3 => sh.alpn = Some(data[3..].to_vec()),
            _ => {}
        }
    }
}

/// A ServerHello of a TLS 1.3 draft (version 0x7fxx): version, random,
/// cipher suite, extensions; no session id or compression.
fn draft_server_hello(b: &[u8]) -> Option<ServerHello> {
    let version = u16_at(b, 0)?;
    if !crate::names::is_tls13(version) {
        return None;
    }
    let random = b.get(2..34)?.to_vec();
    let cipher_suite = u16_at(b, 34)?;
    let mut sh = ServerHello {
        legacy_version: version,
        selected_version: Some(version),
        cipher_suite,
        random,
        ..ServerHello::default()
    };
    let ext_len = u16_at(b, 36).unwrap_or(0) as usize;
    if let Some(ext) = b.get(38..38 + ext_len) {
        server_extensions(ext, &mut sh);
    }
    sh.selected_version = sh.selected_version.or(Some(version));
    Some(sh)
}

fn parse_sslv2_client_hello(b: &[u8]) -> Option<ClientHello> {
    let version = u16_at(b, 3)?;
    let cs_len = u16_at(b, 5)? as usize;
    let sid_len = u16_at(b, 7)? as usize;
    let ch_len = u16_at(b, 9)? as usize;
    let specs = b.get(11..11 + cs_len)?;
    let challenge = b.get(11 + cs_len + sid_len..11 + cs_len + sid_len + ch_len)?;
    let cipher_suites = specs
        .chunks_exact(3)
        .filter(|c| c[0] == 0)
        .map(|c| u16::from_be_bytes([c[1], c[2]]))
        .collect();
    let mut random = vec![0u8; 32usize.saturating_sub(challenge.len())];
    random.extend_from_slice(&challenge[challenge.len().saturating_sub(32)..]);
    Some(ClientHello {
        legacy_version: version,
        cipher_suites,
        random,
        sslv2_format: true,
        ..ClientHello::default()
    })
}

impl TlsParser {
    pub fn new() -> Self {
        TlsParser {
            dirs: [Direction::new(), Direction::new()],
            tls13: false,
            negotiated: None,
            hello_retry: false,
            client_offers_tls13: false,
            events: Vec::new(),
            encrypted_counts: [0, 0],
            kinds: std::collections::HashMap::new(),
            events_not_listed: 0,
        }
    }

    /// Records an event, unless this direction already sent
    /// `MAX_EVENTS_PER_KIND` of its kind (a flood of warning alerts or
    /// renegotiations): those are counted only, so that the work and the
    /// report stay bounded by the capture's variety, not its repetition.
    fn push(&mut self, dir: usize, frame: u64, msg: TlsMsg) {
        let key = (dir, msg.kind_key());
        let n = self.kinds.entry(key).or_insert(0);
        if *n >= MAX_EVENTS_PER_KIND {
            self.events_not_listed += 1;
            return;
        }
        *n += 1;
        self.events.push(TlsEvent { frame, dir, msg });
    }

    pub fn saw_tls(&self, dir: usize) -> bool {
        self.dirs[dir].saw_tls
    }

    /// The capture lost bytes in this direction: record framing is gone.
    pub fn gap(&mut self, dir: usize) {
        let d = &mut self.dirs[dir];
        d.rec_buf.clear();
        d.hs_buf.clear();
        d.hs_skip = 0;
        if matches!(d.mode, Mode::Records | Mode::Sslv2) {
            d.mode = Mode::Lost;
        }
    }

    /// Feeds reassembled bytes of one direction.
    pub fn feed(&mut self, dir: usize, bytes: &[u8], frame: u64) {
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
                Mode::Lost => {
                    if record_header(bytes).is_some() {
                        self.dirs[dir].mode = Mode::Records;
                    } else {
                        return;
                    }
                }
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

    /// The first bytes of a direction decide what it is.
    fn start(&mut self, dir: usize, bytes: &[u8], frame: u64) {
        if record_header(bytes).is_some() {
            self.dirs[dir].mode = Mode::Records;
            self.records(dir, bytes, frame);
        } else if sslv2_client_hello(bytes) {
            let len = (((bytes[0] & 0x7f) as usize) << 8) | bytes[1] as usize;
            let end = (2 + len).min(bytes.len());
            match parse_sslv2_client_hello(&bytes[..end]) {
                Some(ch) => self.push(dir, frame, TlsMsg::ClientHello(Box::new(ch))),
                None => self.push(
                    dir,
                    frame,
                    TlsMsg::Malformed("SSLv2 ClientHello could not be decoded".into()),
                ),
            }
            self.dirs[dir].saw_tls = true;
            self.dirs[dir].mode = Mode::Records;
            if end < bytes.len() {
                self.records(dir, &bytes[end..], frame);
            }
        } else if sslv2_server_hello(bytes) {
            let sh = ServerHello {
                legacy_version: 0x0002,
                ..ServerHello::default()
            };
            self.push(dir, frame, TlsMsg::ServerHello(Box::new(sh)));
            self.dirs[dir].saw_tls = true;
            self.dirs[dir].mode = Mode::Sslv2;
            self.dirs[1 - dir].mode = Mode::Sslv2;
        } else {
            self.dirs[dir].mode = Mode::Prologue;
            self.prologue(dir, bytes, frame);
        }
    }

    fn prologue(&mut self, dir: usize, bytes: &[u8], frame: u64) {
        let other_tls = self.dirs[1 - dir].saw_tls;
        // A client may switch to TLS inside a segment (after a STARTTLS
        // command); a server answers with its hello or an alert.
        let at = if record_header(bytes).is_some() && (other_tls || bytes[0] == 0x16) {
            Some(0)
        } else {
            find_hello(bytes, 1).or_else(|| if other_tls { find_hello(bytes, 2) } else { None })
        };
        match at {
            Some(i) => {
                if i > 0 {
                    self.not_tls(dir, &bytes[..i], frame);
                }
                self.dirs[dir].mode = Mode::Records;
                self.records(dir, &bytes[i..], frame);
            }
            None => {
                self.not_tls(dir, bytes, frame);
                let d = &mut self.dirs[dir];
                d.prologue_bytes += bytes.len();
                if d.prologue_bytes > MAX_PROLOGUE {
                    d.mode = Mode::Done;
                }
            }
        }
    }

    fn not_tls(&mut self, dir: usize, bytes: &[u8], frame: u64) {
        let d = &mut self.dirs[dir];
        if d.not_tls_events >= MAX_NOT_TLS_EVENTS {
            return;
        }
        d.not_tls_events += 1;
        let preview = bytes[..bytes.len().min(PREVIEW_LEN)].to_vec();
        self.push(
            dir,
            frame,
            TlsMsg::NotTls {
                preview,
                len: bytes.len(),
            },
        );
    }

    fn records(&mut self, dir: usize, bytes: &[u8], frame: u64) {
        let mut buf = std::mem::take(&mut self.dirs[dir].rec_buf);
        buf.extend_from_slice(bytes);
        let mut pos = 0;
        while pos + 5 <= buf.len() {
            let Some((ct, len)) = record_header(&buf[pos..]) else {
                let b = &buf[pos..pos + 5];
                self.push(
                    dir,
                    frame,
                    TlsMsg::Malformed(format!(
                        "not a TLS record header: {:02x} {:02x} {:02x} {:02x} {:02x}",
                        b[0], b[1], b[2], b[3], b[4]
                    )),
                );
                self.dirs[dir].mode = Mode::Lost;
                self.dirs[dir].hs_buf.clear();
                return;
            };
            if pos + 5 + len > buf.len() {
                break;
            }
            // `buf` is ours (taken out of the direction), so the body is lent, not copied.
            let start = pos + 5;
            pos = start + len;
            self.dirs[dir].saw_tls = true;
            self.record(dir, ct, &buf[start..pos], frame);
            if self.dirs[dir].mode != Mode::Records {
                return;
            }
        }
        buf.drain(..pos);
        self.dirs[dir].rec_buf = buf;
    }

    fn record(&mut self, dir: usize, ct: u8, body: &[u8], frame: u64) {
        let encrypted = self.dirs[dir].encrypted;
        match ct {
            20 => {
                self.push(dir, frame, TlsMsg::ChangeCipherSpec);
                // In TLS 1.3 the CCS is a compatibility no-op (also around a
                // HelloRetryRequest, before the real ServerHello); encryption
                // starts at the ServerHello. In TLS 1.2 and earlier it starts here.
                let starts_encryption = match self.negotiated {
                    Some(v) => !crate::names::is_tls13(v),
                    None => !self.hello_retry && !self.client_offers_tls13,
                };
                if starts_encryption {
                    self.dirs[dir].encrypted = true;
                }
            }
            21 => {
                // TLS 1.3 protects alerts inside records of type 23: a type-21
                // record after its ServerHello was sent before the sender had
                // keys (a client failing on the ServerHello) and is plaintext.
                let tls13_plain = self.negotiated.is_some_and(crate::names::is_tls13) && body.len() == 2;
                if (encrypted && !tls13_plain) || !body.len().is_multiple_of(2) || body.len() > 8 {
                    self.push(dir, frame, TlsMsg::EncryptedAlert { len: body.len() });
                } else {
                    for a in body.chunks_exact(2) {
                        self.push(
                            dir,
                            frame,
                            TlsMsg::Alert {
                                level: a[0],
                                description: a[1],
                            },
                        );
                    }
                }
            }
            22 => {
                if encrypted {
                    self.push(dir, frame, TlsMsg::EncryptedHandshake);
                } else {
                    self.handshake_bytes(dir, body, frame);
                }
            }
            23 => {
                self.encrypted_counts[dir] += 1;
                let d = &mut self.dirs[dir];
                if d.encrypted_records < MAX_ENCRYPTED_EVENTS {
                    d.encrypted_records += 1;
                    self.push(dir, frame, TlsMsg::Encrypted { len: body.len() });
                }
            }
            _ => {} // heartbeat
        }
    }

    fn handshake_bytes(&mut self, dir: usize, body: &[u8], frame: u64) {
        let mut body = body;
        let d = &mut self.dirs[dir];
        if d.hs_skip > 0 {
            let n = d.hs_skip.min(body.len());
            d.hs_skip -= n;
            body = &body[n..];
        }
        d.hs_buf.extend_from_slice(body);
        loop {
            let d = &mut self.dirs[dir];
            if d.hs_buf.len() < 4 {
                return;
            }
            let t = d.hs_buf[0];
            let len = ((d.hs_buf[1] as usize) << 16) | ((d.hs_buf[2] as usize) << 8) | d.hs_buf[3] as usize;
            if len > MAX_HANDSHAKE_LEN {
                let have = d.hs_buf.len() - 4;
                d.hs_skip = len - have.min(len);
                d.hs_buf.clear();
                self.push(
                    dir,
                    frame,
                    TlsMsg::Malformed(format!(
                        "{} declares {} bytes, over the limit of {}; skipped",
                        crate::names::handshake_name(t),
                        len,
                        MAX_HANDSHAKE_LEN
                    )),
                );
                continue;
            }
            if d.hs_buf.len() < 4 + len {
                return;
            }
            let msg: Vec<u8> = d.hs_buf.drain(..4 + len).collect();
            self.handshake_message(dir, &msg, frame);
        }
    }

    fn handshake_message(&mut self, dir: usize, msg: &[u8], frame: u64) {
        let t = msg[0];
        let parsed = parse_tls_message_handshake(msg);
        let ev = match parsed {
            Ok((_, TlsMessage::Handshake(h))) => match h {
                TlsMessageHandshake::ClientHello(c) => {
                    let mut ch = ClientHello {
                        legacy_version: c.version.0,
                        cipher_suites: c.ciphers.iter().map(|s| s.0).collect(),
                        random: c.random.to_vec(),
                        ..ClientHello::default()
                    };
                    if let Some(ext) = c.ext {
                        client_extensions(ext, &mut ch);
                    }
                    TlsMsg::ClientHello(Box::new(ch))
                }
                TlsMessageHandshake::ServerHello(s) => {
                    let mut sh = ServerHello {
                        legacy_version: s.version.0,
                        cipher_suite: s.cipher.0,
                        random: s.random.to_vec(),
                        hello_retry: s.random == HRR_RANDOM,
                        ..ServerHello::default()
                    };
                    if let Some(ext) = s.ext {
                        server_extensions(ext, &mut sh);
                    }
                    TlsMsg::ServerHello(Box::new(sh))
                }
                TlsMessageHandshake::ServerHelloV13Draft18(s) => TlsMsg::ServerHello(Box::new(ServerHello {
                    legacy_version: s.version.0,
                    selected_version: Some(s.version.0),
                    cipher_suite: s.cipher.0,
                    random: s.random.to_vec(),
                    ..ServerHello::default()
                })),
                TlsMessageHandshake::HelloRetryRequest(s) => TlsMsg::ServerHello(Box::new(ServerHello {
                    legacy_version: s.version.0,
                    selected_version: Some(s.version.0),
                    cipher_suite: s.cipher.0,
                    hello_retry: true,
                    ..ServerHello::default()
                })),
                TlsMessageHandshake::Certificate(c) => {
                    if c.cert_chain.len() > MAX_CERTS {
                        self.push(
                            dir,
                            frame,
                            TlsMsg::Malformed(format!(
                                "Certificate message with {} certificates: only the first {MAX_CERTS} are analysed",
                                c.cert_chain.len()
                            )),
                        );
                    }
                    TlsMsg::Certificate(c.cert_chain.iter().take(MAX_CERTS).map(|r| r.data.to_vec()).collect())
                }
                TlsMessageHandshake::ServerKeyExchange(k) => TlsMsg::ServerKeyExchange(k.parameters.to_vec()),
                TlsMessageHandshake::CertificateRequest(r) => {
                    TlsMsg::CertificateRequest(r.unparsed_ca.iter().take(256).map(|d| d.to_vec()).collect())
                }
                TlsMessageHandshake::ServerDone(_) => TlsMsg::ServerHelloDone,
                TlsMessageHandshake::ClientKeyExchange(_) => TlsMsg::ClientKeyExchange,
                TlsMessageHandshake::CertificateVerify(_) => TlsMsg::CertificateVerify,
                TlsMessageHandshake::NewSessionTicket(_) => TlsMsg::NewSessionTicket,
                _ => TlsMsg::Handshake(t),
            },
            _ => match t {
                2 => match draft_server_hello(&msg[4..]) {
                    Some(sh) => TlsMsg::ServerHello(Box::new(sh)),
                    None => TlsMsg::Malformed(format!("ServerHello could not be decoded ({} bytes)", msg.len())),
                },
                // Messages tls-parser does not take apart but we can name.
                14 => TlsMsg::ServerHelloDone,
                16 => TlsMsg::ClientKeyExchange,
                13 => TlsMsg::CertificateRequest(Vec::new()),
                1 | 11 => TlsMsg::Malformed(format!(
                    "{} could not be decoded ({} bytes)",
                    crate::names::handshake_name(t),
                    msg.len()
                )),
                _ => TlsMsg::Handshake(t),
            },
        };
        match &ev {
            TlsMsg::ClientHello(c)
                if c.supported_versions.iter().any(|v| crate::names::is_tls13(*v)) && self.negotiated.is_none() =>
            {
                self.client_offers_tls13 = true;
            }
            TlsMsg::ServerHello(sh) if sh.hello_retry => self.hello_retry = true,
            TlsMsg::ServerHello(sh) => self.negotiated = Some(sh.version()),
            _ => {}
        }
        if let TlsMsg::ServerHello(sh) = &ev
            && !sh.hello_retry
            && crate::names::is_tls13(sh.version())
        {
            // Everything after a TLS 1.3 ServerHello is encrypted, both ways.
            self.tls13 = true;
            self.dirs[dir].encrypted = true;
            self.dirs[1 - dir].encrypted = true;
            // Bytes of the handshake buffer after the ServerHello are not plaintext.
            self.dirs[dir].hs_buf.clear();
        }
        self.push(dir, frame, ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ct: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![ct, 3, 3, (body.len() >> 8) as u8, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    fn hs(t: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![t, 0, (body.len() >> 8) as u8, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn handshake_split_across_records_and_segments() {
        let msg = hs(14, &[]);
        let mut cert = hs(11, &[0, 0, 6, 0, 0, 3, 1, 2, 3]);
        cert.extend_from_slice(&msg);
        let r1 = record(22, &cert[..5]);
        let r2 = record(22, &cert[5..]);
        let mut stream = r1.clone();
        stream.extend_from_slice(&r2);
        let mut p = TlsParser::new();
        p.feed(1, &stream[..7], 10);
        p.feed(1, &stream[7..], 11);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].msg, TlsMsg::Certificate(vec![vec![1, 2, 3]]));
        assert_eq!(p.events[0].frame, 11);
        assert_eq!(p.events[1].msg, TlsMsg::ServerHelloDone);
    }

    #[test]
    fn a_type_21_record_after_a_tls13_server_hello_is_a_plaintext_alert() {
        // ServerHello: TLS 1.3 by supported_versions, TLS_AES_128_GCM_SHA256.
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
        let mut p = TlsParser::new();
        p.feed(1, &record(22, &hs(2, &body)), 6);
        assert!(matches!(p.events[0].msg, TlsMsg::ServerHello(_)), "{:?}", p.events);
        // The client fails on the ServerHello before it has keys: its alert is plaintext.
        p.feed(0, &record(21, &[2, 47]), 8);
        assert_eq!(
            p.events[1].msg,
            TlsMsg::Alert {
                level: 2,
                description: 47
            }
        );
        // Anything encrypted in TLS 1.3 travels as type 23.
        p.feed(1, &record(23, &[0; 19]), 9);
        assert_eq!(p.events[2].msg, TlsMsg::Encrypted { len: 19 });
    }

    #[test]
    fn alert_plain_and_encrypted() {
        let mut p = TlsParser::new();
        p.feed(0, &record(21, &[2, 48]), 5);
        assert_eq!(
            p.events[0].msg,
            TlsMsg::Alert {
                level: 2,
                description: 48
            }
        );
        p.feed(0, &record(20, &[1]), 6);
        p.feed(0, &record(21, &[9; 26]), 7);
        assert_eq!(p.events[2].msg, TlsMsg::EncryptedAlert { len: 26 });
    }

    #[test]
    fn starttls_prologue_then_hello() {
        let mut p = TlsParser::new();
        p.feed(1, b"220 mail ESMTP\r\n", 3);
        p.feed(0, b"STARTTLS\r\n", 4);
        p.feed(1, b"220 Go ahead\r\n", 5);
        let ch = record(22, &hs(1, &[3, 3]));
        p.feed(0, &ch, 6);
        assert!(p.saw_tls(0));
    }

    #[test]
    fn oversized_handshake_is_reported_not_buffered() {
        let mut p = TlsParser::new();
        let mut body = vec![11u8, 0xff, 0xff, 0xff];
        body.extend_from_slice(&[0u8; 100]);
        p.feed(1, &record(22, &body), 1);
        assert!(matches!(p.events[0].msg, TlsMsg::Malformed(_)));
        assert!(p.dirs[1].hs_buf.len() < 200);
    }

    #[test]
    fn change_cipher_spec_around_a_hello_retry_is_not_encryption() {
        // TLS 1.3 with HelloRetryRequest (zeek hrr.pcap): CCS, then a second
        // ClientHello in the clear; the server's real ServerHello after its CCS.
        let mut ch = vec![3, 3];
        ch.extend_from_slice(&[1; 32]);
        ch.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4]);
        let hello = record(22, &hs(1, &ch));
        let mut sh = vec![3, 3];
        sh.extend_from_slice(&HRR_RANDOM);
        sh.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        let mut p = TlsParser::new();
        p.feed(0, &hello, 1);
        p.feed(1, &record(22, &hs(2, &sh)), 2);
        p.feed(1, &record(20, &[1]), 2);
        let mut second = record(20, &[1]);
        second.extend_from_slice(&hello);
        p.feed(0, &second, 3);
        let mut real = sh.clone();
        real[2..34].copy_from_slice(&[5; 32]);
        p.feed(1, &record(22, &hs(2, &real)), 4);
        let names: Vec<String> = p.events.iter().map(|e| e.msg.name()).collect();
        assert_eq!(
            names,
            [
                "ClientHello",
                "HelloRetryRequest",
                "ChangeCipherSpec",
                "ChangeCipherSpec",
                "ClientHello",
                "ServerHello"
            ]
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 12345u32;
        for _ in 0..200 {
            let mut p = TlsParser::new();
            let mut data = Vec::new();
            for _ in 0..300 {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                data.push((seed >> 16) as u8);
            }
            data[0] = 0x16;
            data[1] = 3;
            p.feed(0, &data, 1);
            p.feed(1, &data[3..], 2);
        }
    }
}
