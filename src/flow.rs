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

/// Payload bytes indexed per direction of a connection.
pub const MAX_INDEXED_PAYLOAD: u64 = 512 * 1024;
/// Connections tracked per capture; beyond it new connections are counted, not analyzed.
pub const MAX_CONNECTIONS: usize = 4_000_000;

/// One indexed segment; its payload stays in the capture at `off`.
#[derive(Clone, Copy, Debug)]
pub struct SegRef {
    pub frame: u64,
    pub ts: Timestamp,
    /// 0: from `Flow::a` to `Flow::b`; 1: the reverse.
    pub dir: u8,
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
    pub dir: u8,
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
    pub indexed: [u64; 2],
    /// Payload segments left out of the index after the cap.
    pub not_indexed: [u64; 2],
    /// Payload bytes per direction (captured or missed), indexed or not.
    pub bytes: [u64; 2],
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

    /// Indexes a segment. `off` is the payload's offset in the capture.
    pub fn add(&mut self, frame: u64, ts: Timestamp, seg: &TcpSegment<'_>, off: usize) {
        let src = SocketAddr::new(seg.src, seg.sport);
        let dst = SocketAddr::new(seg.dst, seg.dport);
        let k = key(src, dst);
        let is_syn = seg.flags & SYN != 0 && seg.flags & ACK == 0;
        let existing = self.map.get(&k).copied();
        let idx = match existing {
            Some(i) => {
                let f = &self.flows[i];
                // Port reuse: a SYN whose sequence number differs from the
                // connection's first SYN starts a new connection (a retransmitted
                // SYN keeps its number). On a connection first seen mid-stream
                // (no SYN), a SYN starts a new one once the old one carried data
                // or closed.
                let new_conn =
                    is_syn && f.syn_seq != Some(seg.seq) && (f.closed || f.has_payload || f.syn_seq.is_some());
                if new_conn { None } else { Some(i) }
            }
            None => None,
        };
        let idx = match idx {
            Some(i) => i,
            None => {
                if self.flows.len() >= MAX_CONNECTIONS {
                    self.dropped_connections += 1;
                    return;
                }
                self.flows.push(Flow {
                    a: src,
                    b: dst,
                    first_frame: frame,
                    start: ts,
                    segs: Vec::new(),
                    indexed: [0, 0],
                    not_indexed: [0, 0],
                    bytes: [0, 0],
                    data_tail: [None, None],
                    data_before_close: None,
                    end: ts,
                    rst_seen: false,
                    close_seen: false,
                    syn_seq: None,
                    closed: false,
                    has_payload: false,
                });
                let i = self.flows.len() - 1;
                self.map.insert(k, i);
                i
            }
        };
        let f = &mut self.flows[idx];
        let dir = if src == f.a { 0u8 } else { 1u8 };
        if is_syn && f.syn_seq.is_none() {
            f.syn_seq = Some(seg.seq);
        }
        f.end = ts;
        let has_payload = !seg.payload.is_empty() || seg.missing > 0;
        if has_payload {
            f.has_payload = true;
            f.bytes[dir as usize] += seg.payload.len() as u64 + seg.missing as u64;
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
        let d = dir as usize;
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
