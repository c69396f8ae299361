//! Connections while they are open: the key that ties both directions of a
//! TCP connection together, the counters its close needs, and when it ends.
//!
//! The table streams: a connection lives from its first packet to a few
//! seconds of capture time after its close (both FINs, or a RST), then it
//! is handed back to be judged and its key is remembered for a while, so
//! that its last ACKs do not start a new connection. Payload is handed to
//! the connection's state as it arrives and never kept here, so memory
//! follows the connections open at once, not the capture's size.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

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

/// Payload bytes handed on per direction of a connection: the TLS
/// handshake is at its start, bulk data is only counted after this.
pub const MAX_INDEXED_PAYLOAD: u64 = 512 * 1024;
/// Connections open at once; packets of further new connections are
/// counted, not analysed, until some close.
pub const MAX_OPEN_CONNECTIONS: usize = 500_000;
/// Capture time a closed connection stays open for its last packets (an
/// RST after the FINs, a retransmitted FIN).
pub const LINGER_SECS: i64 = 1;
/// Capture time a judged connection's key absorbs stray packets (TIME_WAIT).
pub const TOMBSTONE_SECS: i64 = 60;
/// Capture time after which a connection that never carried payload and
/// has been silent is judged (a SYN is retried for about two minutes).
pub const QUIET_SECS: i64 = 130;
/// How far one frame may move the capture's clock: the time from the frame
/// before, at most this much (and never back). A frame dated ahead (a clock
/// step, a resumed VM, a damaged record) then moves it half a second, not
/// years: connections are expired by the time their own packets show.
pub const MAX_CLOCK_STEP_NANOS: i128 = 500_000_000;

/// The capture's clock after a frame at `ts` whose predecessor was at `prev`.
pub fn advance_clock(clock: Timestamp, prev: Option<Timestamp>, ts: Timestamp) -> Timestamp {
    let Some(prev) = prev else { return ts };
    let nanos = |t: Timestamp| i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos);
    let step = (nanos(ts) - nanos(prev)).clamp(0, MAX_CLOCK_STEP_NANOS);
    let total = nanos(clock).saturating_add(step);
    Timestamp {
        secs: i64::try_from(total.div_euclid(1_000_000_000)).unwrap_or(i64::MAX),
        nanos: u32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0),
    }
}

/// Capture time between two looks for such quiet connections.
const QUIET_SCAN_SECS: i64 = 10;

/// One segment as the connection's state sees it: its payload is cut to
/// nothing past `MAX_INDEXED_PAYLOAD`.
#[derive(Clone, Copy, Debug)]
pub struct Seg<'p> {
    pub frame: u64,
    pub ts: Timestamp,
    pub dir: Dir,
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub payload: &'p [u8],
    pub missing: u32,
    /// The latest acknowledgement the other side sent (pure ACKs included,
    /// which are not handed on): how far the peer got this direction's bytes.
    pub peer_ack: Option<u32>,
}

/// A payload segment's frame, time and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataMark {
    pub frame: u64,
    pub ts: Timestamp,
    pub dir: Dir,
}

/// One TCP connection's counters.
#[derive(Debug)]
pub struct Flow {
    /// Source of the first packet seen.
    pub a: SocketAddr,
    pub b: SocketAddr,
    pub first_frame: u64,
    pub start: Timestamp,
    /// Payload bytes handed on per direction (up to the cap).
    pub indexed: PerDir<u64>,
    /// Payload segments not handed on, past the cap.
    pub not_indexed: PerDir<u64>,
    /// Payload bytes per direction (captured or missed), handed on or not.
    pub bytes: PerDir<u64>,
    /// Packets per direction other than SYNs and SYN-ACKs: a side with none
    /// after the TCP handshake was not captured (asymmetric routing, a
    /// capture filter on one direction).
    pub packets: PerDir<u32>,
    /// The last two payload segments before the first RST, oldest first:
    /// how long the connection was silent before it was reset.
    pub data_tail: [Option<DataMark>; 2],
    /// The last payload segment before the first FIN or RST, and the one before it.
    pub data_before_close: Option<DataMark>,
    pub data_before_close_prev: Option<DataMark>,
    /// The last packet of the connection.
    pub end: Timestamp,
    /// The direction of the first SYN and whether it was a SYN-ACK.
    pub first_syn: Option<(Dir, bool)>,
    /// The latest acknowledgement number each direction sent.
    acked: PerDir<Option<u32>>,
    rst_seen: bool,
    close_seen: bool,
    /// FINs per direction and a RST, since the first SYN (or since it was
    /// sent again): both FINs or the RST end the connection.
    fin_seen: PerDir<bool>,
    rst_live: bool,
    syn_seq: Option<u32>,
    has_payload: bool,
    /// The clock when both FINs or a RST had been seen.
    ended_at: Option<Timestamp>,
    /// The clock at its last packet (`end` is that packet's own time, which
    /// may lie: timestamps of damaged captures jump back and forth).
    last_seen: Timestamp,
    /// Who sent the SYN-ACK, and whether the other side acknowledged it.
    synack_dir: Option<Dir>,
    established: bool,
}

impl Flow {
    fn new(a: SocketAddr, b: SocketAddr, frame: u64, ts: Timestamp) -> Flow {
        Flow {
            a,
            b,
            first_frame: frame,
            start: ts,
            indexed: PerDir([0, 0]),
            not_indexed: PerDir([0, 0]),
            bytes: PerDir([0, 0]),
            packets: PerDir([0, 0]),
            data_tail: [None, None],
            data_before_close: None,
            data_before_close_prev: None,
            end: ts,
            first_syn: None,
            acked: PerDir([None, None]),
            rst_seen: false,
            close_seen: false,
            fin_seen: PerDir([false, false]),
            rst_live: false,
            syn_seq: None,
            has_payload: false,
            ended_at: None,
            last_seen: ts,
            synack_dir: None,
            established: false,
        }
    }

    /// Never carried payload nor completed the TCP handshake, and silent for
    /// QUIET_SECS: a scan, a flood, an unanswered SYN. (An established but
    /// idle connection is never quiet: it may speak minutes later.)
    fn quiet(&self, clock: Timestamp) -> bool {
        !self.has_payload && !self.established && plus_secs(self.last_seen, QUIET_SECS) <= clock
    }

    /// Over at this clock: its linger after the close is past, or it is quiet.
    /// Decided from the connection's own packets and the capture's clock
    /// only, so the same whatever the batches, chunks or workers.
    fn over(&self, clock: Timestamp) -> bool {
        self.ended_at.is_some_and(|t| plus_secs(t, LINGER_SECS) <= clock) || self.quiet(clock)
    }

    /// Both directions finished, or one reset.
    fn ended(&self) -> bool {
        self.rst_live || (self.fin_seen[Dir::A] && self.fin_seen[Dir::B])
    }

    /// Counts a segment; what the connection's state should see of it (None
    /// for a pure ACK, or a data segment past the cap).
    fn count<'p>(&mut self, frame: u64, ts: Timestamp, seg: &TcpSegment<'p>) -> Option<Seg<'p>> {
        let src = SocketAddr::new(seg.src, seg.sport);
        let dir = if src == self.a { Dir::A } else { Dir::B };
        if seg.flags & (SYN | ACK) == SYN | ACK {
            self.synack_dir = self.synack_dir.or(Some(dir));
        } else if seg.flags & ACK != 0 && self.synack_dir == Some(dir.other()) {
            self.established = true;
        }
        if seg.flags & (SYN | ACK) == SYN && self.syn_seq == Some(seg.seq) {
            // The first SYN again (a client retrying after a RST): the
            // connection goes on, as Wireshark's stream does.
            self.ended_at = None;
            self.rst_live = false;
            self.fin_seen = PerDir([false, false]);
        }
        if seg.flags & SYN != 0 {
            self.first_syn = self.first_syn.or(Some((dir, seg.flags & ACK != 0)));
            if seg.flags & ACK == 0 && self.syn_seq.is_none() {
                self.syn_seq = Some(seg.seq);
            }
        }
        self.end = ts;
        if seg.flags & ACK != 0 {
            self.acked[dir] = Some(seg.ack);
        }
        if seg.flags & SYN == 0 {
            self.packets[dir] = self.packets[dir].saturating_add(1);
        }
        let has_payload = !seg.payload.is_empty() || seg.missing > 0;
        if has_payload {
            self.has_payload = true;
            self.bytes[dir] += seg.payload.len() as u64 + seg.missing as u64;
            if !self.rst_seen {
                self.data_tail = [self.data_tail[1], Some(DataMark { frame, ts, dir })];
            }
        }
        if seg.flags & (FIN | RST) != 0 && !self.close_seen {
            self.close_seen = true;
            self.data_before_close = self.data_tail[1];
            self.data_before_close_prev = self.data_tail[0];
        }
        self.fin_seen[dir] |= seg.flags & FIN != 0;
        self.rst_live |= seg.flags & RST != 0;
        self.rst_seen |= seg.flags & RST != 0;
        let control = seg.flags & (SYN | FIN | RST) != 0;
        if !has_payload && !control {
            return None; // a pure ACK
        }
        let mut out = Seg {
            frame,
            ts,
            dir,
            flags: seg.flags,
            seq: seg.seq,
            ack: seg.ack,
            payload: seg.payload,
            missing: seg.missing,
            peer_ack: self.acked[dir.other()],
        };
        if has_payload {
            if self.indexed[dir] >= MAX_INDEXED_PAYLOAD {
                self.not_indexed[dir] += 1;
                if !control {
                    return None;
                }
                out.payload = &[];
                out.missing = 0;
            } else {
                self.indexed[dir] += seg.payload.len() as u64 + seg.missing as u64;
            }
        }
        Some(out)
    }

    /// Port reuse: a SYN whose sequence number differs from the connection's
    /// first SYN starts a new connection (a retransmitted SYN keeps its
    /// number). On a connection first seen mid-stream (no SYN), a SYN starts
    /// a new one once the old one carried data or closed.
    fn reused_by(&self, seg: &TcpSegment) -> bool {
        let is_syn = seg.flags & SYN != 0 && seg.flags & ACK == 0;
        is_syn && self.syn_seq != Some(seg.seq) && (self.close_seen || self.has_payload || self.syn_seq.is_some())
    }
}

/// Both directions of a connection map to one key: its two endpoints in
/// order, each an address (IPv4 in the low bits) and a port, and whether
/// the addresses are IPv6. Smaller than two `SocketAddr`s and hashed in
/// three words: the table is looked up once per packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    lo: u128,
    hi: u128,
    /// The ports of `lo` and `hi`, and 1 << 32 for IPv6.
    rest: u64,
}

fn key(x: (IpAddr, u16), y: (IpAddr, u16)) -> Key {
    fn n(ip: IpAddr) -> u128 {
        match ip {
            IpAddr::V4(a) => u32::from(a) as u128,
            IpAddr::V6(a) => u128::from(a),
        }
    }
    let (a, b) = ((n(x.0), x.1), (n(y.0), y.1));
    let ((lo, lp), (hi, hp)) = if a <= b { (a, b) } else { (b, a) };
    let v6 = u64::from(x.0.is_ipv6() || y.0.is_ipv6());
    Key {
        lo,
        hi,
        rest: (v6 << 32) | (u64::from(lp) << 16) | u64::from(hp),
    }
}

/// A connection in the table: its counters and the state that follows it.
pub struct Open<S> {
    pub flow: Flow,
    pub state: S,
}

enum Slot<S> {
    Open(Box<Open<S>>),
    /// A judged connection's key, absorbing its stray packets until then.
    Closed(Timestamp),
}

type Map<S> = HashMap<Key, Slot<S>, foldhash::fast::RandomState>;

/// The open connections of one capture (or of one worker's share of it).
pub struct FlowTable<S> {
    map: Map<S>,
    /// First frames of the open connections: the oldest is the watermark.
    open: BTreeSet<u64>,
    /// Ended connections with the time they may be judged, in that order.
    closing: VecDeque<(Timestamp, Key, u64)>,
    /// When to look for quiet connections next.
    next_quiet_scan: Option<Timestamp>,
    tombstones: VecDeque<(Timestamp, Key)>,
    clock: Timestamp,
    max_open: usize,
    /// Packets of new connections not analysed because of `max_open`.
    pub packets_over_limit: u64,
    /// Packets of judged connections that came after their linger.
    pub late_packets: u64,
    /// First frames of the connections started since `take_created`, in order.
    created: Vec<u64>,
}

impl<S: Default> Default for FlowTable<S> {
    fn default() -> Self {
        Self::new()
    }
}

fn plus_secs(t: Timestamp, s: i64) -> Timestamp {
    Timestamp {
        secs: t.secs.saturating_add(s),
        nanos: t.nanos,
    }
}

impl<S: Default> FlowTable<S> {
    pub fn new() -> Self {
        Self::with_limit(MAX_OPEN_CONNECTIONS)
    }

    pub fn with_limit(max_open: usize) -> Self {
        FlowTable {
            map: HashMap::default(),
            open: BTreeSet::new(),
            closing: VecDeque::new(),
            next_quiet_scan: None,
            tombstones: VecDeque::new(),
            clock: Timestamp::default(),
            max_open,
            packets_over_limit: 0,
            late_packets: 0,
            created: Vec::new(),
        }
    }

    /// Connections open now.
    #[cfg(test)]
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// The first frames of the connections started since the last call.
    pub fn take_created(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.created)
    }

    /// The first frame of the oldest open connection.
    pub fn oldest_open(&self) -> Option<u64> {
        self.open.first().copied()
    }

    /// Adds a segment to its connection and hands the connection and what
    /// its state should see to `then`. A connection this segment ends by
    /// port reuse goes to `done`.
    pub fn add<'p>(
        &mut self,
        frame: u64,
        (ts, clock): (Timestamp, Timestamp),
        seg: &TcpSegment<'p>,
        done: &mut Vec<Open<S>>,
        then: impl FnOnce(&mut Open<S>, Seg<'p>),
    ) {
        self.clock = self.clock.max(clock);
        let k = key((seg.src, seg.sport), (seg.dst, seg.dport));
        let is_syn = seg.flags & SYN != 0 && seg.flags & ACK == 0;
        // One lookup decides (the common case: an open connection, going on).
        // A connection over by now is judged before this packet is looked
        // at: the packet is then a stray one (or a new connection).
        let (over, mut fresh, mut closed) = match self.map.get_mut(&k) {
            Some(Slot::Open(o)) => {
                let over = o.flow.over(self.clock) && !(is_syn && o.flow.syn_seq == Some(seg.seq));
                let fresh = !over && o.flow.reused_by(seg);
                if !over && !fresh {
                    let (clock, closing) = (self.clock, &mut self.closing);
                    if let Some(s) = Self::go_on(o, k, (frame, ts, clock), seg, closing) {
                        then(o, s);
                    }
                    return;
                }
                (over.then_some(o.flow.first_frame), fresh, false)
            }
            Some(Slot::Closed(_)) => (None, false, true),
            None => (None, true, false),
        };
        if let Some(first) = over {
            self.judge(k, first, done);
            closed = true;
        }
        if closed {
            if !is_syn {
                self.late_packets += 1;
                return;
            }
            fresh = true;
        }
        if fresh {
            if self.open.len() >= self.max_open && !matches!(self.map.get(&k), Some(Slot::Open(_))) {
                self.packets_over_limit += 1;
                return;
            }
            let src = SocketAddr::new(seg.src, seg.sport);
            let flow = Flow::new(src, SocketAddr::new(seg.dst, seg.dport), frame, ts);
            self.open.insert(frame);
            self.created.push(frame);
            let slot = Slot::Open(Box::new(Open {
                flow,
                state: S::default(),
            }));
            if let Some(Slot::Open(old)) = self.map.insert(k, slot) {
                self.open.remove(&old.flow.first_frame);
                done.push(*old);
            }
        }
        let Some(Slot::Open(o)) = self.map.get_mut(&k) else {
            return;
        };
        if let Some(s) = Self::go_on(o, k, (frame, ts, self.clock), seg, &mut self.closing) {
            then(o, s);
        }
    }

    /// Counts a segment of an open connection, which goes on: notes when it
    /// ends; what its state should see.
    fn go_on<'p>(
        o: &mut Open<S>,
        k: Key,
        (frame, ts, clock): (u64, Timestamp, Timestamp),
        seg: &TcpSegment<'p>,
        closing: &mut VecDeque<(Timestamp, Key, u64)>,
    ) -> Option<Seg<'p>> {
        let was_ended = o.flow.ended_at.is_some();
        o.flow.last_seen = clock;
        let out = o.flow.count(frame, ts, seg);
        if !was_ended && o.flow.ended() {
            o.flow.ended_at = Some(clock);
            closing.push_back((plus_secs(clock, LINGER_SECS), k, o.flow.first_frame));
        }
        out
    }

    /// Hands to `done` the ended connections whose linger is over, and
    /// forgets the keys of old ones.
    pub fn expire(&mut self, done: &mut Vec<Open<S>>) {
        while let Some(&(when, k, first)) = self.closing.front() {
            if when > self.clock {
                break;
            }
            self.closing.pop_front();
            let over = matches!(self.map.get(&k), Some(Slot::Open(o)) if o.flow.over(self.clock));
            if over {
                self.judge(k, first, done);
            }
        }
        self.judge_quiet(done);
        while let Some(&(until, k)) = self.tombstones.front() {
            if until > self.clock {
                break;
            }
            self.tombstones.pop_front();
            if matches!(self.map.get(&k), Some(Slot::Closed(t)) if *t == until) {
                self.map.remove(&k);
            }
        }
    }

    /// Every QUIET_SCAN_SECS of capture time: the connections that never
    /// carried payload and were silent for QUIET_SECS are judged. A look
    /// costs the connections open (and remembered), not the capture.
    fn judge_quiet(&mut self, done: &mut Vec<Open<S>>) {
        let Some(next) = self.next_quiet_scan else {
            self.next_quiet_scan = Some(plus_secs(self.clock, QUIET_SCAN_SECS));
            return;
        };
        if next > self.clock {
            return;
        }
        self.next_quiet_scan = Some(plus_secs(self.clock, QUIET_SCAN_SECS));
        let clock = self.clock;
        let quiet: Vec<(Key, u64)> = self
            .map
            .iter()
            .filter_map(|(k, slot)| match slot {
                Slot::Open(o) if o.flow.quiet(clock) => Some((*k, o.flow.first_frame)),
                _ => None,
            })
            .collect();
        for (k, first) in quiet {
            self.judge(k, first, done);
        }
    }

    /// Hands connection `first` of key `k` to `done`, if it is still open,
    /// and keeps its key for its stray packets.
    fn judge(&mut self, k: Key, first: u64, done: &mut Vec<Open<S>>) {
        let ours = matches!(self.map.get(&k), Some(Slot::Open(o)) if o.flow.first_frame == first);
        if !ours {
            return;
        }
        let until = plus_secs(self.clock, TOMBSTONE_SECS);
        if let Some(Slot::Open(o)) = self.map.insert(k, Slot::Closed(until)) {
            self.open.remove(&first);
            done.push(*o);
        }
        self.tombstones.push_back((until, k));
    }

    /// The end of the capture: every connection still open, the oldest
    /// (by first frame) last, so that they can be judged a few at a time,
    /// oldest first, by popping. Each stays in its box.
    #[allow(clippy::vec_box)]
    pub fn finish(&mut self) -> Vec<Box<Open<S>>> {
        let mut rest: Vec<Box<Open<S>>> = (self.map.drain())
            .filter_map(|(_, slot)| match slot {
                Slot::Open(o) => Some(o),
                Slot::Closed(_) => None,
            })
            .collect();
        rest.sort_unstable_by_key(|o| std::cmp::Reverse(o.flow.first_frame));
        self.open.clear();
        self.closing.clear();
        self.next_quiet_scan = None;
        self.tombstones.clear();
        rest
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

    /// Adds a segment at time `secs`; the connections it ended.
    fn add_at(t: &mut FlowTable<()>, frame: u64, secs: i64, s: &TcpSegment<'_>) -> Vec<u64> {
        let mut done = Vec::new();
        let ts = Timestamp { secs, nanos: 0 };
        t.add(frame, (ts, ts), s, &mut done, |_, _| {});
        t.expire(&mut done);
        done.iter().map(|o| o.flow.first_frame).collect()
    }

    fn add(t: &mut FlowTable<()>, frame: u64, s: &TcpSegment<'_>) -> Vec<u64> {
        add_at(t, frame, 0, s)
    }

    #[test]
    fn port_reuse_follows_the_documented_rule() {
        let mut t = FlowTable::new();
        add(&mut t, 1, &seg(40000, 443, 100, SYN, b""));
        // A retransmitted SYN (same number) stays in the connection.
        add(&mut t, 2, &seg(40000, 443, 100, SYN, b""));
        assert_eq!(t.open_count(), 1);
        // A SYN with another number starts a new one, even before any data,
        // and the old one is over.
        assert_eq!(add(&mut t, 3, &seg(40000, 443, 9000, SYN, b"")), vec![1]);
        assert_eq!(t.oldest_open(), Some(3));
        // First seen mid-stream (no SYN): a SYN starts a new one only after data or a close.
        add(&mut t, 4, &seg(40001, 443, 5, ACK, b""));
        assert!(
            add(&mut t, 5, &seg(40001, 443, 77, SYN, b"")).is_empty(),
            "no data, no close: the SYN joins"
        );
        add(&mut t, 6, &seg(40002, 443, 5, ACK, b"data"));
        assert_eq!(
            add(&mut t, 7, &seg(40002, 443, 77, SYN, b"")),
            vec![6],
            "after data the SYN starts a new one"
        );
        assert_eq!(t.open_count(), 3);
    }

    #[test]
    fn a_closed_connection_is_handed_back_after_its_linger_and_its_key_absorbs_stray_packets() {
        let mut t = FlowTable::new();
        add_at(&mut t, 1, 10, &seg(40000, 443, 100, SYN, b""));
        add_at(&mut t, 2, 10, &seg(443, 40000, 500, SYN | ACK, b""));
        add_at(&mut t, 3, 11, &seg(40000, 443, 101, FIN | ACK, b""));
        assert!(add_at(&mut t, 4, 11, &seg(443, 40000, 501, FIN | ACK, b"")).is_empty());
        // Within the linger, a late RST still belongs to the connection.
        assert!(add_at(&mut t, 5, 11, &seg(443, 40000, 502, RST, b"")).is_empty());
        // Another connection's packet moves the clock past the linger.
        let done = add_at(&mut t, 6, 11 + LINGER_SECS + 1, &seg(40001, 443, 1, SYN, b""));
        assert_eq!(done, vec![1]);
        assert_eq!(t.oldest_open(), Some(6));
        // A stray ACK of the judged connection starts nothing.
        add_at(&mut t, 7, 20, &seg(40000, 443, 102, ACK, b""));
        assert_eq!((t.open_count(), t.late_packets), (1, 1));
        // A new SYN on the same ports does.
        add_at(&mut t, 8, 21, &seg(40000, 443, 7777, SYN, b""));
        assert_eq!(t.open_count(), 2);
        let rest = t.finish();
        let firsts: Vec<u64> = rest.iter().map(|o| o.flow.first_frame).collect();
        assert_eq!(firsts, vec![8, 6], "the oldest last");
    }

    #[test]
    fn a_quiet_connection_without_payload_is_judged_after_its_silence() {
        let mut t = FlowTable::new();
        add_at(&mut t, 1, 0, &seg(40000, 443, 100, SYN, b""));
        add_at(&mut t, 2, 3, &seg(40000, 443, 100, SYN, b""));
        // One with payload stays open, however silent.
        add_at(&mut t, 3, 3, &seg(40001, 443, 5, ACK, b"data"));
        let mut done = Vec::new();
        for secs in (4..3 + QUIET_SECS + 2 * QUIET_SCAN_SECS).step_by(5) {
            done.extend(add_at(
                &mut t,
                100 + secs as u64,
                secs,
                &seg(50000 + secs as u16, 80, 1, RST, b""),
            ));
        }
        assert!(done.contains(&1), "{done:?}");
        assert!(!done.contains(&3));
        assert_eq!(t.oldest_open(), Some(3));
    }

    #[test]
    fn open_connections_are_limited_and_what_is_left_out_is_counted() {
        let mut t: FlowTable<()> = FlowTable::with_limit(2);
        for i in 0..5u16 {
            add(&mut t, i as u64 + 1, &seg(40000 + i, 443, 1, SYN, b""));
        }
        assert_eq!((t.open_count(), t.packets_over_limit), (2, 3));
    }

    #[test]
    fn payload_cap_counts_bytes_and_keeps_control_segments() {
        static BIG: [u8; 1400] = [7; 1400];
        let mut t: FlowTable<()> = FlowTable::new();
        let mut done = Vec::new();
        let ts = Timestamp::default();
        t.add(1, (ts, ts), &seg(40000, 443, 100, SYN, b""), &mut done, |_, _| {});
        let n = (MAX_INDEXED_PAYLOAD / 1400 + 10) as u32;
        let mut handed = 0u64;
        for i in 0..n {
            let big = seg(40000, 443, 101 + i * 1400, ACK, &BIG);
            t.add(2 + i as u64, (ts, ts), &big, &mut done, |_, s| {
                handed += s.payload.len() as u64;
            });
        }
        let mut fin = None;
        let last = seg(40000, 443, 101 + n * 1400, FIN | ACK, b"");
        t.add(10_000, (ts, ts), &last, &mut done, |_, s| fin = Some(s.flags));
        assert!(
            fin.is_some_and(|flags| flags & FIN != 0),
            "the FIN is handed on past the cap"
        );
        assert!((MAX_INDEXED_PAYLOAD..MAX_INDEXED_PAYLOAD + 1400).contains(&handed));
        let rest = t.finish();
        let f = &rest[0].flow;
        assert!(f.not_indexed[Dir::A] >= 9);
        assert_eq!(f.bytes[Dir::A], n as u64 * 1400, "bytes are bytes, handed on or not");
    }
}
