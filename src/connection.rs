//! One connection from its segments to an ordered list of events:
//! TCP control (SYN, SYN-ACK, FIN, RST), capture gaps and TLS events, each
//! with its frame, and which direction is the client.

use crate::capture::Timestamp;
use crate::flow::{DataMark, Dir, Flow, PerDir, Seg};
use crate::packet::{ACK, FIN, RST, SYN};
use crate::tcp::{Deliver, Delivery, Reassembler, SeqNum};
use crate::tls::{TlsMsg, TlsParser};

pub use crate::vocabulary::Side;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Syn,
    SynAck,
    Fin,
    Rst,
    /// Bytes the capture missed in this direction.
    Gap(u64),
    Tls(TlsMsg),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub frame: u64,
    pub from: Side,
    pub kind: EventKind,
}

/// A moment of the connection: frame, who, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub frame: u64,
    pub from: Side,
    pub ts: Timestamp,
}

/// When things happened, for what follows a completed handshake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub start: Timestamp,
    /// The last packet.
    pub end: Timestamp,
    /// The last two payload segments before the first RST, oldest first.
    pub data_tail: [Option<Mark>; 2],
    /// The last payload segment before the first FIN or RST, and the one before it.
    pub data_before_close: Option<Mark>,
    pub data_before_close_prev: Option<Mark>,
    pub first_fin: Option<Mark>,
    pub first_rst: Option<Mark>,
}

impl Timing {
    /// The first FIN or RST, whichever came first, and whether it was a RST.
    pub fn first_close(&self) -> Option<(Mark, bool)> {
        match (self.first_fin, self.first_rst) {
            (Some(f), Some(r)) => Some(if r.frame < f.frame { (r, true) } else { (f, false) }),
            (Some(f), None) => Some((f, false)),
            (None, Some(r)) => Some((r, true)),
            (None, None) => None,
        }
    }
}

/// Seconds from `a` to `b` (never negative, never wrapping).
pub fn seconds_between(a: Timestamp, b: Timestamp) -> f64 {
    let s = b.secs.saturating_sub(a.secs) as f64 + (b.nanos as f64 - a.nanos as f64) / 1e9;
    s.max(0.0)
}

/// Everything the diagnosis needs about one connection, sides resolved.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub events: Vec<Event>,
    /// SYNs sent by the client, retransmissions included.
    pub syn_count: u32,
    /// When the last of them was sent.
    pub last_syn: Option<Timestamp>,
    pub last_frame: u64,
    /// Payload bytes seen per side (client, server).
    pub client_bytes: u64,
    pub server_bytes: u64,
    /// Packets per side (client, server) other than SYNs and SYN-ACKs.
    pub packets: [u32; 2],
    /// The server's port, for heuristics about TLS-only ports.
    pub server_port: u16,
    /// True when the client is `Flow::a` (the source of the first packet).
    pub client_is_a: bool,
    /// Encrypted records seen per side (client, server), beyond the events kept.
    pub encrypted_counts: [u64; 2],
    /// Each side's last TLS record (client, server).
    pub last_records: [Option<crate::tls::RecordMark>; 2],
    /// Heartbeat records per side (client, server).
    pub heartbeats: [u64; 2],
    /// Events of repeated kinds counted but not kept (see `tls::MAX_EVENTS_PER_KIND`).
    pub events_not_listed: u64,
    pub timing: Timing,
    /// Whether and how the TLS records were decrypted (with a key log).
    pub decryption: Option<crate::tls::Decryption>,
    /// The time of each frame that brought events, in frame order (for the
    /// time offsets of the handshake list).
    pub frame_times: Vec<(u64, Timestamp)>,
}

impl Trace {
    /// The time of frame `frame`, when it brought events.
    pub fn time_of(&self, frame: u64) -> Option<Timestamp> {
        let i = self.frame_times.partition_point(|(f, _)| *f < frame);
        self.frame_times.get(i).filter(|(f, _)| *f == frame).map(|(_, ts)| *ts)
    }
}

/// Which of the two directions is the client's.
fn client_dir(flow: &Flow, events: &[RawEvent]) -> Dir {
    if let Some((dir, synack)) = flow.first_syn {
        return if synack { dir.other() } else { dir };
    }
    for (_, dir, kind) in events {
        match kind {
            EventKind::Tls(TlsMsg::ClientHello(_)) => return *dir,
            EventKind::Tls(TlsMsg::ServerHello(_)) => return dir.other(),
            _ => {}
        }
    }
    // The side with the higher port is usually the client.
    if flow.a.port() >= flow.b.port() { Dir::A } else { Dir::B }
}

/// An event before the sides are known: frame, direction index, what.
type RawEvent = (u64, Dir, EventKind);

/// Where reassembly delivers one direction's bytes: the TLS parser, and
/// gaps as events.
struct ToTls<'t> {
    tls: &'t mut TlsParser,
    raw: &'t mut Vec<RawEvent>,
    dir: Dir,
}

impl Deliver for ToTls<'_> {
    fn deliver(&mut self, d: Delivery<'_>) {
        match d {
            Delivery::Data { bytes, frame } => self.tls.feed(self.dir, bytes, frame),
            Delivery::Gap { len, frame } => {
                self.tls.gap(self.dir);
                self.raw.push((frame, self.dir, EventKind::Gap(len)));
            }
        }
    }
}

/// One connection's state while it is open: reassembly and TLS per
/// direction, fed segment by segment as the capture is read, and the events
/// so far (by direction; sides are resolved at the end). It holds no
/// payload beyond what reassembly and TLS framing wait for.
#[derive(Default)]
pub struct Tracer {
    reasm: PerDir<Reassembler>,
    tls: TlsParser,
    raw: Vec<RawEvent>,
    seen_fin: PerDir<bool>,
    seen_rst: PerDir<bool>,
    seen_syn: bool,
    seen_synack: bool,
    /// Per direction: its SYN (or SYN-ACK) was seen, so its stream's start is known.
    syn_from: PerDir<bool>,
    /// Per direction: its payload has begun.
    fed: PerDir<bool>,
    syn_count: u32,
    /// The time of the last SYN (retransmissions included).
    last_syn: Option<Timestamp>,
    last_frame: u64,
    fin_at: Option<(u64, Dir, Timestamp)>,
    rst_at: Option<(u64, Dir, Timestamp)>,
    /// Frames that brought events, with their time (as many as events at most).
    times: Vec<(u64, Timestamp)>,
    /// The run's filters leave this connection out: nothing is analysed.
    left_out: bool,
}

impl Tracer {
    /// The run's filters leave this connection out (`filter::Filters::may_keep`).
    pub fn leave_out(&mut self) {
        self.left_out = true;
    }

    pub fn is_left_out(&self) -> bool {
        self.left_out
    }

    /// Decrypts the connection's TLS with the secrets of this key log.
    pub fn set_keylog(&mut self, log: &std::sync::Arc<crate::keylog::KeyLog>) {
        self.tls.set_keylog(log);
    }

    /// Where direction `d`'s reassembly delivers, and that reassembly.
    fn parts(&mut self, d: Dir) -> (&mut Reassembler, ToTls<'_>) {
        (
            &mut self.reasm[d],
            ToTls {
                tls: &mut self.tls,
                raw: &mut self.raw,
                dir: d,
            },
        )
    }

    /// TLS events of earlier segments go first, in the order they happened.
    /// Moved, not copied: events carry the certificates.
    fn take_tls(&mut self) {
        self.raw.extend(
            self.tls
                .events
                .drain(..)
                .map(|e| (e.frame, e.dir, EventKind::Tls(e.msg))),
        );
    }

    fn syn(&mut self, s: &Seg) {
        self.syn_from[s.dir] = true;
        if s.flags & ACK == 0 {
            self.syn_count += 1;
            self.last_syn = Some(s.ts);
            if !self.seen_syn {
                self.seen_syn = true;
                self.raw.push((s.frame, s.dir, EventKind::Syn));
            }
        } else if !self.seen_synack {
            self.seen_synack = true;
            self.raw.push((s.frame, s.dir, EventKind::SynAck));
        }
        self.reasm[s.dir].syn(s.seq);
    }

    /// A FIN or RST (once per direction): delivers what is pending, then the event.
    fn close(&mut self, s: &Seg, fin: bool) {
        let d = s.dir;
        if fin {
            self.seen_fin[d] = true;
            self.fin_at = self.fin_at.or(Some((s.frame, s.dir, s.ts)));
            let seq = if s.flags & SYN != 0 {
                SeqNum(s.seq).plus(1).0
            } else {
                s.seq
            };
            self.reasm[d].fin(seq, s.payload.len() as u32 + s.missing);
        } else {
            self.seen_rst[d] = true;
            self.rst_at = self.rst_at.or(Some((s.frame, s.dir, s.ts)));
        }
        let (r, mut out) = self.parts(d);
        r.finish(s.frame, &mut out);
        self.take_tls();
        self.raw
            .push((s.frame, s.dir, if fin { EventKind::Fin } else { EventKind::Rst }));
    }

    /// Feeds one segment of the connection (pure ACKs need not be fed).
    pub fn segment(&mut self, s: &Seg) {
        let before = self.raw.len();
        self.segment_events(s);
        if self.raw.len() > before && self.times.last().is_none_or(|(f, _)| *f != s.frame) {
            self.times.push((s.frame, s.ts));
        }
    }

    fn segment_events(&mut self, s: &Seg) {
        let d = s.dir;
        self.last_frame = self.last_frame.max(s.frame);
        if s.flags & SYN != 0 {
            self.syn(s);
        }
        if s.flags & ACK != 0 {
            let (r, mut out) = self.parts(d.other());
            r.peer_acked(s.ack, s.frame, &mut out);
        }
        if !s.payload.is_empty() || s.missing > 0 {
            if !self.fed[d] {
                self.fed[d] = true;
                if !self.syn_from[d] {
                    // The capture joined this direction after its start.
                    self.tls.midstream(d);
                }
            }
            // Bulk data is bounded by the cap (flow::MAX_INDEXED_PAYLOAD);
            // framing goes on so that alerts after the handshake are still seen.
            let seq = if s.flags & SYN != 0 {
                SeqNum(s.seq).plus(1).0
            } else {
                s.seq
            };
            let (r, mut out) = self.parts(d);
            // What the peer acknowledged in pure ACKs (not handed on) reveals
            // a hole the capture lost before the bytes waiting behind it.
            if let Some(ack) = s.peer_ack {
                r.peer_acked(ack, s.frame, &mut out);
            }
            r.segment(seq, s.payload, s.missing, s.frame, &mut out);
        }
        self.take_tls();
        if s.flags & FIN != 0 && !self.seen_fin[d] {
            self.close(s, true);
        }
        if s.flags & RST != 0 && !self.seen_rst[d] {
            self.close(s, false);
        }
    }

    /// The connection is over: what is still held back is delivered, the
    /// events are put in frame order and the sides resolved.
    pub fn finish(mut self, flow: &Flow) -> Trace {
        self.last_frame = self.last_frame.max(flow.first_frame);
        for d in Dir::BOTH {
            let last = self.last_frame;
            let (r, mut out) = self.parts(d);
            r.finish(last, &mut out);
        }
        self.take_tls();
        let mut raw = std::mem::take(&mut self.raw);
        // Data held back by reassembly (delivered at a FIN or at the end, after a
        // gap) keeps the frame it came in: put every event in frame order, keeping
        // the order of events within a frame.
        raw.sort_by_key(|(frame, _, _)| *frame);
        let merged_gaps = bound_gaps(&mut raw);
        let cd = client_dir(flow, &raw);
        let side = |dir: Dir| if dir == cd { Side::Client } else { Side::Server };
        let events = raw
            .into_iter()
            .map(|(frame, dir, kind)| Event {
                frame,
                from: side(dir),
                kind,
            })
            .collect();
        let counts = self.tls.encrypted_counts;
        let mark = |(frame, dir, ts): (u64, Dir, Timestamp)| Mark {
            frame,
            from: side(dir),
            ts,
        };
        let data_mark = |m: Option<DataMark>| m.map(|m| mark((m.frame, m.dir, m.ts)));
        Trace {
            events,
            syn_count: self.syn_count,
            last_syn: self.last_syn,
            last_frame: self.last_frame,
            client_bytes: flow.bytes[cd],
            server_bytes: flow.bytes[cd.other()],
            packets: [flow.packets[cd], flow.packets[cd.other()]],
            server_port: if cd == Dir::A { flow.b.port() } else { flow.a.port() },
            client_is_a: cd == Dir::A,
            encrypted_counts: [counts[cd], counts[cd.other()]],
            last_records: [self.tls.last_record[cd], self.tls.last_record[cd.other()]],
            heartbeats: [self.tls.heartbeats[cd], self.tls.heartbeats[cd.other()]],
            events_not_listed: self.tls.events_not_listed + merged_gaps,
            decryption: self.tls.decryption(),
            frame_times: {
                let mut t = std::mem::take(&mut self.times);
                t.sort_by_key(|(f, _)| *f);
                t
            },
            timing: Timing {
                start: flow.start,
                end: flow.end,
                data_tail: [data_mark(flow.data_tail[0]), data_mark(flow.data_tail[1])],
                data_before_close: data_mark(flow.data_before_close),
                data_before_close_prev: data_mark(flow.data_before_close_prev),
                first_fin: self.fin_at.map(mark),
                first_rst: self.rst_at.map(mark),
            },
        }
    }
}

/// Gap events kept per direction; the bytes of later gaps are added to the last one kept.
const MAX_GAP_EVENTS: usize = 32;

/// Keeps the first `MAX_GAP_EVENTS` gaps of each direction (a capture that
/// lost every other segment must not make the report as long as the
/// capture); the bytes of the others are added to the last one kept, so
/// that the total missed stays right. Returns how many were merged.
fn bound_gaps(raw: &mut Vec<RawEvent>) -> u64 {
    let mut kept: PerDir<usize> = PerDir([0, 0]);
    let mut last: PerDir<Option<usize>> = PerDir([None, None]);
    let mut merged = 0u64;
    let mut out: Vec<RawEvent> = Vec::with_capacity(raw.len());
    for (frame, dir, kind) in raw.drain(..) {
        let d = dir;
        if let EventKind::Gap(n) = kind {
            if kept[d] >= MAX_GAP_EVENTS
                && let Some(i) = last[d]
                && let Some((_, _, EventKind::Gap(total))) = out.get_mut(i)
            {
                *total = total.saturating_add(n);
                merged += 1;
                continue;
            }
            kept[d] += 1;
            last[d] = Some(out.len());
        }
        out.push((frame, dir, kind));
    }
    *raw = out;
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{FlowTable, Open};
    use crate::packet::TcpSegment;

    /// A segment: "c" or "s", ports, seq, ack, flags, payload.
    type Spec<'a> = (&'a str, u16, u16, u32, u32, u8, &'a [u8]);

    /// The trace of one connection made of the given segments.
    fn trace(segs: &[Spec]) -> Trace {
        let mut t: FlowTable<Tracer> = FlowTable::new();
        let mut done: Vec<Open<Tracer>> = Vec::new();
        for (i, (src, sport, dport, seq, ack, flags, payload)) in segs.iter().enumerate() {
            let (s, d) = if *src == "c" {
                ("10.0.0.1", "10.0.0.2")
            } else {
                ("10.0.0.2", "10.0.0.1")
            };
            let seg = TcpSegment {
                src: s.parse().unwrap(),
                dst: d.parse().unwrap(),
                sport: *sport,
                dport: *dport,
                seq: *seq,
                ack: *ack,
                flags: *flags,
                payload: &[],
                payload_offset: 0,
                missing: 0,
            };
            let seg = TcpSegment {
                payload: &payload[..],
                ..seg
            };
            t.add(
                i as u64 + 1,
                (Timestamp::default(), Timestamp::default()),
                &seg,
                &mut done,
                |o, s| o.state.segment(&s),
            );
        }
        done.extend(t.finish().into_iter().map(|o| *o));
        assert_eq!(done.len(), 1);
        let Open { flow, state } = done.remove(0);
        state.finish(&flow)
    }

    #[test]
    fn a_hole_the_peer_acknowledged_in_pure_acks_is_a_gap_before_the_end() {
        // A download whose second segment the capture lost; the client's
        // pure ACKs (never handed on as segments) acknowledge past it.
        let seg = [0x17u8; 1448];
        let mut specs: Vec<Spec> = vec![
            ("c", 40000, 443, 100, 0, SYN, b""),
            ("s", 443, 40000, 500, 101, SYN | ACK, b""),
            ("c", 40000, 443, 101, 501, ACK, b""),
            ("s", 443, 40000, 501, 101, ACK, &seg[..]),
        ];
        for k in 2..60u32 {
            specs.push(("s", 443, 40000, 501 + k * 1448, 101, ACK, &seg[..]));
            specs.push(("c", 40000, 443, 101, 501 + (k + 1) * 1448, ACK, b""));
        }
        let tr = trace(&specs);
        let gap = tr.events.iter().find(|e| matches!(e.kind, EventKind::Gap(_)));
        assert!(
            gap.is_some_and(|g| g.kind == EventKind::Gap(1448) && g.frame < 100),
            "{gap:?}"
        );
    }

    #[test]
    fn the_client_is_who_sent_the_syn_even_when_the_server_spoke_first() {
        // The capture starts with the server's SYN-ACK (the SYN was missed).
        let tr = trace(&[
            ("s", 443, 40000, 500, 101, SYN | ACK, b""),
            ("c", 40000, 443, 101, 501, ACK, b""),
        ]);
        assert!(!tr.client_is_a, "the SYN-ACK's sender is the server");
        assert_eq!(tr.events[0].kind, EventKind::SynAck);
        assert_eq!(tr.events[0].from, Side::Server);
    }

    #[test]
    fn without_a_syn_the_hello_decides_and_events_are_in_frame_order() {
        // Mid-stream: a ServerHello-less capture where the client's hello comes from the lower port.
        let mut body = vec![3u8, 3];
        body.extend_from_slice(&[9; 32]);
        body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
        let mut hello = vec![22u8, 3, 1, 0, body.len() as u8 + 4, 1, 0, 0, body.len() as u8];
        hello.extend_from_slice(&body);
        let tr = trace(&[
            ("c", 443, 40000, 1000, 0, ACK, &hello[..]),
            ("s", 40000, 443, 7, 1009, FIN | ACK, b""),
        ]);
        // The ClientHello's sender is the client, whatever the ports say.
        assert!(tr.client_is_a);
        let frames: Vec<u64> = tr.events.iter().map(|e| e.frame).collect();
        let mut sorted = frames.clone();
        sorted.sort();
        assert_eq!(frames, sorted);
        assert_eq!(
            tr.events.last().map(|e| (&e.kind, e.from)),
            Some((&EventKind::Fin, Side::Server))
        );
    }
}
