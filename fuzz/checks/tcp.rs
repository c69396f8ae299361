//! TCP reassembly fed an arbitrary sequence of segments, ACKs and closes.
//! Each operation: 1 byte op, 4 bytes sequence number, 1 byte length, payload.

use pcap_tls_audit::tcp::{Deliver, Delivery, Reassembler};

/// Counts the bytes delivered.
struct Count(u64);

impl Deliver for Count {
    fn deliver(&mut self, d: Delivery<'_>) {
        if let Delivery::Data { bytes, .. } = d {
            self.0 += bytes.len() as u64;
        }
    }
}

pub fn run(data: &[u8]) {
    let mut r = Reassembler::new();
    let mut out = Count(0);
    let mut i = 0;
    let mut frame = 0u64;
    while i + 6 <= data.len() {
        let op = data[i];
        let seq = u32::from_be_bytes([data[i + 1], data[i + 2], data[i + 3], data[i + 4]]);
        let len = (data[i + 5] as usize).min(data.len() - i - 6);
        let payload = &data[i + 6..i + 6 + len];
        i += 6 + len;
        frame += 1;
        match op % 5 {
            0 => r.syn(seq),
            1 => r.segment(seq, payload, 0, frame, &mut out),
            2 => r.segment(seq, payload, op as u32 >> 4, frame, &mut out),
            3 => r.peer_acked(seq, frame, &mut out),
            _ => r.finish(frame, &mut out),
        }
    }
    r.finish(frame + 1, &mut out);
    // Reassembly never invents bytes.
    assert!(out.0 <= data.len() as u64);
}
