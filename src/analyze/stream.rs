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

/// The blocks a reading thread takes from a stream, and the bytes so far:
/// reading (and gunzipping) one block overlaps the analysis of the last.
struct Feed {
    rx: Receiver<std::io::Result<Vec<u8>>>,
    read: u64,
}

/// The reading thread: blocks of `chunk` bytes until the end or an error.
fn produce(mut r: Box<dyn Read + Send>, chunk: usize, tx: SyncSender<std::io::Result<Vec<u8>>>) {
    loop {
        let mut block = Vec::with_capacity(chunk);
        match (&mut r).take(chunk as u64).read_to_end(&mut block) {
            Ok(0) => return,
            Ok(_) => {
                if tx.send(Ok(block)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

impl Feed {
    /// Appends blocks until `buf` holds `want` bytes; true when the stream ended first.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
        while buf.len() < want {
            match self.rx.recv() {
                Ok(Ok(block)) => {
                    self.read += block.len() as u64;
                    if buf.is_empty() {
                        *buf = block;
                    } else {
                        buf.extend_from_slice(&block);
                    }
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
            self.read += b.len() as u64;
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
        let mut feed = Feed { rx, read: 0 };
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
    let mut buf = Vec::with_capacity(chunk);
    // pcap's file header is 24 bytes; pcapng's first block is read like any other.
    let mut eof = match r.fill(&mut buf, chunk.max(24)) {
        Ok(e) => e,
        Err(e) => {
            rep.error = Some(format!("{name}: {}: {e}", if cf.gzip { "gzip" } else { "read error" }));
            return None;
        }
    };
    let (mut state, header): (FrameReader<'static>, usize) = match FrameReader::new(&buf, name) {
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
    buf.drain(..header);
    let mut judged_all;
    loop {
        let mut reader = state.next_chunk(&buf, !eof);
        pass.run(&mut reader, eof);
        judged_all = eof;
        let want = reader.wants_more();
        let consumed = reader.consumed();
        state = reader.next_chunk(&[], false);
        if eof || want.is_none() {
            break;
        }
        buf.drain(..consumed);
        let need = chunk.max(want.unwrap_or(0));
        match r.fill(&mut buf, need) {
            Ok(e) => eof = e,
            Err(e) => {
                // What could be read is analysed; the report says where it stopped.
                let msg = format!(
                    "{} error after byte {}: {e}",
                    if cf.gzip { "gzip" } else { "read" },
                    r.read
                );
                state.stop_early(msg);
                let mut reader = state.next_chunk(&buf, false);
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
