//! A worker: the open connections of a capture (or of its share of one),
//! fed packet by packet; the connections that end are judged at once and
//! their reports handed on, so that nothing of them is kept.

use crate::capture::Timestamp;
use crate::connection::Tracer;
use crate::flow::{FlowTable, Open};
use crate::packet::TcpSegment;
use crate::report::ConnectionReport;

use super::Options;
use super::connection::analyze_flow;

pub(super) struct Worker<'o> {
    table: FlowTable<Tracer>,
    done: Vec<Open<Tracer>>,
    opts: &'o Options,
    /// The last frame handed to this worker's share, or skipped past.
    seen_upto: u64,
}

impl<'o> Worker<'o> {
    pub(super) fn new(opts: &'o Options) -> Self {
        Worker {
            table: FlowTable::new(),
            done: Vec::new(),
            opts,
            seen_upto: 0,
        }
    }

    /// One TCP segment of frame `number`, at `clock` (the capture's clock,
    /// the same for all workers: `flow::advance_clock`).
    pub(super) fn packet(&mut self, number: u64, (ts, clock): (Timestamp, Timestamp), seg: &TcpSegment) {
        let keylog = self.opts.keylog.as_ref().filter(|k| !k.is_empty());
        self.table.add(number, (ts, clock), seg, &mut self.done, |open, s| {
            if let Some(k) = keylog {
                open.state.set_keylog(k);
            }
            open.state.segment(&s);
        });
        self.seen_upto = number;
    }

    /// Every frame up to `number` has been handed out.
    pub(super) fn seen(&mut self, number: u64) {
        self.seen_upto = self.seen_upto.max(number);
    }

    /// The last frame handed to this worker or skipped past.
    pub(super) fn seen_upto(&self) -> u64 {
        self.seen_upto
    }

    /// Judges the connections that are over (`all`: the capture ended) and
    /// hands their reports to `out`.
    pub(super) fn judge(&mut self, all: bool, nanos: bool, out: &mut Vec<ConnectionReport>) {
        if all {
            self.table.finish(&mut self.done);
        } else {
            self.table.expire(&mut self.done);
        }
        out.reserve(self.done.len());
        for Open { flow, state } in self.done.drain(..) {
            out.push(analyze_flow(&flow, state, nanos, self.opts));
        }
    }

    /// The first frames of the connections started since the last call.
    pub(super) fn created(&mut self) -> Vec<u64> {
        self.table.take_created()
    }

    /// No report of a connection starting before this frame can come any more.
    pub(super) fn watermark(&self) -> u64 {
        self.table
            .oldest_open()
            .unwrap_or(self.seen_upto.saturating_add(1))
            .min(self.seen_upto.saturating_add(1))
    }

    pub(super) fn packets_over_limit(&self) -> u64 {
        self.table.packets_over_limit
    }

    /// Packets of connections already judged, set aside.
    pub(super) fn late_packets(&self) -> u64 {
        self.table.late_packets
    }
}
