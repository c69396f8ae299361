//! Standard input and gzip as streams: a reading thread takes blocks from
//! the stream (gunzipping them) while the pass analyses the chunk before;
//! a record cut by the end of a chunk waits for the next one, the frame
//! reader's state carrying over.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::capture::{CaptureFile, FrameReader};
use crate::report::CaptureReport;

use super::pass::Pass;

/// Bytes of a stream read at a time (a record cut at the end waits for the next).
pub(super) const CHUNK: usize = 4 << 20;

/// Room left in front of each block for the end of the chunk before it (a
/// record cut by the chunk's end), so that the next chunk is the block
/// itself with that record copied in front: the block's bytes are not
/// copied again. A longer remainder (a record over 256 KiB) is copied the
/// other way round, the block after it.
const HEAD: usize = 256 << 10;

/// The room in front of blocks of `chunk` bytes: never more than a chunk,
/// so that the tests' tiny chunks take both ways.
fn head(chunk: usize) -> usize {
    chunk.min(HEAD)
}

/// The blocks a reading thread takes from a stream (each with `head` bytes
/// of room in front), and the bytes so far: reading (and gunzipping) one
/// block overlaps the analysis of the last.
struct Feed {
    rx: Receiver<std::io::Result<Vec<u8>>>,
    read: u64,
    head: usize,
}

/// The reading thread: blocks of `chunk` bytes until the end or an error.
fn produce(mut r: Box<dyn Read + Send>, chunk: usize, tx: SyncSender<std::io::Result<Vec<u8>>>) {
    let head = head(chunk);
    loop {
        let mut block = Vec::with_capacity(head + chunk);
        block.resize(head, 0);
        match (&mut r).take(chunk as u64).read_to_end(&mut block) {
            Ok(0) => return,
            Ok(_) => {
                if tx.send(Ok(block)).is_err() {
                    return;
                }
            }
            Err(e) => {
                // What was read before the damage is analysed first.
                if block.len() > head {
                    let _ = tx.send(Ok(block));
                }
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// The bytes of a stream not analysed yet: `buf[start..]`.
struct Pending {
    buf: Vec<u8>,
    start: usize,
}

impl Pending {
    fn bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// The first `n` bytes were analysed.
    fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.buf.len());
    }

    /// A block read (with `head` bytes of room in front) goes after the
    /// pending bytes: they are copied into its room when they fit (the
    /// usual case, a record cut by a chunk's end), else the block after them.
    fn append(&mut self, mut block: Vec<u8>, head: usize) {
        let have = self.bytes().len();
        match head.checked_sub(have) {
            Some(at) if block.len() >= head => {
                block[at..head].copy_from_slice(self.bytes());
                self.buf = block;
                self.start = at;
            }
            _ => {
                self.buf.drain(..self.start.min(self.buf.len()));
                self.start = 0;
                self.buf.extend_from_slice(block.get(head..).unwrap_or_default());
            }
        }
    }
}

impl Feed {
    /// Appends blocks until `p` holds `want` bytes; true when the stream ended first.
    fn fill(&mut self, p: &mut Pending, want: usize) -> std::io::Result<bool> {
        while p.bytes().len() < want {
            match self.rx.recv() {
                Ok(Ok(block)) => {
                    self.read += block.len().saturating_sub(self.head) as u64;
                    p.append(block, self.head);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(true),
            }
        }
        Ok(false)
    }

    /// Reading stopped early (damage): the rest is read only to be counted,
    /// so that the report gives the capture's size.
    fn count_rest(&mut self) {
        for b in self.rx.iter().flatten() {
            self.read += b.len().saturating_sub(self.head) as u64;
        }
    }
}

/// Reads a stream (standard input, gzip) chunk by chunk through the pass;
/// the reader's state at the end, or None when it is not a capture.
pub(super) fn read_stream(
    cf: &CaptureFile,
    (pass, opts): (&mut Pass, &super::Options),
    rep: &mut CaptureReport,
    chunk: usize,
) -> Option<FrameReader<'static>> {
    let name = &cf.display_path;
    let Some(r) = cf.take_stream() else {
        rep.error = Some(format!("{name}: the stream was already read"));
        return None;
    };
    let (tx, rx) = sync_channel(2);
    std::thread::scope(|scope| {
        scope.spawn(move || produce(r, chunk, tx));
        let mut feed = Feed {
            rx,
            read: 0,
            head: head(chunk),
        };
        let state = read_chunks(cf, (pass, opts), rep, chunk, &mut feed);
        // Whatever happened, the reading thread must not wait for us.
        feed.count_rest();
        rep.bytes = feed.read;
        state
    })
}

/// The chunks of a stream through the pass (see `read_stream`).
fn read_chunks(
    cf: &CaptureFile,
    (pass, opts): (&mut Pass, &super::Options),
    rep: &mut CaptureReport,
    chunk: usize,
    r: &mut Feed,
) -> Option<FrameReader<'static>> {
    let name = &cf.display_path;
    let mut buf = Pending {
        buf: Vec::new(),
        start: 0,
    };
    // pcap's file header is 24 bytes; pcapng's first block is read like any other.
    let what = cf.compression.map_or("read", |c| c.name());
    let (mut eof, mut early) = match r.fill(&mut buf, chunk.max(24)) {
        Ok(e) => (e, None),
        // Damage within the first chunk: what came before it is read.
        Err(e) if buf.bytes().len() >= 24 => (true, Some(format!("{what} error after byte {}: {}", r.read, said(&e)))),
        Err(e) => {
            rep.error = Some(format!("{name}: {what} error: {}", said(&e)));
            return None;
        }
    };
    let (mut state, header): (FrameReader<'static>, usize) = match FrameReader::new(buf.bytes(), name) {
        Ok(r) => {
            let header = r.consumed();
            let mut state = r.next_chunk(&[], false);
            state.keylog = opts.keylog.clone();
            (state, header)
        }
        Err(e) => {
            rep.error = Some(e.to_string());
            return None;
        }
    };
    // The chunks go on after the file header (pcap's 24 bytes).
    buf.consume(header);
    if let Some(msg) = early.take() {
        state.stop_early(msg);
    }
    let mut judged_all;
    loop {
        let mut reader = state.next_chunk(buf.bytes(), !eof);
        pass.run(&mut reader, eof);
        judged_all = eof;
        let want = reader.wants_more();
        let consumed = reader.consumed();
        state = reader.next_chunk(&[], false);
        if eof || want.is_none() {
            break;
        }
        buf.consume(consumed);
        let need = chunk.max(want.unwrap_or(0));
        match r.fill(&mut buf, need) {
            Ok(e) => eof = e,
            Err(e) => {
                // What could be read is analysed; the report says where it stopped.
                let msg = format!("{what} error after byte {}: {}", r.read, said(&e));
                state.stop_early(msg);
                let mut reader = state.next_chunk(buf.bytes(), false);
                pass.run(&mut reader, true);
                judged_all = true;
                state = reader.next_chunk(&[], false);
                break;
            }
        }
    }
    if !judged_all {
        // Damage stopped the reading inside a chunk: the connections still
        // open are judged now.
        let mut reader = state.next_chunk(&[], false);
        pass.run(&mut reader, true);
        state = reader.next_chunk(&[], false);
    }
    Some(state)
}

/// A read error in our words: its kind, never a library's text.
fn said(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the data ends before its end (cut short)".into(),
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => "damaged data".into(),
        std::io::ErrorKind::Other => e.to_string(),
        k => format!("{k}"),
    }
}
