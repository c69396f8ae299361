//! TCP reassembly of one direction of a connection.
//!
//! In-order bytes are delivered as soon as they arrive, whether or not the
//! peer ever ACKs them: the Certificate a client never ACKs before it closes is
//! our most important evidence. Retransmissions and overlaps are trimmed,
//! out-of-order segments wait (bounded), and bytes the capture never saw are
//! reported as a gap so that no verdict blames a peer for them. Sequence
//! numbers are unwrapped to 64-bit stream offsets, so wrap-around is harmless.

use std::collections::BTreeMap;

/// Out-of-order bytes held per direction before we give up waiting for the
/// hole to be filled and declare a gap.
pub const MAX_PENDING_BYTES: usize = 1 << 20;
/// Out-of-order segments held per direction (tiny segments cost more than bytes).
pub const MAX_PENDING_SEGMENTS: usize = 4096;
/// Bytes held behind a hole the peer has acknowledged (so the capture, not
/// the network, lost it: tcpdump's "packets dropped by kernel"): past this
/// the hole is declared a gap at once instead of at the direction's end, so
/// that a thousand downloads each missing a segment do not each hold a MiB.
pub const MAX_PENDING_BEHIND_ACKED_HOLE: usize = 64 * 1024;

/// A TCP sequence number: arithmetic on it wraps at 2^32, and the distance
/// between two is signed (RFC 1982 serial arithmetic), so that wrap-around
/// inside a stream is harmless.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// `n` bytes further on.
    pub fn plus(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// How far `self` is after `from` (negative: before it).
    pub fn since(self, from: SeqNum) -> i32 {
        self.0.wrapping_sub(from.0) as i32
    }
}

/// What reassembly hands to the next stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery<'a> {
    /// Bytes in stream order, completed by this frame.
    Data { bytes: &'a [u8], frame: u64 },
    /// Bytes the capture missed; noticed at this frame.
    Gap { len: u64, frame: u64 },
}

/// Where reassembly hands its deliveries (the TLS parser, or a test's list).
pub trait Deliver {
    fn deliver(&mut self, d: Delivery<'_>);
}

/// Reassembly state of one direction. It owns the out-of-order segments it
/// holds (bounded); in-order bytes go straight through without a copy.
#[derive(Debug, Default)]
pub struct Reassembler {
    started: bool,
    /// Sequence number of the next expected byte, and its stream offset.
    next_seq: SeqNum,
    next_off: u64,
    pending: BTreeMap<u64, (Vec<u8>, u64)>,
    pending_bytes: usize,
    /// Stream offset of the FIN, which takes one sequence number.
    fin_off: Option<u64>,
    /// The peer acknowledged up to here bytes not seen yet, first at this frame.
    acked_hole: Option<(u64, u64)>,
    pub retransmitted_segments: u64,
    pub out_of_order_segments: u64,
    pub gap_bytes: u64,
}

impl Reassembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// The SYN fixes the initial sequence number: data starts at ISN + 1.
    /// A SYN with another ISN before any data (a new attempt, or TCP Fast
    /// Open's retries) replaces the old one.
    pub fn syn(&mut self, isn: u32) {
        if !self.started || (self.next_off == 0 && self.pending.is_empty()) {
            self.started = true;
            self.next_seq = SeqNum(isn).plus(1);
            self.next_off = 0;
        }
    }

    /// Stream offset of a sequence number, relative to the next expected byte.
    fn offset_of(&self, seq: u32) -> i128 {
        let delta = SeqNum(seq).since(self.next_seq) as i128;
        self.next_off as i128 + delta
    }

    /// Feeds a segment's payload. `missing` is the number of payload bytes the
    /// snap length cut off the end of this segment.
    pub fn segment(&mut self, seq: u32, payload: &[u8], missing: u32, frame: u64, out: &mut dyn Deliver) {
        if payload.is_empty() && missing == 0 {
            return;
        }
        if !self.started {
            // Capture started mid-connection: the first data seen is the start.
            self.started = true;
            self.next_seq = SeqNum(seq);
            self.next_off = 0;
        }
        let start = self.offset_of(seq);
        let end = start + payload.len() as i128;
        if end <= self.next_off as i128 && missing == 0 {
            if !payload.is_empty() {
                self.retransmitted_segments += 1;
            }
            return;
        }
        if start > self.next_off as i128 {
            self.out_of_order_segments += 1;
            let s = start as u64;
            let keep = match self.pending.get(&s) {
                Some((old, _)) => old.len() < payload.len(),
                None => true,
            };
            if keep && !payload.is_empty() {
                if let Some((old, _)) = self.pending.insert(s, (payload.to_vec(), frame)) {
                    self.pending_bytes -= old.len();
                }
                self.pending_bytes += payload.len();
            }
            if missing > 0 {
                // The hole after a snapped segment will never be filled.
                // Deliver up to it now rather than wait for the end.
                self.force_gap(frame, out);
            }
            if self.pending_bytes > MAX_PENDING_BYTES || self.pending.len() > MAX_PENDING_SEGMENTS {
                self.force_gap(frame, out);
            } else if self.pending_bytes > MAX_PENDING_BEHIND_ACKED_HOLE
                && self.acked_hole.is_some_and(|(upto, _)| upto > self.next_off)
            {
                self.declare_acked_hole(out);
            }
            return;
        }
        // Overlaps the next expected byte: deliver the new part.
        let skip = (self.next_off as i128 - start).max(0) as usize;
        if skip < payload.len() {
            let fresh = &payload[skip..];
            out.deliver(Delivery::Data { bytes: fresh, frame });
            self.advance(fresh.len() as u64);
        } else if skip > payload.len() {
            // Only the snapped tail overlaps what we have; nothing new to say.
            return;
        }
        if missing > 0 {
            out.deliver(Delivery::Gap {
                len: missing as u64,
                frame,
            });
            self.gap_bytes += missing as u64;
            self.advance(missing as u64);
        }
        self.drain(Some(frame), out);
    }

    fn advance(&mut self, n: u64) {
        self.next_off += n;
        // Truncation is the wrap: sequence numbers count modulo 2^32.
        self.next_seq = self.next_seq.plus(n as u32);
    }

    /// Delivers waiting segments that now follow on. `filler` is the frame that
    /// filled the hole: like Wireshark, we say the data was completed there.
    /// Without one (a gap was declared), each keeps its own frame.
    fn drain(&mut self, filler: Option<u64>, out: &mut dyn Deliver) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > self.next_off {
                break;
            }
            let (s, (bytes, own)) = entry.remove_entry();
            let frame = filler.unwrap_or(own);
            self.pending_bytes -= bytes.len();
            let end = s + bytes.len() as u64;
            if end > self.next_off {
                let fresh = &bytes[(self.next_off - s) as usize..];
                out.deliver(Delivery::Data { bytes: fresh, frame });
                self.advance(fresh.len() as u64);
            }
        }
    }

    /// Declares the hole before the first waiting segment lost, and delivers
    /// what follows it.
    fn force_gap(&mut self, frame: u64, out: &mut dyn Deliver) {
        if let Some((&s, _)) = self.pending.iter().next()
            && s > self.next_off
        {
            let len = s - self.next_off;
            out.deliver(Delivery::Gap { len, frame });
            self.gap_bytes += len;
            self.advance(len);
        }
        self.drain(None, out);
    }

    /// A FIN at `seq` after `len` payload bytes: the peer's ACK of it is no data.
    pub fn fin(&mut self, seq: u32, len: u32) {
        if self.started && self.fin_off.is_none() {
            let o = self.offset_of(SeqNum(seq).plus(len).0);
            if o >= 0 {
                self.fin_off = Some(o as u64);
            }
        }
    }

    /// The peer acknowledged bytes up to `ack`: any of them we have not seen
    /// were lost by the capture, not by the network (the peer got them) -
    /// or the capture has them later: packets of the two directions are
    /// often captured out of order (multi-queue NICs, mirror ports). The
    /// hole is remembered, with the frame that revealed it, and declared a
    /// gap only when this direction ends (or the bytes waiting behind it
    /// exceed the bounds): bytes that come late still count.
    pub fn peer_acked(&mut self, ack: u32, frame: u64, _out: &mut dyn Deliver) {
        if !self.started {
            return;
        }
        let a = self.offset_of(ack);
        // Far-off values are bogus ACKs, not evidence of loss.
        if a <= self.next_off as i128 || a - self.next_off as i128 > (1 << 24) {
            return;
        }
        let mut a = a as u64;
        if self.fin_off.is_some_and(|f| a == f + 1) {
            a -= 1;
        }
        if a > self.next_off {
            match &mut self.acked_hole {
                Some((upto, _)) => *upto = (*upto).max(a),
                None => self.acked_hole = Some((a, frame)),
            }
        }
    }

    /// Declares lost what the peer acknowledged and the capture never
    /// showed, up to the first waiting segment.
    fn declare_acked_hole(&mut self, out: &mut dyn Deliver) {
        let Some((upto, frame)) = self.acked_hole.take() else {
            return;
        };
        let limit = match self.pending.keys().next() {
            Some(&s) => s.min(upto),
            None => upto,
        };
        if limit > self.next_off {
            let len = limit - self.next_off;
            out.deliver(Delivery::Gap { len, frame });
            self.gap_bytes += len;
            self.advance(len);
        }
        self.drain(None, out);
        if upto > self.next_off {
            self.acked_hole = Some((upto, frame));
        }
    }

    /// End of this direction (FIN, RST or end of capture): whatever waits is
    /// delivered, with the holes before it reported as gaps.
    pub fn finish(&mut self, frame: u64, out: &mut dyn Deliver) {
        loop {
            self.declare_acked_hole(out);
            if self.pending.is_empty() {
                break;
            }
            self.force_gap(frame, out);
        }
        self.acked_hole = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_wrap_and_compare_across_the_wrap() {
        let near = SeqNum(u32::MAX - 1);
        assert_eq!(near.plus(3), SeqNum(1));
        assert_eq!(SeqNum(1).since(near), 3);
        assert_eq!(near.since(SeqNum(1)), -3);
        assert_eq!(SeqNum(5).since(SeqNum(5)), 0);
    }

    /// A delivery kept by a test.
    #[derive(Debug, PartialEq, Eq)]
    enum Got {
        Data { bytes: Vec<u8>, frame: u64 },
        Gap { len: u64, frame: u64 },
    }

    impl Deliver for Vec<Got> {
        fn deliver(&mut self, d: Delivery<'_>) {
            self.push(match d {
                Delivery::Data { bytes, frame } => Got::Data {
                    bytes: bytes.to_vec(),
                    frame,
                },
                Delivery::Gap { len, frame } => Got::Gap { len, frame },
            });
        }
    }

    fn data(out: &[Got]) -> Vec<u8> {
        out.iter()
            .filter_map(|d| match d {
                Got::Data { bytes, .. } => Some(bytes.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn in_order_and_retransmission() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(100);
        r.segment(101, b"abc", 0, 2, &mut out);
        r.segment(101, b"abc", 0, 3, &mut out);
        r.segment(104, b"def", 0, 4, &mut out);
        assert_eq!(data(&out), b"abcdef");
        assert_eq!(r.retransmitted_segments, 1);
    }

    #[test]
    fn out_of_order_is_delivered_when_the_hole_fills_with_the_filling_frame() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(4, b"def", 0, 2, &mut out);
        assert!(out.is_empty());
        r.segment(1, b"abc", 0, 3, &mut out);
        assert_eq!(data(&out), b"abcdef");
        assert!(matches!(out[1], Got::Data { frame: 3, .. }));
    }

    #[test]
    fn overlap_is_trimmed() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, b"abcd", 0, 2, &mut out);
        r.segment(3, b"cdefg", 0, 3, &mut out);
        assert_eq!(data(&out), b"abcdefg");
    }

    #[test]
    fn sequence_wrap() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(u32::MAX - 1);
        r.segment(u32::MAX, b"ab", 0, 2, &mut out);
        r.segment(1, b"cd", 0, 3, &mut out);
        assert_eq!(data(&out), b"abcd");
    }

    #[test]
    fn hole_at_end_becomes_gap() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, b"ab", 0, 2, &mut out);
        r.segment(10, b"xy", 0, 3, &mut out);
        r.finish(4, &mut out);
        assert_eq!(out[1], Got::Gap { len: 7, frame: 4 });
        assert_eq!(data(&out), b"abxy");
    }

    #[test]
    fn peer_ack_reveals_capture_loss() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, b"ab", 0, 2, &mut out);
        r.peer_acked(11, 5, &mut out);
        r.segment(11, b"z", 0, 6, &mut out);
        // The hole is declared lost when the direction ends, with the frame that revealed it.
        r.finish(9, &mut out);
        assert_eq!(out[1], Got::Gap { len: 8, frame: 5 });
        assert_eq!(data(&out), b"abz");
    }

    #[test]
    fn bytes_behind_an_acked_hole_are_held_only_up_to_a_bound() {
        // A download missing one segment that the peer acknowledged: the
        // hole becomes a gap once 64 KiB wait behind it, not at the end.
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, &[1; 1000], 0, 2, &mut out);
        let seg = [7u8; 1448];
        let mut seq = 1 + 1000 + 1448; // the segment at 1001 was lost
        for i in 0..60u64 {
            r.segment(seq, &seg, 0, 10 + i, &mut out);
            r.peer_acked(seq + 1448, 10 + i, &mut out);
            seq += 1448;
            assert!(
                r.pending_bytes <= MAX_PENDING_BEHIND_ACKED_HOLE + seg.len(),
                "{}",
                r.pending_bytes
            );
        }
        assert_eq!(out[1], Got::Gap { len: 1448, frame: 10 });
        assert_eq!(r.gap_bytes, 1448);
        // Reordering without an ACK beyond the hole still waits (up to 1 MiB).
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        for i in 0..60u32 {
            r.segment(1 + 1448 + i * 1448, &seg, 0, 10, &mut out);
        }
        assert!(r.pending_bytes > MAX_PENDING_BEHIND_ACKED_HOLE && r.gap_bytes == 0);
    }

    #[test]
    fn bytes_captured_after_the_peer_acked_them_still_count() {
        // Multi-queue captures: the server's answer (which ACKs the client's
        // bytes) comes before the client's segment that carried them.
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, b"ab", 0, 2, &mut out);
        r.peer_acked(6, 3, &mut out);
        r.segment(3, b"cde", 0, 4, &mut out);
        r.finish(5, &mut out);
        assert_eq!(data(&out), b"abcde");
        assert!(out.iter().all(|d| !matches!(d, Got::Gap { .. })), "{out:?}");
        assert_eq!(r.gap_bytes, 0);
    }

    #[test]
    fn snapped_segment_reports_gap() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        r.segment(1, b"ab", 5, 2, &mut out);
        r.segment(8, b"c", 0, 3, &mut out);
        assert_eq!(out[1], Got::Gap { len: 5, frame: 2 });
        assert_eq!(data(&out), b"abc");
    }

    #[test]
    fn pending_is_bounded() {
        let mut r = Reassembler::new();
        let mut out: Vec<Got> = Vec::new();
        r.syn(0);
        let byte = [0u8; 1];
        for i in 0..(MAX_PENDING_SEGMENTS as u32 + 10) {
            r.segment(10 + 2 * i, &byte, 0, 1, &mut out);
        }
        assert!(r.pending.len() <= MAX_PENDING_SEGMENTS);
    }
}
