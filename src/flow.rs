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
                // Port reuse: a new SYN (not a retransmission of the first)
                // after the old connection carried data or closed starts a new one.
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
        if seg.flags & (FIN | RST) != 0 {
            f.closed = true;
        }
        let has_payload = !seg.payload.is_empty() || seg.missing > 0;
        if has_payload {
            f.has_payload = true;
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
