//! The engine for one capture, streaming: frames are read and decoded,
//! each TCP segment goes to the worker that owns its connection, a
//! connection is judged as soon as it is over, and the reports come out in
//! first-frame order. Memory follows the connections open at once.
//!
//! With one worker everything runs on the caller's thread. With more, one
//! thread reads and decodes; the connections are spread over the workers
//! by a symmetric hash of their addresses (both directions go to the same
//! worker). The reading thread runs worker 0 on its packets while they
//! are in its cache, and hands the others out; each worker owns its
//! connections, and the caller's thread puts the reports in order
//! (`order`) and writes them. Worker 1 also maps a mapped file's pages
//! ahead of the reading thread (as does the reading thread while worker
//! 1 is behind) and gives them back behind it; with one worker, the
//! reading thread does that itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::capture::{CaptureFile, FrameReader, Timestamp};
use crate::chain::Chains;
use crate::packet::{self, Skip};
use crate::report::*;
use crate::timefmt;

mod connection;
mod order;
mod pass;
mod stream;
mod worker;

use order::Order;
pub use order::{ConnectionSink, Emit};
use pass::Pass;
use worker::Worker;

/// Settings of a run that the analysis needs.
#[derive(Clone)]
pub struct Options {
    pub chains: Arc<Chains>,
    /// Validate certificates at this time (Unix seconds) instead of the capture's.
    pub at: Option<i64>,
    /// The host the client meant, for the name checks of connections whose
    /// ClientHello carries no SNI (`--host`).
    pub host: Option<String>,
    /// Session secrets (`--keylog`, and the capture's secrets blocks) to
    /// decrypt TLS 1.3 handshakes.
    pub keylog: Option<Arc<crate::keylog::KeyLog>>,
    /// The connections reported (`--sni`, `--server`, `--client`, `--port`).
    pub filters: crate::filter::Filters,
    /// The run's trust stores and export directory, for fixes' commands.
    pub stores: crate::fix::Stores,
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
    /// The capture's clock: how much capture time has passed, each frame
    /// moving it by at most `flow::MAX_CLOCK_STEP_NANOS` and never back, so
    /// that no single frame dated ahead expires other connections.
    clock: Timestamp,
    malformed: u64,
    first_malformed: u64,
    fragments: u64,
    /// Link type to (packets, first frame).
    unsupported: BTreeMap<u32, (u64, u64)>,
    /// Packets of connections beyond the limit of those open at once.
    over_limit: u64,
    /// Packets of connections already judged (after their linger and the
    /// time their key is remembered), set aside.
    late: u64,
    /// Connections seen in one direction only.
    one_direction: u64,
}

impl FirstPass {
    /// Counts a frame, and why it has no TCP segment to analyse (`skip`).
    /// (The segment itself stays where it was decoded: a hundred bytes
    /// moved in and out here for every frame showed in the reading
    /// thread's profile.)
    fn count(&mut self, number: u64, ts: Timestamp, link: u32, skip: Option<Skip>) {
        self.packets += 1;
        self.first = self.first.or(Some(ts));
        self.clock = crate::flow::advance_clock(self.clock, self.last, ts);
        self.last = Some(ts);
        match skip {
            None | Some(Skip::NotTcp) => {}
            Some(Skip::Fragment) => self.fragments += 1,
            Some(Skip::Malformed) => {
                if self.malformed == 0 {
                    self.first_malformed = number;
                }
                self.malformed += 1;
            }
            Some(Skip::UnsupportedLink) => {
                self.unsupported.entry(link).or_insert((0, number)).0 += 1;
            }
        }
    }
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
    analyze_with(cf, opts, progress, (workers, stream::CHUNK), sink)
}

/// Analyses a capture read as a stream in chunks of `chunk` bytes (tests:
/// records cut at every place must read as in one piece).
#[doc(hidden)]
pub fn analyze_in_chunks(cf: &CaptureFile, opts: &Options, workers: usize, chunk: usize) -> CaptureReport {
    let mut conns: Vec<ConnectionReport> = Vec::new();
    let mut rep = analyze_with(cf, opts, &|_, _| {}, (workers, chunk.max(1)), &mut conns);
    rep.connections = conns;
    rep
}

fn analyze_with(
    cf: &CaptureFile,
    opts: &Options,
    progress: Progress,
    (workers, chunk): (usize, usize),
    sink: &mut dyn ConnectionSink,
) -> CaptureReport {
    // The capture's own key log over the run's: the secrets blocks of one
    // capture of a batch never reach another (they did, in the order the
    // batch's threads happened to run). Without a run's log, secrets
    // blocks are not read, as before.
    let opts = &Options {
        keylog: (opts.keylog.as_ref()).map(|k| Arc::new(crate::keylog::KeyLog::over(Some(k.clone())))),
        ..opts.clone()
    };
    let mut rep = CaptureReport {
        path: cf.display_path.clone(),
        ..CaptureReport::default()
    };
    let mut pass = Pass {
        first: FirstPass::default(),
        workers: (0..workers.max(1)).map(|_| Worker::new(opts)).collect(),
        order: Order::new(workers.max(1), sink.order(), sink),
        progress,
        total: 0,
        pages: cf.pages(),
    };
    let reader = match cf.whole() {
        Some(data) => {
            rep.bytes = data.len() as u64;
            pass.total = rep.bytes;
            match FrameReader::new(data, &cf.display_path) {
                Ok(mut r) => {
                    r.keylog = opts.keylog.clone();
                    pass.run(&mut r, true);
                    Some(r.next_chunk(&[], false))
                }
                Err(e) => {
                    rep.error = Some(e.to_string());
                    None
                }
            }
        }
        None => stream::read_stream(cf, (&mut pass, opts), &mut rep, chunk),
    };
    let Some(reader) = reader else {
        return rep;
    };
    pass.order.finish();
    rep.summary = pass.order.summary;
    if !opts.filters.is_empty() {
        rep.summary.filtered_out.get_or_insert(0);
    }
    pass.first.over_limit = pass.workers.iter().map(Worker::packets_over_limit).sum();
    pass.first.late = pass.workers.iter().map(Worker::late_packets).sum();
    pass.first.one_direction = pass.order.one_direction;
    describe_capture(&mut rep, &reader, &pass.first);
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
    if reader.interfaces_over_limit > 0 {
        rep.warnings.push(format!(
            "{} pcapng interface blocks beyond the {} kept per section: {} packets on those interfaces were skipped",
            reader.interfaces_over_limit,
            crate::capture::MAX_INTERFACES,
            reader.packets_over_interface_limit
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
    if p.one_direction > 0 {
        rep.warnings.push(format!(
            "{} connection{} captured in one direction only (asymmetric routing, or a capture filter on one address or direction): reported incomplete",
            p.one_direction,
            if p.one_direction == 1 { " was" } else { "s were" }
        ));
    }
    if p.late > 0 {
        rep.warnings.push(format!(
            "{} packets came after their connection had been judged (it had closed, or had been silent for {} s, before them) and were set aside",
            p.late,
            crate::flow::QUIET_SECS
        ));
    }
}
