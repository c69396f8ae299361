//! The engine for one capture, streaming: frames are read and decoded,
//! each TCP segment goes to the worker that owns its connection, a
//! connection is judged as soon as it is over, and the reports come out in
//! first-frame order. Memory follows the connections open at once.
//!
//! With one worker everything runs on the caller's thread. With more, one
//! thread reads and decodes and hands packets out by a symmetric hash of
//! their addresses (both directions go to the same worker), each worker
//! owns its connections, and the caller's thread puts the reports in order
//! (`order`) and writes them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, channel, sync_channel};

use crate::capture::{CaptureFile, FrameReader, Timestamp};
use crate::chain::Chains;
use crate::packet::{self, Skip, TcpSegment};
use crate::report::*;
use crate::timefmt;

mod connection;
mod order;
mod worker;

pub use order::ConnectionSink;
use order::Order;
use worker::Worker;

/// Settings of a run that the analysis needs.
#[derive(Clone)]
pub struct Options {
    pub chains: Arc<Chains>,
    /// Validate certificates at this time (Unix seconds) instead of the capture's.
    pub at: Option<i64>,
    /// The host the client meant, overriding the SNI for name checks.
    pub host: Option<String>,
}

/// Analyses one opened capture; the report holds every connection.
pub fn analyze_capture(cf: &CaptureFile, opts: &Options) -> CaptureReport {
    analyze_capture_with_progress(cf, opts, &|_, _| {})
}

/// Reports progress of the pass over the file: (bytes read, bytes in all).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// What the pass over the frames counted besides the connections.
#[derive(Default)]
struct FirstPass {
    packets: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    malformed: u64,
    first_malformed: u64,
    fragments: u64,
    /// Link type to (packets, first frame).
    unsupported: BTreeMap<u32, (u64, u64)>,
    /// Packets of connections beyond the limit of those open at once.
    over_limit: u64,
}

impl FirstPass {
    /// Counts a frame; its TCP segment, if it has one to analyse.
    fn count<'a>(
        &mut self,
        number: u64,
        ts: Timestamp,
        link: u32,
        seg: Result<TcpSegment<'a>, Skip>,
    ) -> Option<TcpSegment<'a>> {
        self.packets += 1;
        self.first = self.first.or(Some(ts));
        self.last = Some(ts);
        match seg {
            Ok(seg) => return Some(seg),
            Err(Skip::NotTcp) => {}
            Err(Skip::Fragment) => self.fragments += 1,
            Err(Skip::Malformed) => {
                if self.malformed == 0 {
                    self.first_malformed = number;
                }
                self.malformed += 1;
            }
            Err(Skip::UnsupportedLink) => {
                self.unsupported.entry(link).or_insert((0, number)).0 += 1;
            }
        }
        None
    }
}

/// Frames read between two looks at which connections are over.
const BATCH: usize = 4096;

/// One worker's share of a batch of frames.
struct Batch<'a> {
    packets: Vec<(u64, Timestamp, TcpSegment<'a>)>,
    /// The last frame of the batch.
    upto: u64,
    nanos: bool,
    /// The capture ends with this batch.
    last: bool,
}

/// The worker that owns a segment's connection: a hash of its two
/// endpoints that is the same in both directions.
fn shard(seg: &TcpSegment, n: usize) -> usize {
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
    ((h >> 32) % n as u64) as usize
}

/// The pass on the caller's thread alone (--jobs 1, or a capture of a batch).
fn run_alone(reader: &mut FrameReader, total: u64, progress: Progress, opts: &Options, order: &mut Order) -> FirstPass {
    let mut p = FirstPass::default();
    let mut w = Worker::new(opts);
    let mut out = Vec::new();
    while let Some(frame) = reader.next() {
        let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
        if let Some(seg) = p.count(frame.number, frame.ts, frame.link_type, seg) {
            w.packet(frame.number, frame.ts, &seg);
        }
        w.seen(frame.number);
        if p.packets.is_multiple_of(BATCH as u64) {
            w.judge(false, reader.nanosecond, &mut out);
            order.take(0, std::mem::take(&mut out), w.watermark());
            if p.packets.is_multiple_of(16 * BATCH as u64) {
                progress(FrameReader::position(reader) as u64, total);
            }
        }
    }
    w.judge(true, reader.nanosecond, &mut out);
    order.take(0, out, u64::MAX);
    p.over_limit = w.packets_over_limit();
    p
}

/// The reading thread: frames decoded and handed out to the workers.
fn read_and_share<'a>(
    reader: &mut FrameReader<'a>,
    total: u64,
    progress: Progress,
    txs: &[SyncSender<Batch<'a>>],
) -> FirstPass {
    let n = txs.len();
    let mut p = FirstPass::default();
    let new_shares = || (0..n).map(|_| Vec::with_capacity(2 * BATCH / n)).collect::<Vec<_>>();
    let mut shares: Vec<Vec<_>> = new_shares();
    let mut upto = 0;
    let send = |shares: Vec<Vec<_>>, upto: u64, nanos: bool, last: bool| {
        for (tx, packets) in txs.iter().zip(shares) {
            // A worker gone means the run is ending anyway.
            let _ = tx.send(Batch {
                packets,
                upto,
                nanos,
                last,
            });
        }
    };
    while let Some(frame) = reader.next() {
        let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
        upto = frame.number;
        if let Some(seg) = p.count(frame.number, frame.ts, frame.link_type, seg) {
            shares[shard(&seg, n)].push((frame.number, frame.ts, seg));
        }
        if p.packets.is_multiple_of(BATCH as u64) {
            send(
                std::mem::replace(&mut shares, new_shares()),
                upto,
                reader.nanosecond,
                false,
            );
            if p.packets.is_multiple_of(16 * BATCH as u64) {
                progress(FrameReader::position(reader) as u64, total);
            }
        }
    }
    send(shares, upto, reader.nanosecond, true);
    p
}

/// One worker thread: its share of each batch, then what ended goes to the caller.
fn work(i: usize, opts: &Options, rx: std::sync::mpsc::Receiver<Batch>, tx: std::sync::mpsc::Sender<Judged>) -> u64 {
    let mut w = Worker::new(opts);
    for b in rx {
        for (number, ts, seg) in &b.packets {
            w.packet(*number, *ts, seg);
        }
        w.seen(b.upto);
        let mut out = Vec::new();
        w.judge(b.last, b.nanos, &mut out);
        let mark = if b.last { u64::MAX } else { w.watermark() };
        if tx.send((i, out, mark)).is_err() {
            break;
        }
    }
    w.packets_over_limit()
}

/// A worker's reports and its watermark.
type Judged = (usize, Vec<ConnectionReport>, u64);

/// The pass with `n` workers on their own threads (see the module's text).
fn run_shared(
    reader: &mut FrameReader,
    total: u64,
    progress: Progress,
    opts: &Options,
    order: &mut Order,
    n: usize,
) -> FirstPass {
    std::thread::scope(|scope| {
        let (rtx, rrx) = channel::<Judged>();
        let mut txs = Vec::with_capacity(n);
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = sync_channel::<Batch>(4);
            txs.push(tx);
            let rtx = rtx.clone();
            workers.push(scope.spawn(move || work(i, opts, rx, rtx)));
        }
        drop(rtx);
        let reading = scope.spawn(move || read_and_share(reader, total, progress, &txs));
        for (i, reports, mark) in rrx {
            order.take(i, reports, mark);
        }
        let mut p = reading.join().unwrap_or_default();
        p.over_limit = workers.into_iter().map(|h| h.join().unwrap_or(0)).sum();
        p
    })
}

/// Analyses one opened capture, calling `progress` now and then while reading it.
pub fn analyze_capture_with_progress(cf: &CaptureFile, opts: &Options, progress: Progress) -> CaptureReport {
    let mut conns: Vec<ConnectionReport> = Vec::new();
    let mut rep = analyze_into(cf, opts, progress, rayon::current_num_threads(), &mut conns);
    rep.connections = conns;
    rep
}

/// Analyses one opened capture with `workers` threads (1: on this one),
/// handing each connection's report to `sink` as soon as it is final, in
/// first-frame order. The report returned has every field but the
/// connections.
pub fn analyze_into(
    cf: &CaptureFile,
    opts: &Options,
    progress: Progress,
    workers: usize,
    sink: &mut dyn ConnectionSink,
) -> CaptureReport {
    let mut rep = CaptureReport {
        path: cf.display_path.clone(),
        bytes: cf.data().len() as u64,
        ..CaptureReport::default()
    };
    let mut reader = match cf.frames() {
        Ok(r) => r,
        Err(e) => {
            rep.error = Some(e.to_string());
            return rep;
        }
    };
    let total = cf.data().len() as u64;
    let workers = workers.max(1);
    let mut order = Order::new(workers, sink);
    let pass = if workers == 1 {
        run_alone(&mut reader, total, progress, opts, &mut order)
    } else {
        run_shared(&mut reader, total, progress, opts, &mut order, workers)
    };
    order.finish();
    rep.summary = order.summary;
    describe_capture(&mut rep, &reader, &pass);
    rep
}
/// The capture's facts and warnings from the first pass.
fn describe_capture(rep: &mut CaptureReport, reader: &FrameReader, p: &FirstPass) {
    rep.format = Some(reader.format().name().to_string());
    rep.link_types = reader.link_types.iter().map(|l| packet::linktype_name(*l)).collect();
    rep.packets = p.packets;
    let nanos = reader.nanosecond;
    rep.first_packet = p.first.map(|t| timefmt::timestamp(t, nanos));
    rep.last_packet = p.last.map(|t| timefmt::timestamp(t, nanos));
    if let Some(d) = &reader.damage {
        rep.read_stopped_early = true;
        if p.packets == 0 {
            // Nothing could be read: an error for this input, never a clean empty capture.
            rep.error = Some(format!("{}: no packet could be read: {d}", rep.path));
        } else {
            rep.warnings.push(format!("reading stopped early: {d}"));
        }
    }
    rep.warnings.extend(reader.notes.iter().take(20).cloned());
    if reader.notes.len() > 20 {
        rep.warnings
            .push(format!("{} more notes about damaged blocks", reader.notes.len() - 20));
    }
    if reader.snapped > 0 {
        rep.warnings.push(format!(
            "snap length{}: {} packets cut, TLS payloads may be missing",
            reader.min_snaplen.map(|s| format!(" {s}")).unwrap_or_default(),
            reader.snapped
        ));
    }
    for (lt, (n, fr)) in &p.unsupported {
        rep.warnings.push(format!(
            "{n} packets of unsupported link type {} (first: frame {fr}) were skipped",
            packet::linktype_name(*lt)
        ));
    }
    if p.malformed > 0 {
        rep.warnings.push(format!(
            "{} packets with damaged or truncated headers were skipped (first: frame {})",
            p.malformed, p.first_malformed
        ));
    }
    if p.fragments > 0 {
        rep.warnings
            .push(format!("{} IP fragments were skipped (not reassembled)", p.fragments));
    }
    if p.over_limit > 0 {
        rep.warnings.push(format!(
            "more than {} TCP connections open at once: {} packets of further connections were not analysed",
            crate::flow::MAX_OPEN_CONNECTIONS,
            p.over_limit
        ));
    }
}
