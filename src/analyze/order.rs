//! Reports to the sink, with their ids. Workers judge connections in the
//! order they end. Each connection's id (its rank by first frame) is known
//! once every worker has said which connections it started in the batches
//! of frames where it started (each message covers the same batches for
//! every worker). By first frame (json), a report is held
//! until no connection that started earlier is still open anywhere: what
//! is held is the reports of connections that ended while an older one is
//! open. In completion order (text, jsonl) a report goes out as soon as its
//! id is known: what is held is a message's worth (`pass::GROUP` batches).

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::report::{ConnectionReport, Summary};
use crate::vocabulary::Status;

/// Where the reports of a capture go, one by one, in first-frame order with
/// their `id` set.
pub trait ConnectionSink {
    fn connection(&mut self, c: ConnectionReport);

    /// The order the sink needs; first-frame order unless it says otherwise.
    fn order(&self) -> Emit {
        Emit::FirstFrame
    }
}

impl ConnectionSink for Vec<ConnectionReport> {
    fn connection(&mut self, c: ConnectionReport) {
        self.push(c);
    }
}

/// In which order reports go to the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// By first frame (json): a report waits until no connection that
    /// started before it is still open.
    FirstFrame,
    /// As soon as a report is final and its id known (text, jsonl): nothing
    /// waits for older connections to end.
    Completion,
}

pub(super) struct Order<'s> {
    emit: Emit,
    /// Reports waiting: for the watermark (by first frame), or for their id.
    /// Boxed: a report is over a kilobyte, and the map's nodes shift their
    /// values on every insertion.
    held: BTreeMap<u64, Box<ConnectionReport>>,
    /// Per worker: no report of a connection starting before it can come.
    marks: Vec<u64>,
    /// Per worker, per message (a group of batches): the first frames of
    /// the connections it started.
    created: Vec<VecDeque<Vec<u64>>>,
    /// Ids known of connections not reported yet (first frame to id).
    ids: HashMap<u64, u64, foldhash::fast::RandomState>,
    /// Connections given an id so far.
    ranked: u64,
    /// Connections emitted so far, left out by the filters or not.
    seen: u64,
    pub(super) summary: Summary,
    /// Connections captured in one direction only.
    pub(super) one_direction: u64,
    sink: &'s mut dyn ConnectionSink,
}

impl<'s> Order<'s> {
    pub(super) fn new(workers: usize, emit: Emit, sink: &'s mut dyn ConnectionSink) -> Self {
        Order {
            emit,
            held: BTreeMap::new(),
            marks: vec![0; workers],
            created: vec![VecDeque::new(); workers],
            ids: HashMap::default(),
            ranked: 0,
            seen: 0,
            summary: Summary::default(),
            one_direction: 0,
            sink,
        }
    }

    /// After a group of batches, from worker `w`: the reports of the
    /// connections that ended, the first frames of those it started, its
    /// new watermark.
    pub(super) fn take(&mut self, w: usize, reports: Vec<ConnectionReport>, created: Vec<u64>, mark: u64) {
        if let Some(q) = self.created.get_mut(w) {
            q.push_back(created);
        }
        self.rank();
        if let Some(m) = self.marks.get_mut(w) {
            *m = mark;
        }
        match self.emit {
            Emit::FirstFrame => {
                for r in reports {
                    self.held.insert(r.first_frame, Box::new(r));
                }
                let low = self.marks.iter().copied().min().unwrap_or(u64::MAX);
                while let Some(entry) = self.held.first_entry() {
                    if *entry.key() >= low {
                        break;
                    }
                    let r = entry.remove();
                    self.emit(*r);
                }
            }
            Emit::Completion => self.emit_known(reports),
        }
    }

    /// In completion order: the reports whose ids are known, these and the
    /// held ones, by first frame; the others held.
    fn emit_known(&mut self, reports: Vec<ConnectionReport>) {
        let mut ready: Vec<Option<ConnectionReport>> = Vec::with_capacity(reports.len());
        for r in reports {
            if self.ids.contains_key(&r.first_frame) {
                ready.push(Some(r));
            } else {
                self.held.insert(r.first_frame, Box::new(r));
            }
        }
        let known: Vec<u64> = self.held.keys().copied().filter(|f| self.ids.contains_key(f)).collect();
        for f in known {
            if let Some(r) = self.held.remove(&f) {
                ready.push(Some(*r));
            }
        }
        // Sorted by index, not moved: reports are large.
        let mut by_frame: Vec<(u64, usize)> = (ready.iter().enumerate())
            .filter_map(|(i, r)| r.as_ref().map(|r| (r.first_frame, i)))
            .collect();
        by_frame.sort_unstable();
        for (_, i) in by_frame {
            if let Some(r) = ready.get_mut(i).and_then(Option::take) {
                self.emit(r);
            }
        }
    }

    /// Once every worker has said which connections it started in a group
    /// of batches, they get their ids: their rank by first frame.
    fn rank(&mut self) {
        while self.created.iter().all(|q| !q.is_empty()) {
            let mut batch: Vec<u64> = self
                .created
                .iter_mut()
                .filter_map(|q| q.pop_front())
                .flatten()
                .collect();
            batch.sort_unstable();
            for f in batch {
                self.ranked += 1;
                self.ids.insert(f, self.ranked);
            }
        }
    }

    /// The end: whatever is held, in order.
    pub(super) fn finish(&mut self) {
        while let Some((_, r)) = self.held.pop_first() {
            self.emit(*r);
        }
    }

    fn emit(&mut self, mut r: ConnectionReport) {
        if r.left_out {
            self.ids.remove(&r.first_frame);
            self.seen += 1;
            *self.summary.filtered_out.get_or_insert(0) += 1;
            return;
        }
        self.seen += 1;
        if r.partial.is_some_and(|p| p.missing_side().is_some()) {
            self.one_direction += 1;
        }
        let s = &mut self.summary;
        s.connections += 1;
        // Every connection was ranked when it started; the count is the
        // rank when they come in first-frame order anyway.
        r.id = self.ids.remove(&r.first_frame).unwrap_or(self.seen);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::connection::Trace;
    use crate::diagnose::Verdict;
    use crate::report::build::{ConnectionFacts, connection};

    fn report(first_frame: u64) -> ConnectionReport {
        let verdict = Verdict {
            status: Status::Ok,
            failure: None,
            note: None,
            findings: Vec::new(),
            partial: None,
        };
        let start = Timestamp { secs: 100, nanos: 0 };
        connection(ConnectionFacts::bare(
            &Trace::default(),
            40000,
            first_frame,
            start,
            verdict,
        ))
    }

    /// The (id, first frame) of each report, as the sink got them.
    struct Got(Vec<(u64, u64)>);

    impl ConnectionSink for Got {
        fn connection(&mut self, c: ConnectionReport) {
            self.0.push((c.id, c.first_frame));
        }
    }

    #[test]
    fn in_completion_order_a_report_waits_for_its_id_only() {
        let mut got = Got(Vec::new());
        let mut o = Order::new(2, Emit::Completion, &mut got);
        // Worker 1 started frames 3 and 7 in the first batch, and 7 ended:
        // its id waits for what worker 0 started in that batch.
        o.take(1, vec![report(7)], vec![3, 7], 8);
        // Worker 0 started 1 and 5, both ended (5 first): the three go out
        // by first frame, with their ranks.
        o.take(0, vec![report(5), report(1)], vec![1, 5], 8);
        // In the next batch, 3 ends: its id is known, it goes out at once.
        o.take(1, vec![report(3)], Vec::new(), 9);
        o.finish();
        drop(o);
        assert_eq!(got.0, [(1, 1), (3, 5), (4, 7), (2, 3)]);
    }

    #[test]
    fn by_first_frame_a_report_waits_for_every_older_connection() {
        let mut got = Got(Vec::new());
        let mut o = Order::new(2, Emit::FirstFrame, &mut got);
        // Worker 1 still has 3 open, worker 0 still has 5.
        o.take(1, vec![report(7)], vec![3, 7], 3);
        o.take(0, vec![report(1)], vec![1, 5], 5);
        // 3 ends: everything before 5 may go.
        o.take(1, vec![report(3)], Vec::new(), 9);
        o.finish();
        drop(o);
        assert_eq!(got.0, [(1, 1), (2, 3), (4, 7)]);
    }
}
