//! Connections: the key that ties both directions of a TCP connection
//! together, and the index of the segments that matter for each one.
//!
//! The index holds offsets into the capture, not bytes. Pure ACKs are not
//! indexed, and a direction's payload is indexed only up to a cap (the TLS
//! handshake is at its start; bulk data is not needed), so memory grows with
//! the number of connections, not with the size of the capture.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::capture::Timestamp;
use crate::packet::{ACK, FIN, RST, SYN, TcpSegment};

/// One direction of a connection: from `Flow::a` (the source of its first
/// packet) or from `Flow::b`. Which one is the client is decided later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    A,
    B,
}

impl Dir {
    pub fn other(self) -> Dir {
        match self {
            Dir::A => Dir::B,
            Dir::B => Dir::A,
        }
    }

    pub const BOTH: [Dir; 2] = [Dir::A, Dir::B];
}

/// One value per direction, indexed by `Dir`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerDir<T>(pub [T; 2]);

impl<T> std::ops::Index<Dir> for PerDir<T> {
    type Output = T;
    fn index(&self, d: Dir) -> &T {
        &self.0[d as usize]
    }
}

impl<T> std::ops::IndexMut<Dir> for PerDir<T> {
    fn index_mut(&mut self, d: Dir) -> &mut T {
        &mut self.0[d as usize]
    }
}

/// Payload bytes indexed per direction of a connection.
pub const MAX_INDEXED_PAYLOAD: u64 = 512 * 1024;
/// Connections tracked per capture; beyond it new connections are counted, not analyzed.
pub const MAX_CONNECTIONS: usize = 4_000_000;

/// One indexed segment; its payload stays in the capture at `off`.
#[derive(Clone, Copy, Debug)]
pub struct SegRef {
    pub frame: u64,
    pub ts: Timestamp,
    pub dir: Dir,
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub off: usize,
    pub len: u32,
    pub missing: u32,
}

/// A payload segment's frame, time and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataMark {
    pub frame: u64,
    pub ts: Timestamp,
    pub dir: Dir,
}

/// One TCP connection's index.
#[derive(Debug)]
pub struct Flow {
    /// Source of the first packet seen.
    pub a: SocketAddr,
    pub b: SocketAddr,
    pub first_frame: u64,
    pub start: Timestamp,
    pub segs: Vec<SegRef>,
    pub indexed: PerDir<u64>,
    /// Payload segments left out of the index after the cap.
    pub not_indexed: PerDir<u64>,
    /// Payload bytes per direction (captured or missed), indexed or not.
    pub bytes: PerDir<u64>,
    /// The last two payload segments before the first RST, oldest first:
    /// how long the connection was silent before it was reset.
    pub data_tail: [Option<DataMark>; 2],
    /// The last payload segment before the first FIN or RST.
    pub data_before_close: Option<DataMark>,
    /// The last packet of the connection.
    pub end: Timestamp,
    rst_seen: bool,
    close_seen: bool,
    syn_seq: Option<u32>,
    closed: bool,
    has_payload: bool,
}

impl Flow {
    fn new(a: SocketAddr, b: SocketAddr, frame: u64, ts: Timestamp) -> Flow {
        Flow {
            a,
            b,
            first_frame: frame,
            start: ts,
            segs: Vec::new(),
            indexed: PerDir([0, 0]),
            not_indexed: PerDir([0, 0]),
            bytes: PerDir([0, 0]),
            data_tail: [None, None],
            data_before_close: None,
            end: ts,
            rst_seen: false,
            close_seen: false,
            syn_seq: None,
            closed: false,
            has_payload: false,
        }
    }
}

/// Both directions of a connection map to one key.
type Key = (SocketAddr, SocketAddr);

fn key(x: SocketAddr, y: SocketAddr) -> Key {
    if x <= y { (x, y) } else { (y, x) }
}

#[derive(Default)]
pub struct FlowTable {
    map: HashMap<Key, usize>,
    pub flows: Vec<Flow>,
    /// Connections not tracked because of MAX_CONNECTIONS.
    pub dropped_connections: u64,
}

impl FlowTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The connections, dropping the lookup map (no longer needed once the
    /// capture is read; on a million-connection capture it is ~100 MB).
    pub fn into_flows(self) -> Vec<Flow> {
        self.flows
    }

    /// The connection a segment belongs to, a new one when it starts one
    /// (None past `MAX_CONNECTIONS`: counted as dropped).
    fn flow_of(&mut self, frame: u64, ts: Timestamp, seg: &TcpSegment<'_>) -> Option<usize> {
        let src = SocketAddr::new(seg.src, seg.sport);
        let dst = SocketAddr::new(seg.dst, seg.dport);
        let k = key(src, dst);
        let is_syn = seg.flags & SYN != 0 && seg.flags & ACK == 0;
        if let Some(i) = self.map.get(&k).copied() {
            let f = &self.flows[i];
            // Port reuse: a SYN whose sequence number differs from the
            // connection's first SYN starts a new connection (a retransmitted
            // SYN keeps its number). On a connection first seen mid-stream
            // (no SYN), a SYN starts a new one once the old one carried data
            // or closed.
            let new_conn = is_syn && f.syn_seq != Some(seg.seq) && (f.closed || f.has_payload || f.syn_seq.is_some());
            if !new_conn {
                return Some(i);
            }
        }
        if self.flows.len() >= MAX_CONNECTIONS {
            self.dropped_connections += 1;
            return None;
        }
        self.flows.push(Flow::new(src, dst, frame, ts));
        self.map.insert(k, self.flows.len() - 1);
        Some(self.flows.len() - 1)
    }

    /// Indexes a segment. `off` is the payload's offset in the capture.
    pub fn add(&mut self, frame: u64, ts: Timestamp, seg: &TcpSegment<'_>, off: usize) {
        let Some(idx) = self.flow_of(frame, ts, seg) else {
            return;
        };
        let src = SocketAddr::new(seg.src, seg.sport);
        let is_syn = seg.flags & SYN != 0 && seg.flags & ACK == 0;
        let f = &mut self.flows[idx];
        let dir = if src == f.a { Dir::A } else { Dir::B };
        if is_syn && f.syn_seq.is_none() {
            f.syn_seq = Some(seg.seq);
        }
        f.end = ts;
        let has_payload = !seg.payload.is_empty() || seg.missing > 0;
        if has_payload {
            f.has_payload = true;
            f.bytes[dir] += seg.payload.len() as u64 + seg.missing as u64;
            if !f.rst_seen {
                f.data_tail = [f.data_tail[1], Some(DataMark { frame, ts, dir })];
            }
        }
        if seg.flags & (FIN | RST) != 0 {
            f.closed = true;
            if !f.close_seen {
                f.close_seen = true;
                f.data_before_close = f.data_tail[1];
            }
        }
        if seg.flags & RST != 0 {
            f.rst_seen = true;
        }
        let control = seg.flags & (SYN | FIN | RST) != 0;
        if !has_payload && !control {
            return; // a pure ACK
        }
        let d = dir;
        let mut len = seg.payload.len() as u32;
        let mut missing = seg.missing;
        if has_payload {
            if f.indexed[d] >= MAX_INDEXED_PAYLOAD {
                f.not_indexed[d] += 1;
                if !control {
                    return;
                }
                len = 0;
                missing = 0;
            } else {
                f.indexed[d] += len as u64 + missing as u64;
            }
        }
        f.segs.push(SegRef {
            frame,
            ts,
            dir,
            flags: seg.flags,
            seq: seg.seq,
            ack: seg.ack,
            off,
            len,
            missing,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::TcpSegment;

    fn seg(sport: u16, dport: u16, seq: u32, flags: u8, payload: &'static [u8]) -> TcpSegment<'static> {
        let (src, dst) = if dport == 443 {
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
        } else {
            ("10.0.0.2".parse().unwrap(), "10.0.0.1".parse().unwrap())
        };
        TcpSegment {
            src,
            dst,
            sport,
            dport,
            seq,
            ack: 0,
            flags,
            payload,
            payload_offset: 0,
            missing: 0,
        }
    }

    fn add(t: &mut FlowTable, frame: u64, s: &TcpSegment<'_>) {
        t.add(frame, Timestamp::default(), s, 0);
    }

    #[test]
    fn port_reuse_follows_the_documented_rule() {
        let mut t = FlowTable::new();
        add(&mut t, 1, &seg(40000, 443, 100, SYN, b""));
        // A retransmitted SYN (same number) stays in the connection.
        add(&mut t, 2, &seg(40000, 443, 100, SYN, b""));
        assert_eq!(t.flows.len(), 1);
        // A SYN with another number starts a new one, even before any data.
        add(&mut t, 3, &seg(40000, 443, 9000, SYN, b""));
        assert_eq!(t.flows.len(), 2);
        assert_eq!(t.flows[1].first_frame, 3);
        // First seen mid-stream (no SYN): a SYN starts a new one only after data or a close.
        add(&mut t, 4, &seg(40001, 443, 5, ACK, b""));
        add(&mut t, 5, &seg(40001, 443, 77, SYN, b""));
        assert_eq!(t.flows.len(), 3, "no data, no close: the SYN joins the connection");
        add(&mut t, 6, &seg(40002, 443, 5, ACK, b"data"));
        add(&mut t, 7, &seg(40002, 443, 77, SYN, b""));
        assert_eq!(t.flows.len(), 5, "after data the SYN starts a new connection");
    }

    #[test]
    fn payload_index_cap_counts_bytes_and_keeps_control_segments() {
        static BIG: [u8; 1400] = [7; 1400];
        let mut t = FlowTable::new();
        add(&mut t, 1, &seg(40000, 443, 100, SYN, b""));
        let n = (MAX_INDEXED_PAYLOAD / 1400 + 10) as u32;
        for i in 0..n {
            add(&mut t, 2 + i as u64, &seg(40000, 443, 101 + i * 1400, ACK, &BIG));
        }
        add(&mut t, 10_000, &seg(40000, 443, 101 + n * 1400, FIN | ACK, b""));
        let f = &t.flows[0];
        assert!(f.indexed[Dir::A] >= MAX_INDEXED_PAYLOAD && f.indexed[Dir::A] < MAX_INDEXED_PAYLOAD + 1400);
        assert!(f.not_indexed[Dir::A] >= 9);
        assert_eq!(f.bytes[Dir::A], n as u64 * 1400, "bytes are bytes, indexed or not");
        assert!(
            f.segs.last().is_some_and(|s| s.flags & FIN != 0),
            "the FIN is indexed past the cap"
        );
    }

    #[test]
    fn an_indexed_segment_is_small() {
        // docs/design.md states this size.
        assert_eq!(std::mem::size_of::<SegRef>(), 56);
    }
}
