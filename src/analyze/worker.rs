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

/// Connections judged per step at the end of a capture (`finish_step`).
const FINAL_STEP: usize = 1024;

pub(super) struct Worker<'o> {
    table: FlowTable<Tracer>,
    done: Vec<Open<Tracer>>,
    /// At the end of the capture: the connections still open, oldest last,
    /// in the boxes the table held them in (a connection is over a
    /// kilobyte: not moved twice, not held twice).
    #[allow(clippy::vec_box)]
    ending: Vec<Box<Open<Tracer>>>,
    /// The end of the capture has been handed on whole.
    finished: bool,
    opts: &'o Options,
    /// The last frame handed to this worker's share, or skipped past.
    seen_upto: u64,
}

impl<'o> Worker<'o> {
    pub(super) fn new(opts: &'o Options) -> Self {
        Worker {
            table: FlowTable::new(),
            done: Vec::new(),
            ending: Vec::new(),
            finished: false,
            opts,
            seen_upto: 0,
        }
    }

    /// One TCP segment of frame `number`, at `clock` (the capture's clock,
    /// the same for all workers: `flow::advance_clock`).
    pub(super) fn packet(&mut self, number: u64, (ts, clock): (Timestamp, Timestamp), seg: &TcpSegment) {
        let keylog = self.opts.keylog.as_ref().filter(|k| !k.is_empty());
        let filters = &self.opts.filters;
        self.table.add(number, (ts, clock), seg, &mut self.done, |open, s| {
            // A connection the filters cannot keep is never analysed, only
            // counted when it ends.
            if !filters.is_empty() && !filters.may_keep(open.flow.a, open.flow.b) {
                open.state.leave_out();
                return;
            }
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

    /// Judges the connections that are over and hands their reports to `out`.
    pub(super) fn judge(&mut self, nanos: bool, out: &mut Vec<ConnectionReport>) {
        self.table.expire(&mut self.done);
        out.reserve(self.done.len());
        for Open { flow, state } in self.done.drain(..) {
            out.push(analyze_flow(&flow, state, nanos, self.opts));
        }
    }

    /// The end of the capture, a step at a time: judges the oldest of the
    /// connections still open (at most `FINAL_STEP`) into `out` and returns
    /// the watermark after them: `u64::MAX` with the last step, none after
    /// it. Reports go on a step at a time, so that those of a capture that
    /// ends with many connections open are never all held at once.
    pub(super) fn finish_step(&mut self, nanos: bool, out: &mut Vec<ConnectionReport>) -> Option<u64> {
        if self.finished {
            return None;
        }
        if self.ending.is_empty() {
            self.ending = self.table.finish();
        }
        for Open { flow, state } in self.done.drain(..) {
            out.push(analyze_flow(&flow, state, nanos, self.opts));
        }
        for _ in 0..FINAL_STEP {
            let Some(open) = self.ending.pop() else {
                break;
            };
            let Open { flow, state } = *open;
            out.push(analyze_flow(&flow, state, nanos, self.opts));
        }
        let mark = self.ending.last().map_or(u64::MAX, |o| o.flow.first_frame);
        self.finished = mark == u64::MAX;
        Some(mark)
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
