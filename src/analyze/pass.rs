//! The pass over the frames of a capture (or of one chunk of a stream):
//! on the caller's thread alone, or with a reading thread that analyses
//! its own share of the connections (worker 0) and hands each other TCP
//! segment to the worker thread that owns its connection.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, TrySendError, channel, sync_channel};

use crate::capture::{FrameReader, Pages, Timestamp};
use crate::packet::{self, TcpSegment};
use crate::report::ConnectionReport;

use super::order::Order;
use super::worker::Worker;
use super::{FirstPass, Progress};

/// Frames read between two looks at which connections are over.
const BATCH: usize = 4096;

/// Workers say what they judged every this many batches (and at the end):
/// each message wakes the thread that puts reports in order, a context
/// switch that costs a core its cache.
const GROUP: u64 = 8;

/// How many packets ahead a worker asks for a payload's first bytes.
const PREFETCH_AHEAD: usize = 12;

/// The state of a capture's pass that lives from chunk to chunk.
pub(super) struct Pass<'o, 's> {
    pub(super) first: FirstPass,
    pub(super) workers: Vec<Worker<'o>>,
    pub(super) order: Order<'s>,
    pub(super) progress: Progress<'o>,
    /// The capture's size, when known (0: a stream).
    pub(super) total: u64,
    /// A mapped capture's pages, mapped ahead and given back by a worker.
    pub(super) pages: Option<Pages<'o>>,
}

/// A TCP segment and its frame's number, time and the capture's clock then.
type Packet<'a> = (u64, (Timestamp, Timestamp), TcpSegment<'a>);

/// One worker's share of a batch of frames.
struct Batch<'a> {
    packets: Vec<Packet<'a>>,
    /// The last frame of the batch.
    upto: u64,
    /// The reading thread's offset in the capture after the batch.
    at: usize,
    nanos: bool,
    /// The capture ends with this batch.
    last: bool,
}

/// What a worker says after a batch: its number, the reports of the
/// connections that ended, the connections it started, its watermark.
type Judged = (usize, Vec<ConnectionReport>, Vec<u64>, u64);

/// Connections are spread over the workers in this many buckets of a
/// hash of their two endpoints.
const BUCKETS: usize = 4096;

/// The share of the buckets the reading thread's own worker takes when
/// there are two workers. The reading thread walks and decodes every
/// frame; the other worker maps the file's pages ahead of it and gives them
/// back behind (`capture::Pages`), and the reading thread maps them itself
/// while that worker is behind. How much the pages weigh depends on the page
/// cache: a file read into it lies in 2 MiB folios, mapped in a few steps;
/// a file written on this machine lies in 4 KiB pages, a third of a
/// thread's time to map. Measured (docs/performance.md) with
/// `benches/ab.py`: 0.52 is best on the 2 GB capture in either case and on
/// the capture of 300 000 short connections (0.60 was, with every page
/// mapped in 4 KiB and by worker 1 alone). With more workers its share
/// shrinks alike.
const LEAD_SHARE_OF_TWO: f64 = 0.52;

/// A segment's bucket: a hash of its two endpoints that is the same in both
/// directions, so that both go to the same worker.
fn bucket(seg: &TcpSegment) -> usize {
    fn end(ip: std::net::IpAddr, port: u16) -> u64 {
        let v = match ip {
            std::net::IpAddr::V4(a) => u32::from(a) as u64,
            std::net::IpAddr::V6(a) => {
                let x = u128::from(a);
                (x as u64) ^ ((x >> 64) as u64).rotate_left(17)
            }
        };
        (v ^ ((port as u64) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    let h = end(seg.src, seg.sport).wrapping_add(end(seg.dst, seg.dport));
    let h = (h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((h >> 32) % BUCKETS as u64) as usize
}

/// Which worker owns each bucket, with `n` workers: worker 0 (on the
/// reading thread) its share, the others the rest in turn.
fn owners(n: usize) -> Vec<u8> {
    let lead = ((BUCKETS as f64) * LEAD_SHARE_OF_TWO * 2.0 / n.max(2) as f64) as usize;
    let others = n.saturating_sub(1).clamp(1, 255);
    (0..BUCKETS)
        .map(|b| if b < lead { 0 } else { (1 + (b - lead) % others) as u8 })
        .collect()
}

impl Pass<'_, '_> {
    /// Reads the frames `reader` has (to its end, or to the end of its
    /// chunk); `last`: the capture ends there.
    pub(super) fn run(&mut self, reader: &mut FrameReader, last: bool) {
        if self.workers.len() <= 1 {
            self.run_alone(reader, last);
        } else {
            self.run_shared(reader, last);
        }
    }

    /// Everything on the caller's thread (--jobs 1, or a capture of a batch).
    fn run_alone(&mut self, reader: &mut FrameReader, last: bool) {
        let Some(w) = self.workers.first_mut() else {
            return;
        };
        let mut out = Vec::new();
        // A mapped file's pages are mapped ahead in large steps here too, so
        // that the reader's prefetch hints reach mapped pages, and given
        // back behind, so that a large file is never mapped whole.
        let mut pages = self.pages.take();
        if let Some(p) = pages.as_mut() {
            p.populate(FrameReader::position(reader));
        }
        while let Some(frame) = reader.next() {
            let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
            self.first
                .count(frame.number, frame.ts, frame.link_type, seg.as_ref().err().copied());
            if let Ok(seg) = seg {
                w.packet(frame.number, (frame.ts, self.first.clock), &seg);
            }
            w.seen(frame.number);
            if self.first.packets.is_multiple_of(BATCH as u64) {
                if let Some(p) = pages.as_mut() {
                    p.populate(FrameReader::position(reader));
                    p.release(FrameReader::position(reader));
                }
                w.judge(reader.nanosecond, &mut out);
                self.order.take(0, std::mem::take(&mut out), w.created(), w.watermark());
                if self.first.packets.is_multiple_of(16 * BATCH as u64) {
                    (self.progress)(FrameReader::position(reader) as u64, self.total);
                }
            }
        }
        if !last {
            w.judge(reader.nanosecond, &mut out);
            self.order.take(0, out, w.created(), w.watermark());
            return;
        }
        while let Some(mark) = w.finish_step(reader.nanosecond, &mut out) {
            self.order.take(0, std::mem::take(&mut out), w.created(), mark);
        }
    }

    /// The reading thread runs worker 0 on its share of the connections and
    /// hands the other packets to a thread per other worker; reports are
    /// put in order here.
    fn run_shared(&mut self, reader: &mut FrameReader, last: bool) {
        let n = self.workers.len();
        let pages = self.pages.take().map(Mutex::new);
        let (order, first, pages) = (&mut self.order, &mut self.first, pages.as_ref());
        let Some((lead, rest)) = self.workers.split_first_mut() else {
            return;
        };
        let reading = Reading {
            owners: owners(n),
            progress: self.progress,
            total: self.total,
            last,
            pages,
        };
        std::thread::scope(|scope| {
            // Bounded: when the report is written slower than connections end
            // (a slow disk or pipe, a heavy format), the workers and then the
            // reader wait, instead of reports piling up in memory.
            let (rtx, rrx) = sync_channel::<Judged>(2 * n);
            // Emptied batches go back to the reader: no fresh memory per batch.
            let (ptx, prx) = channel::<Vec<Packet>>();
            let mut txs = Vec::with_capacity(n);
            for (i, w) in rest.iter_mut().enumerate() {
                let (tx, rx) = sync_channel::<Batch>(4);
                txs.push(tx);
                let lines = (rtx.clone(), ptx.clone(), pages.filter(|_| i == 0));
                scope.spawn(move || work(i + 1, w, rx, lines));
            }
            drop(ptx);
            scope.spawn(move || reading.run(reader, first, lead, (&txs, prx, rtx)));
            for (i, reports, created, mark) in rrx {
                order.take(i, reports, created, mark);
            }
        });
    }
}

/// What the reading thread needs besides the reader and the workers.
struct Reading<'p> {
    /// The worker of each bucket.
    owners: Vec<u8>,
    progress: Progress<'p>,
    total: u64,
    /// The capture ends with this chunk.
    last: bool,
    /// A mapped capture's pages: worker 1 maps them ahead, and so does the
    /// reading thread while worker 1's batches wait for it.
    pages: Option<&'p Mutex<Pages<'p>>>,
}

/// The channels of the reading thread: a batch to each other worker, the
/// emptied batches back, its own worker's reports on.
type Lines<'t, 'a> = (
    &'t [SyncSender<Batch<'a>>],
    Receiver<Vec<Packet<'a>>>,
    SyncSender<Judged>,
);

impl Reading<'_> {
    /// Frames decoded; the packets of worker 0's buckets analysed here while
    /// they are in this core's cache, the others handed out.
    fn run<'a>(&self, reader: &mut FrameReader<'a>, p: &mut FirstPass, lead: &mut Worker, lines: Lines<'_, 'a>) {
        let (txs, pool, rtx) = lines;
        let n = txs.len();
        let new_shares = || {
            (0..n)
                .map(|_| pool.try_recv().unwrap_or_else(|_| Vec::with_capacity(2 * BATCH / n)))
                .collect::<Vec<_>>()
        };
        let mut shares: Vec<Vec<_>> = new_shares();
        let mut out = Vec::new();
        let mut batches = 0u64;
        while let Some(frame) = reader.next() {
            let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
            p.count(frame.number, frame.ts, frame.link_type, seg.as_ref().err().copied());
            if let Ok(seg) = seg {
                let times = (frame.ts, p.clock);
                match self.owners.get(bucket(&seg)).map(|o| *o as usize) {
                    Some(0) | None => lead.packet(frame.number, times, &seg),
                    Some(o) => shares[o - 1].push((frame.number, times, seg)),
                }
            }
            lead.seen(frame.number);
            if p.packets.is_multiple_of(BATCH as u64) {
                let batch = std::mem::replace(&mut shares, new_shares());
                let at = FrameReader::position(reader);
                self.send(txs, batch, (frame.number, at, reader.nanosecond, false));
                lead.judge(reader.nanosecond, &mut out);
                batches += 1;
                if batches.is_multiple_of(GROUP) {
                    let _ = rtx.send((0, std::mem::take(&mut out), lead.created(), lead.watermark()));
                }
                if p.packets.is_multiple_of(16 * BATCH as u64) {
                    (self.progress)(FrameReader::position(reader) as u64, self.total);
                }
            }
        }
        let at = FrameReader::position(reader);
        self.send(txs, shares, (lead.seen_upto(), at, reader.nanosecond, self.last));
        if !self.last {
            lead.judge(reader.nanosecond, &mut out);
            let _ = rtx.send((0, out, lead.created(), lead.watermark()));
            return;
        }
        while let Some(mark) = lead.finish_step(reader.nanosecond, &mut out) {
            if rtx.send((0, std::mem::take(&mut out), lead.created(), mark)).is_err() {
                return;
            }
        }
    }

    /// Hands each other worker its share of a batch: (the batch's last
    /// frame, the reading thread's offset, nanosecond times, the capture
    /// ends). While a worker's batches are full, the reading thread maps the
    /// pages ahead itself instead of waiting (the work worker 1 would
    /// otherwise do on top of its share): the load balances itself, whichever
    /// thread has the time.
    fn send<'a>(&self, txs: &[SyncSender<Batch<'a>>], shares: Vec<Vec<Packet<'a>>>, ends: (u64, usize, bool, bool)) {
        let (upto, at, nanos, last) = ends;
        for (tx, packets) in txs.iter().zip(shares) {
            let mut batch = Batch {
                packets,
                upto,
                at,
                nanos,
                last,
            };
            loop {
                match tx.try_send(batch) {
                    Err(TrySendError::Full(b)) if self.map_ahead(at) => batch = b,
                    // A worker gone means the run is ending anyway.
                    Err(TrySendError::Full(b)) => {
                        let _ = tx.send(b);
                        break;
                    }
                    Ok(()) | Err(TrySendError::Disconnected(_)) => break,
                }
            }
        }
    }

    /// One step of mapping the pages ahead of byte `at`, unless there is
    /// nothing to map or worker 1 is at it; false then.
    fn map_ahead(&self, at: usize) -> bool {
        let pages = self.pages.and_then(|p| p.try_lock().ok());
        pages.is_some_and(|mut p| p.populate_step(at))
    }
}

/// One worker thread: its share of each batch, then what ended goes to the
/// caller; the first of them maps the pages ahead of the reading thread and
/// gives back those all are past.
fn work<'a>(
    i: usize,
    w: &mut Worker,
    rx: Receiver<Batch<'a>>,
    (tx, pool, pages): (SyncSender<Judged>, Sender<Vec<Packet<'a>>>, Option<&Mutex<Pages>>),
) {
    // What was judged since the last message (every GROUP batches, as the
    // reading thread's own worker does, so that the batches of each
    // message are the same for all workers).
    let (mut out, mut batches, mut said) = (Vec::new(), 0u64, true);
    for mut b in rx {
        // (A poisoned lock means the reading thread panicked: the run is ending.)
        if let Some(mut p) = pages.and_then(|p| p.lock().ok()) {
            p.populate(b.at);
        }
        for (k, (number, times, seg)) in b.packets.iter().enumerate() {
            // The reading thread touched these bytes on another core: ask
            // for a later packet's first bytes now, so that they are here
            // when its turn comes, instead of waiting for each in turn.
            if let Some((_, _, later)) = b.packets.get(k + PREFETCH_AHEAD) {
                crate::prefetch::first_bytes(later.payload);
            }
            w.packet(*number, *times, seg);
        }
        b.packets.clear();
        let _ = pool.send(b.packets);
        if let Some(mut p) = pages.and_then(|p| p.lock().ok()) {
            p.release(b.at);
        }
        w.seen(b.upto);
        if b.last {
            while let Some(mark) = w.finish_step(b.nanos, &mut out) {
                if tx.send((i, std::mem::take(&mut out), w.created(), mark)).is_err() {
                    return;
                }
            }
            return;
        }
        w.judge(b.nanos, &mut out);
        batches += 1;
        said = batches.is_multiple_of(GROUP);
        if said
            && tx
                .send((i, std::mem::take(&mut out), w.created(), w.watermark()))
                .is_err()
        {
            return;
        }
    }
    // The chunk ended between two messages.
    if !said {
        let _ = tx.send((i, out, w.created(), w.watermark()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worker_owns_buckets_and_the_reading_thread_its_share() {
        for n in 2..=8 {
            let owners = owners(n);
            let mut counts = vec![0usize; n];
            for o in &owners {
                counts[*o as usize] += 1;
            }
            assert!(counts.iter().all(|c| *c > 0), "{n} workers: {counts:?}");
            let lead = (BUCKETS as f64 * LEAD_SHARE_OF_TWO * 2.0 / n as f64) as usize;
            assert_eq!(counts[0], lead, "{n} workers: {counts:?}");
            // The others share the rest evenly.
            let (least, most) = (counts[1..].iter().min(), counts[1..].iter().max());
            assert!(
                most.zip(least).is_some_and(|(m, l)| m - l <= 1),
                "{n} workers: {counts:?}"
            );
        }
        let two = owners(2);
        assert_eq!(two.iter().filter(|o| **o == 0).count(), BUCKETS * 52 / 100);
    }

    #[test]
    fn both_directions_of_a_connection_share_a_bucket() {
        let seg = |src: &str, sport, dst: &str, dport| TcpSegment {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            sport,
            dport,
            seq: 0,
            ack: 0,
            flags: 0,
            payload: &[],
            payload_offset: 0,
            missing: 0,
        };
        for (a, b) in [("10.0.0.1", "192.0.2.7"), ("2001:db8::1", "2001:db8::2")] {
            for port in [1u16, 443, 40000, 65535] {
                assert_eq!(bucket(&seg(a, port, b, 443)), bucket(&seg(b, 443, a, port)));
            }
        }
    }
}
