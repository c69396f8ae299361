//! The TLS record and handshake parser, both directions, arbitrary chunking.
//! Each chunk: 1 byte (direction in the low bit, gap if bit 1), 1 byte length, bytes.

use pcap_tls_audit::tls::{Dir, TlsParser};

pub fn run(data: &[u8]) {
    let mut p = TlsParser::new();
    let mut i = 0;
    let mut frame = 0;
    while i + 2 <= data.len() {
        let ctl = data[i];
        let len = (data[i + 1] as usize * 8).min(data.len() - i - 2);
        let chunk = &data[i + 2..i + 2 + len];
        i += 2 + len;
        frame += 1;
        let dir = if ctl & 1 == 0 { Dir::A } else { Dir::B };
        if ctl & 2 != 0 {
            p.gap(dir);
        }
        p.feed(dir, chunk, frame);
    }
}
