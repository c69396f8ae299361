//! TLS records: framing (bounded by `MAX_RECORD_LEN`) and what each content
//! type means in the connection's phase.

use super::wire::ContentType;
use super::*;

impl TlsParser {
    /// Frames records. Application data (content type 23) is counted and
    /// skipped, never copied: only its length matters. Other records are
    /// handled from the segment's bytes where they are whole; only a record
    /// that continues in a later segment is held, and topped up with just
    /// what completes it.
    pub(super) fn records(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
        let mut input = bytes;
        if !self.skip_application_data(dir, &mut input, frame) {
            return;
        }
        if !self.dirs[dir].rec_buf.is_empty() && !self.complete_held_record(dir, &mut input, frame) {
            return;
        }
        self.parse_records(dir, input, frame);
    }

    /// Goes on skipping an application-data record's body; false when the
    /// bytes ran out (or the direction left record framing).
    fn skip_application_data(&mut self, dir: Dir, input: &mut &[u8], frame: u64) -> bool {
        let Some((len, left)) = self.dirs[dir].skipping else {
            return true;
        };
        let n = left.min(input.len());
        *input = &input[n..];
        if n < left {
            self.dirs[dir].skipping = Some((len, left - n));
            return false;
        }
        self.dirs[dir].skipping = None;
        self.passed(dir);
        self.application_data(dir, len, frame);
        self.dirs[dir].mode == Mode::Records
    }

    /// Tops up the record held from earlier segments; false when the bytes
    /// ran out (or the direction left record framing).
    fn complete_held_record(&mut self, dir: Dir, input: &mut &[u8], frame: u64) -> bool {
        let mut buf = std::mem::take(&mut self.dirs[dir].rec_buf);
        if buf.len() < 5 {
            let n = (5 - buf.len()).min(input.len());
            buf.extend_from_slice(&input[..n]);
            *input = &input[n..];
            if buf.len() < 5 {
                self.dirs[dir].rec_buf = buf;
                return false;
            }
        }
        let Some((ct, len)) = record_header(&buf) else {
            self.not_a_record(dir, &buf[..5], frame);
            return false;
        };
        self.dirs[dir].saw_tls = true;
        self.framed(dir, frame, ct, len);
        if ContentType::from(ct) == ContentType::ApplicationData && !self.opens(dir, len) {
            // Its body (what is held past the header, then the input) is skipped.
            self.dirs[dir].skipping = Some((len, len - (buf.len() - 5).min(len)));
            return self.skip_application_data(dir, input, frame);
        }
        let n = (5 + len - buf.len()).min(input.len());
        buf.extend_from_slice(&input[..n]);
        *input = &input[n..];
        if buf.len() < 5 + len {
            self.dirs[dir].rec_buf = buf;
            return false;
        }
        self.record(dir, ct, &buf[5..5 + len], frame);
        self.dirs[dir].mode == Mode::Records
    }

    /// Whole records straight from the segment's bytes; the last one, if it
    /// continues later, is held (or, for application data, skipped).
    fn parse_records(&mut self, dir: Dir, data: &[u8], frame: u64) {
        let mut pos = 0;
        while pos + 5 <= data.len() {
            let Some((ct, len)) = record_header(&data[pos..]) else {
                self.not_a_record(dir, &data[pos..pos + 5], frame);
                return;
            };
            let start = pos + 5;
            self.dirs[dir].saw_tls = true;
            if start + len <= data.len() || ContentType::from(ct) == ContentType::ApplicationData {
                // (A record held for later is marked when it is completed.)
                self.framed(dir, frame, ct, len);
            }
            if start + len > data.len() {
                if ContentType::from(ct) == ContentType::ApplicationData && !self.opens(dir, len) {
                    self.dirs[dir].skipping = Some((len, start + len - data.len()));
                    return;
                }
                break;
            }
            pos = start + len;
            self.record(dir, ct, &data[start..pos], frame);
            if self.dirs[dir].mode != Mode::Records {
                return;
            }
        }
        self.dirs[dir].rec_buf.extend_from_slice(&data[pos..]);
    }

    /// A record header read: the direction's last record so far.
    fn framed(&mut self, dir: Dir, frame: u64, content_type: u8, len: usize) {
        self.last_record[dir] = Some(RecordMark {
            frame,
            content_type,
            len,
        });
    }

    /// Five bytes that are no record header: framing is lost until a segment starts with one.
    fn not_a_record(&mut self, dir: Dir, b: &[u8], frame: u64) {
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
        self.dirs[dir].rec_buf.clear();
    }

    /// An application-data record of `len` bytes: counted; the first few listed.
    pub(super) fn application_data(&mut self, dir: Dir, len: usize, frame: u64) {
        self.data_record(dir, frame, TlsMsg::Encrypted { len });
    }

    /// The alerts of a plaintext (or opened) alert record, two bytes each.
    pub(super) fn push_alerts(&mut self, dir: Dir, frame: u64, body: &[u8]) {
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

    /// A record of application data (encrypted, or opened): counted; the first few listed.
    pub(super) fn data_record(&mut self, dir: Dir, frame: u64, msg: TlsMsg) {
        self.encrypted_counts[dir] += 1;
        let d = &mut self.dirs[dir];
        if d.encrypted_records < MAX_ENCRYPTED_EVENTS {
            d.encrypted_records += 1;
            self.push(dir, frame, msg);
        }
    }

    fn record(&mut self, dir: Dir, ct: u8, body: &[u8], frame: u64) {
        let encrypted = self.dirs[dir].encrypted;
        match ContentType::from(ct) {
            ContentType::ChangeCipherSpec => {
                self.push(dir, frame, TlsMsg::ChangeCipherSpec);
                // In TLS 1.3 the CCS is a compatibility no-op (also around a
                // HelloRetryRequest, before the real ServerHello); encryption
                // starts at the ServerHello. In TLS 1.2 and earlier it starts here.
                let starts_encryption = self.phase.ccs_starts_encryption();
                if starts_encryption {
                    self.dirs[dir].encrypted = true;
                    self.change_cipher_spec(dir);
                } else if self.phase == Phase::Tls13Offered {
                    // TLS 1.3 was offered and no ServerHello was seen (the
                    // server's direction was not captured): whichever version
                    // the server chose, what follows a ChangeCipherSpec is
                    // encrypted (a TLS 1.2 Finished, a TLS 1.3 flight or early
                    // data), but for a second ClientHello after a
                    // HelloRetryRequest the capture missed.
                    self.dirs[dir].encrypted = true;
                }
            }
            ContentType::Alert => {
                // TLS 1.3 protects alerts inside records of type 23: a type-21
                // record after its ServerHello was sent before the sender had
                // keys (a client failing on the ServerHello) and is plaintext.
                let tls13_plain = self.phase == Phase::Tls13Encrypted && body.len() == 2;
                if encrypted && !tls13_plain && self.open_record12(dir, ct, body, frame) {
                    // Opened with the session's keys.
                } else if (encrypted && !tls13_plain) || !body.len().is_multiple_of(2) || body.len() > 8 {
                    self.push(dir, frame, TlsMsg::EncryptedAlert { len: body.len() });
                } else {
                    self.push_alerts(dir, frame, body);
                }
            }
            ContentType::Handshake => {
                let retried_hello = self.phase == Phase::Tls13Offered && super::resync::looks_like_client_hello(body);
                let d = &mut self.dirs[dir];
                if !encrypted && d.midstream && d.hs_buf.is_empty() && d.hs_skip == 0 {
                    if !super::resync::looks_like_handshake(body) {
                        // Encrypted, or the rest of a message that began
                        // before the capture joined: nothing to read.
                        return;
                    }
                    d.midstream = false;
                }
                if encrypted && retried_hello {
                    self.handshake_bytes(dir, body, frame);
                } else if encrypted && self.open_record12(dir, ct, body, frame) {
                    // Opened with the session's keys.
                } else if encrypted {
                    self.push(dir, frame, TlsMsg::EncryptedHandshake);
                } else {
                    self.handshake_bytes(dir, body, frame);
                }
            }
            ContentType::ApplicationData if self.opens(dir, body.len()) => {
                if !self.open_record(dir, body, frame) {
                    self.application_data(dir, body.len(), frame);
                }
            }
            ContentType::ApplicationData => {
                self.passed(dir);
                self.application_data(dir, body.len(), frame);
            }
            ContentType::Heartbeat => self.heartbeats[dir] += 1,
            ContentType::Unknown(_) => {}
        }
    }
}
