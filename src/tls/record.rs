//! TLS records: framing (bounded by `MAX_RECORD_LEN`) and what each content
//! type means in the connection's phase.

use super::wire::ContentType;
use super::*;

impl TlsParser {
    pub(super) fn records(&mut self, dir: Dir, bytes: &[u8], frame: u64) {
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
                }
            }
            ContentType::Alert => {
                // TLS 1.3 protects alerts inside records of type 23: a type-21
                // record after its ServerHello was sent before the sender had
                // keys (a client failing on the ServerHello) and is plaintext.
                let tls13_plain = self.phase == Phase::Tls13Encrypted && body.len() == 2;
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
            ContentType::Handshake => {
                if encrypted {
                    self.push(dir, frame, TlsMsg::EncryptedHandshake);
                } else {
                    self.handshake_bytes(dir, body, frame);
                }
            }
            ContentType::ApplicationData => {
                self.encrypted_counts[dir] += 1;
                let d = &mut self.dirs[dir];
                if d.encrypted_records < MAX_ENCRYPTED_EVENTS {
                    d.encrypted_records += 1;
                    self.push(dir, frame, TlsMsg::Encrypted { len: body.len() });
                }
            }
            ContentType::Heartbeat | ContentType::Unknown(_) => {}
        }
    }
}
