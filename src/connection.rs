//! One connection from its indexed segments to an ordered list of events:
//! TCP control (SYN, SYN-ACK, FIN, RST), capture gaps and TLS events, each
//! with its frame, and which direction is the client.

use crate::capture::Timestamp;
use crate::flow::{DataMark, Flow, SegRef};
use crate::packet::{ACK, FIN, RST, SYN};
use crate::tcp::{Delivery, Reassembler};
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
    /// The last payload segment before the first FIN or RST.
    pub data_before_close: Option<Mark>,
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
    pub last_frame: u64,
    /// Payload bytes seen per side (client, server).
    pub client_bytes: u64,
    pub server_bytes: u64,
    /// The server's port, for heuristics about TLS-only ports.
    pub server_port: u16,
    /// True when the client is `Flow::a` (the source of the first packet).
    pub client_is_a: bool,
    /// Encrypted records seen per side (client, server), beyond the events kept.
    pub encrypted_counts: [u64; 2],
    /// Events of repeated kinds counted but not kept (see `tls::MAX_EVENTS_PER_KIND`).
    pub events_not_listed: u64,
    pub timing: Timing,
}

/// Which of the two directions is the client's.
fn client_dir(flow: &Flow, events: &[(u64, u8, EventKind)]) -> u8 {
    for s in &flow.segs {
        if s.flags & SYN != 0 {
            return if s.flags & ACK == 0 { s.dir } else { 1 - s.dir };
        }
    }
    for (_, dir, kind) in events {
        match kind {
            EventKind::Tls(TlsMsg::ClientHello(_)) => return *dir,
            EventKind::Tls(TlsMsg::ServerHello(_)) => return 1 - *dir,
            _ => {}
        }
    }
    // The side with the higher port is usually the client.
    if flow.a.port() >= flow.b.port() { 0 } else { 1 }
}

fn payload<'a>(data: &'a [u8], s: &SegRef) -> &'a [u8] {
    data.get(s.off..s.off + s.len as usize).unwrap_or(&[])
}

/// Reassembles and parses one connection.
pub fn trace(flow: &Flow, data: &[u8]) -> Trace {
    let mut reasm = [Reassembler::new(), Reassembler::new()];
    let mut tls = TlsParser::new();
    // Events by direction index, sides resolved at the end.
    let mut raw: Vec<(u64, u8, EventKind)> = Vec::new();
    let mut out: Vec<Delivery> = Vec::new();
    let mut seen_fin = [false, false];
    let mut seen_rst = [false, false];
    let mut seen_syn = false;
    let mut seen_synack = false;
    let mut syn_count = 0u32;
    let mut last_frame = flow.first_frame;
    let mut fin_at: Option<(u64, u8, Timestamp)> = None;
    let mut rst_at: Option<(u64, u8, Timestamp)> = None;

    let deliver = |d: usize, out: &mut Vec<Delivery>, tls: &mut TlsParser, raw: &mut Vec<(u64, u8, EventKind)>| {
        for del in out.drain(..) {
            match del {
                Delivery::Data { bytes, frame } => tls.feed(d, bytes, frame),
                Delivery::Gap { len, frame } => {
                    tls.gap(d);
                    raw.push((frame, d as u8, EventKind::Gap(len)));
                }
            }
        }
    };

    for s in &flow.segs {
        let d = s.dir as usize;
        last_frame = last_frame.max(s.frame);
        // TLS events of earlier segments go first, in the order they happened.
        // Moved, not copied: events carry the certificates.
        let take_tls = |tls: &mut TlsParser, raw: &mut Vec<(u64, u8, EventKind)>| {
            raw.extend(
                tls.events
                    .drain(..)
                    .map(|e| (e.frame, e.dir as u8, EventKind::Tls(e.msg))),
            );
        };
        if s.flags & SYN != 0 {
            if s.flags & ACK == 0 {
                syn_count += 1;
                if !seen_syn {
                    seen_syn = true;
                    raw.push((s.frame, s.dir, EventKind::Syn));
                }
            } else if !seen_synack {
                seen_synack = true;
                raw.push((s.frame, s.dir, EventKind::SynAck));
            }
            reasm[d].syn(s.seq);
        }
        if s.flags & ACK != 0 {
            reasm[1 - d].peer_acked(s.ack, s.frame, &mut out);
            deliver(1 - d, &mut out, &mut tls, &mut raw);
        }
        if s.len > 0 || s.missing > 0 {
            // Bulk data is bounded by the index cap (flow::MAX_INDEXED_PAYLOAD);
            // framing goes on so that alerts after the handshake are still seen.
            let seq = if s.flags & SYN != 0 {
                s.seq.wrapping_add(1)
            } else {
                s.seq
            };
            reasm[d].segment(seq, payload(data, s), s.missing, s.frame, &mut out);
            deliver(d, &mut out, &mut tls, &mut raw);
        }
        take_tls(&mut tls, &mut raw);
        if s.flags & FIN != 0 && !seen_fin[d] {
            seen_fin[d] = true;
            fin_at = fin_at.or(Some((s.frame, s.dir, s.ts)));
            let seq = if s.flags & SYN != 0 {
                s.seq.wrapping_add(1)
            } else {
                s.seq
            };
            reasm[d].fin(seq, s.len + s.missing);
            reasm[d].finish(s.frame, &mut out);
            deliver(d, &mut out, &mut tls, &mut raw);
            take_tls(&mut tls, &mut raw);
            raw.push((s.frame, s.dir, EventKind::Fin));
        }
        if s.flags & RST != 0 && !seen_rst[d] {
            seen_rst[d] = true;
            rst_at = rst_at.or(Some((s.frame, s.dir, s.ts)));
            reasm[d].finish(s.frame, &mut out);
            deliver(d, &mut out, &mut tls, &mut raw);
            take_tls(&mut tls, &mut raw);
            raw.push((s.frame, s.dir, EventKind::Rst));
        }
    }
    for (d, r) in reasm.iter_mut().enumerate() {
        r.finish(last_frame, &mut out);
        deliver(d, &mut out, &mut tls, &mut raw);
    }
    raw.extend(
        tls.events
            .drain(..)
            .map(|e| (e.frame, e.dir as u8, EventKind::Tls(e.msg))),
    );

    // Data held back by reassembly (delivered at a FIN or at the end, after a
    // gap) keeps the frame it came in: put every event in frame order, keeping
    // the order of events within a frame.
    raw.sort_by_key(|(frame, _, _)| *frame);
    let merged_gaps = bound_gaps(&mut raw);
    let cd = client_dir(flow, &raw);
    let side = |dir: u8| if dir == cd { Side::Client } else { Side::Server };
    let server_port = if cd == 0 { flow.b.port() } else { flow.a.port() };
    let events = raw
        .into_iter()
        .map(|(frame, dir, kind)| Event {
            frame,
            from: side(dir),
            kind,
        })
        .collect();
    let ec = if cd == 0 {
        tls.encrypted_counts
    } else {
        [tls.encrypted_counts[1], tls.encrypted_counts[0]]
    };
    let mark = |(frame, dir, ts): (u64, u8, Timestamp)| Mark {
        frame,
        from: side(dir),
        ts,
    };
    let data = |m: Option<DataMark>| m.map(|m| mark((m.frame, m.dir, m.ts)));
    let timing = Timing {
        start: flow.start,
        end: flow.end,
        data_tail: [data(flow.data_tail[0]), data(flow.data_tail[1])],
        data_before_close: data(flow.data_before_close),
        first_fin: fin_at.map(mark),
        first_rst: rst_at.map(mark),
    };
    Trace {
        events,
        syn_count,
        last_frame,
        client_bytes: flow.bytes[cd as usize],
        server_bytes: flow.bytes[1 - cd as usize],
        server_port,
        client_is_a: cd == 0,
        encrypted_counts: ec,
        events_not_listed: tls.events_not_listed + merged_gaps,
        timing,
    }
}

/// Gap events kept per direction; the bytes of later gaps are added to the last one kept.
const MAX_GAP_EVENTS: usize = 32;

/// Keeps the first `MAX_GAP_EVENTS` gaps of each direction (a capture that
/// lost every other segment must not make the report as long as the
/// capture); the bytes of the others are added to the last one kept, so
/// that the total missed stays right. Returns how many were merged.
fn bound_gaps(raw: &mut Vec<(u64, u8, EventKind)>) -> u64 {
    let mut kept = [0usize; 2];
    let mut last: [Option<usize>; 2] = [None, None];
    let mut merged = 0u64;
    let mut out: Vec<(u64, u8, EventKind)> = Vec::with_capacity(raw.len());
    for (frame, dir, kind) in raw.drain(..) {
        let d = (dir & 1) as usize;
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
