//! Where TLS starts in a direction: at once, after a plaintext prologue
//! (STARTTLS, PostgreSQL and MySQL SSL requests), in the SSLv2 format, or
//! never (not TLS).

use super::hello::{find_hello, parse_sslv2_client_hello, record_header, sslv2_client_hello, sslv2_server_hello};
use super::*;
use crate::escape::PREVIEW_LEN;

impl TlsParser {
    /// The first bytes of a direction decide what it is.
    pub(super) fn start(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
        if record_header(bytes).is_some() {
            self.dirs[dir].mode = Mode::Records;
            self.records(dir, bytes, frame);
        } else if self.dirs[dir].midstream && !super::resync::textual(bytes) {
            // Joined in the middle of a record: framing is found again, and
            // the bytes before it are never read as "not TLS".
            self.dirs[dir].mode = Mode::Lost;
            self.feed(dir, bytes, frame);
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
            self.dirs[dir.other()].mode = Mode::Sslv2;
        } else {
            self.dirs[dir].mode = Mode::Prologue;
            self.prologue(dir, bytes, frame);
        }
    }

    pub(super) fn prologue(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
        let other_tls = self.dirs[dir.other()].saw_tls;
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

    fn not_tls(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
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
}
