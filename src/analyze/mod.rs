//! The pipeline for one capture: frames to connections (sequential, one pass
//! over the file), then each connection analysed on its own (in parallel):
//! trace, chain, verdict, report entry.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::capture::{CaptureFile, Frame, FrameReader, Timestamp};
use crate::chain::Chains;
use crate::diagnose::Status;
use crate::flow::{Flow, FlowTable};
use crate::packet::{self, Skip, TcpSegment};
use crate::report::*;
use crate::timefmt;

mod connection;

/// Connections listed in full per capture; the others are counted only.
pub const MAX_LISTED_CONNECTIONS: usize = 200_000;

enum Outcome {
    Listed(Box<ConnectionReport>),
    Counted(Status),
}

/// Settings of a run that the analysis needs.
#[derive(Clone)]
pub struct Options {
    pub chains: Arc<Chains>,
    /// Validate certificates at this time (Unix seconds) instead of the capture's.
    pub at: Option<i64>,
    /// The host the client meant, overriding the SNI for name checks.
    pub host: Option<String>,
}

/// Analyses one opened capture.
pub fn analyze_capture(cf: &CaptureFile, opts: &Options) -> CaptureReport {
    analyze_capture_with_progress(cf, opts, &|_, _| {})
}

/// Reports progress of the pass over the file: (bytes read, bytes in all).
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// What the first pass over the frames counted besides the connections.
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
}

/// Frames handed from the reading thread to the indexing one at a time.
const BATCH: usize = 4096;

/// A frame and what decoding it gave.
type Decoded<'a> = (Frame<'a>, Result<TcpSegment<'a>, Skip>);

/// The first pass: every frame decoded down to TCP and indexed by
/// connection. With more than one worker, reading and decoding run on one
/// thread and indexing (in frame order, so the result is the same as one
/// thread's) on the caller's: two cores share the pass.
fn read_frames(reader: &mut FrameReader, total: u64, progress: Progress) -> (FlowTable, FirstPass) {
    let mut table = FlowTable::new();
    let mut p = FirstPass::default();
    if rayon::current_num_threads() <= 1 {
        // --jobs 1: one thread for everything.
        for frame in reader.by_ref() {
            let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
            index_frame(&mut table, &mut p, &frame, seg);
            if p.packets.is_multiple_of(65_536) {
                progress(frame.offset as u64, total);
            }
        }
        return (table, p);
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Decoded>>(8);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for frame in reader.by_ref() {
                let seg = packet::decode(frame.link_type, frame.data, frame.orig_len);
                batch.push((frame, seg));
                if batch.len() == BATCH
                    && tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                {
                    return;
                }
            }
            let _ = tx.send(batch);
        });
        for batch in rx {
            for (frame, seg) in batch {
                index_frame(&mut table, &mut p, &frame, seg);
                if p.packets.is_multiple_of(65_536) {
                    progress(frame.offset as u64, total);
                }
            }
        }
    });
    (table, p)
}

/// One decoded frame into the flow table and the first pass's counts.
fn index_frame(table: &mut FlowTable, p: &mut FirstPass, frame: &Frame, seg: Result<TcpSegment, Skip>) {
    p.packets += 1;
    p.first = p.first.or(Some(frame.ts));
    p.last = Some(frame.ts);
    match seg {
        Ok(seg) => table.add(frame.number, frame.ts, &seg, frame.offset + seg.payload_offset),
        Err(Skip::NotTcp) => {}
        Err(Skip::Fragment) => p.fragments += 1,
        Err(Skip::Malformed) => {
            if p.malformed == 0 {
                p.first_malformed = frame.number;
            }
            p.malformed += 1;
        }
        Err(Skip::UnsupportedLink) => {
            let e = p.unsupported.entry(frame.link_type).or_insert((0, frame.number));
            e.0 += 1;
        }
    }
}

/// The capture's facts and warnings from the first pass.
fn describe_capture(rep: &mut CaptureReport, reader: &FrameReader, p: &FirstPass, table: &FlowTable) {
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
    if table.dropped_connections > 0 {
        rep.warnings.push(format!(
            "more than {} TCP connections: {} more were not analysed",
            crate::flow::MAX_CONNECTIONS,
            table.dropped_connections
        ));
    }
}

/// The second pass: every connection analysed on its own, in parallel, and
/// counted; the first MAX_LISTED_CONNECTIONS are kept in full, so that a
/// flood (a SYN scan) cannot make the report unbounded.
fn analyze_flows(rep: &mut CaptureReport, flows: Vec<Flow>, data: &[u8], nanos: bool, opts: &Options) {
    let outcomes: Vec<Outcome> = flows
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let r = connection::analyze_flow(f, data, nanos, opts);
            if i < MAX_LISTED_CONNECTIONS {
                Outcome::Listed(Box::new(r))
            } else {
                Outcome::Counted(r.status)
            }
        })
        .collect();
    let mut s = Summary::default();
    let mut conns = Vec::with_capacity(outcomes.len().min(MAX_LISTED_CONNECTIONS));
    for (i, o) in outcomes.into_iter().enumerate() {
        let status = match o {
            Outcome::Listed(mut c) => {
                c.id = i as u64 + 1;
                let st = c.status;
                conns.push(*c);
                st
            }
            Outcome::Counted(st) => st,
        };
        s.connections += 1;
        match status {
            Status::Ok => s.ok += 1,
            Status::Failed => s.failed += 1,
            Status::Incomplete => s.incomplete += 1,
            Status::NotTls => s.not_tls += 1,
            Status::NoConnection => s.no_connection += 1,
        }
    }
    if s.connections as usize > MAX_LISTED_CONNECTIONS {
        rep.warnings.push(format!(
            "{} TCP connections: all are counted in the summary, the first {} are listed",
            s.connections, MAX_LISTED_CONNECTIONS
        ));
    }
    rep.summary = s;
    rep.connections = conns;
}

/// Analyses one opened capture, calling `progress` now and then while reading it.
pub fn analyze_capture_with_progress(cf: &CaptureFile, opts: &Options, progress: Progress) -> CaptureReport {
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
    let data = cf.data();
    let (table, pass) = read_frames(&mut reader, data.len() as u64, progress);
    describe_capture(&mut rep, &reader, &pass, &table);
    analyze_flows(&mut rep, table.into_flows(), data, reader.nanosecond, opts);
    rep
}
