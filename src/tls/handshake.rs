//! Handshake messages: joined across records and segments (bounded by
//! `MAX_HANDSHAKE_LEN`; larger ones are reported and skipped unbuffered),
//! decoded (tls-parser, with our own readers where it falls short), and the
//! phase moved on by the hellos.

use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};

use super::hello::{client_extensions, draft_server_hello, server_extensions, server_hello_extensions};
use super::wire::HandshakeType;
use super::*;

impl TlsParser {
    /// Handshake bytes of a record: the whole messages decoded where they
    /// lie, only a message that continues in a later record buffered.
    pub(super) fn handshake_bytes(&mut self, dir: Dir, body: &[u8], frame: u64) {
        let mut body = body;
        let d = &mut self.dirs[dir];
        if d.hs_skip > 0 {
            let n = d.hs_skip.min(body.len());
            d.hs_skip -= n;
            body = &body[n..];
        }
        if d.hs_buf.is_empty() {
            let used = self.messages(dir, body, frame);
            self.dirs[dir].hs_buf.extend_from_slice(&body[used..]);
            return;
        }
        d.hs_buf.extend_from_slice(body);
        let mut buf = std::mem::take(&mut d.hs_buf);
        let used = self.messages(dir, &buf, frame);
        buf.drain(..used);
        // An emptied buffer is freed, not kept at the size of the largest
        // message (a Certificate) for as long as the connection is open.
        if !buf.is_empty() {
            self.dirs[dir].hs_buf = buf;
        }
    }

    /// Decodes the whole messages at the start of `bytes`; returns how many
    /// bytes were used (all of them when the rest is to be dropped).
    fn messages(&mut self, dir: Dir, bytes: &[u8], frame: u64) -> usize {
        let mut at = 0;
        while let Some(head) = bytes.get(at..at + 4) {
            let t = head[0];
            let len = ((head[1] as usize) << 16) | ((head[2] as usize) << 8) | head[3] as usize;
            if len > MAX_HANDSHAKE_LEN {
                let have = bytes.len() - at - 4;
                self.dirs[dir].hs_skip = len - have.min(len);
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
                return bytes.len();
            }
            let Some(msg) = bytes.get(at..at + 4 + len) else {
                break;
            };
            let before = self.phase;
            self.handshake_message(dir, msg, frame);
            at += 4 + len;
            if self.phase == Phase::Tls13Encrypted && before != Phase::Tls13Encrypted {
                // The bytes after a TLS 1.3 ServerHello are not plaintext.
                return bytes.len();
            }
        }
        at
    }

    fn handshake_message(&mut self, dir: Dir, msg: &[u8], frame: u64) {
        if self.phase == Phase::Tls13Encrypted {
            // Only decrypted records reach here after a TLS 1.3 ServerHello.
            return self.tls13_message(dir, msg, frame);
        }
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
                    // tls-parser leaves an SSL 3.0 ServerHello's extensions
                    // (renegotiation_info) unread: JA3S counts them.
                    if let Some(ext) = s.ext.or_else(|| server_hello_extensions(msg.get(4..).unwrap_or(&[]))) {
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
                    TlsMsg::Certificate(interned::chain(
                        c.cert_chain.iter().take(MAX_CERTS).map(|r| r.data.to_vec()).collect(),
                    ))
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
            _ => undecoded(HandshakeType::from(t), msg),
        };
        self.advance(dir, &ev);
        self.push(dir, frame, ev);
    }

    /// Moves the phase on a hello.
    fn advance(&mut self, dir: Dir, ev: &TlsMsg) {
        if let (TlsMsg::ClientHello(c), Some(k)) = (ev, self.keys.as_deref_mut())
            && k.client_random.is_none()
        {
            k.client_random = Some(c.random.clone());
        }
        match ev {
            TlsMsg::ClientHello(c)
                if c.supported_versions.iter().any(|v| crate::names::is_tls13(*v))
                    && self.phase == Phase::AwaitHello =>
            {
                self.phase = Phase::Tls13Offered;
            }
            TlsMsg::ServerHello(sh) if sh.hello_retry => self.phase = Phase::HelloRetry,
            TlsMsg::ServerHello(sh) if crate::names::is_tls13(sh.version()) => {
                // Everything after a TLS 1.3 ServerHello is encrypted, both ways.
                self.phase = Phase::Tls13Encrypted;
                self.dirs[dir].encrypted = true;
                self.dirs[dir.other()].encrypted = true;
                // (`messages` drops the bytes after it: they are not plaintext.)
                self.start_decryption(dir, sh.cipher_suite);
            }
            TlsMsg::ServerHello(sh) => {
                self.phase = Phase::Tls12(sh.version());
                self.start_decryption12(dir, sh);
            }
            _ => {}
        }
    }
}

/// A message tls-parser could not take apart: some we read ourselves or can
/// name; the hellos and the Certificate are reported as malformed.
fn undecoded(t: HandshakeType, msg: &[u8]) -> TlsMsg {
    match t {
        HandshakeType::ServerHello => match draft_server_hello(&msg[4..]) {
            Some(sh) => TlsMsg::ServerHello(Box::new(sh)),
            None => TlsMsg::Malformed(format!("ServerHello could not be decoded ({} bytes)", msg.len())),
        },
        HandshakeType::ServerHelloDone => TlsMsg::ServerHelloDone,
        HandshakeType::ClientKeyExchange => TlsMsg::ClientKeyExchange,
        HandshakeType::CertificateRequest => TlsMsg::CertificateRequest(Vec::new()),
        HandshakeType::ClientHello | HandshakeType::Certificate => {
            TlsMsg::Malformed(format!("{} could not be decoded ({} bytes)", t.name(), msg.len()))
        }
        other => TlsMsg::Handshake(u8::from(other)),
    }
}
