//! Reports in first-frame order: workers judge connections in the order
//! they end; this holds each report until no connection that started
//! earlier is still open anywhere, then numbers it and hands it on. What
//! it holds is the reports of connections that ended while an older one
//! is still open, nothing more.

use std::collections::BTreeMap;

use crate::report::{ConnectionReport, Summary};
use crate::vocabulary::Status;

/// Where the reports of a capture go, one by one, in first-frame order with
/// their `id` set.
pub trait ConnectionSink {
    fn connection(&mut self, c: ConnectionReport);
}

impl ConnectionSink for Vec<ConnectionReport> {
    fn connection(&mut self, c: ConnectionReport) {
        self.push(c);
    }
}

pub(super) struct Order<'s> {
    held: BTreeMap<u64, ConnectionReport>,
    /// Per worker: no report of a connection starting before it can come.
    marks: Vec<u64>,
    pub(super) summary: Summary,
    sink: &'s mut dyn ConnectionSink,
}

impl<'s> Order<'s> {
    pub(super) fn new(workers: usize, sink: &'s mut dyn ConnectionSink) -> Self {
        Order {
            held: BTreeMap::new(),
            marks: vec![0; workers],
            summary: Summary::default(),
            sink,
        }
    }

    /// Reports from worker `w`, and its new watermark.
    pub(super) fn take(&mut self, w: usize, reports: Vec<ConnectionReport>, mark: u64) {
        for r in reports {
            self.held.insert(r.first_frame, r);
        }
        if let Some(m) = self.marks.get_mut(w) {
            *m = mark;
        }
        let low = self.marks.iter().copied().min().unwrap_or(u64::MAX);
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() >= low {
                break;
            }
            let r = entry.remove();
            self.emit(r);
        }
    }

    /// The end: whatever is held, in order.
    pub(super) fn finish(&mut self) {
        while let Some((_, r)) = self.held.pop_first() {
            self.emit(r);
        }
    }

    fn emit(&mut self, mut r: ConnectionReport) {
        let s = &mut self.summary;
        s.connections += 1;
        r.id = s.connections;
        match r.status {
            Status::Ok => s.ok += 1,
            Status::Failed => s.failed += 1,
            Status::Incomplete => s.incomplete += 1,
            Status::NotTls => s.not_tls += 1,
            Status::NoConnection => s.no_connection += 1,
        }
        self.sink.connection(r);
    }
}
