//! pcap records (both byte orders, micro- and nanosecond timestamps).

use super::reader::{Frame, FrameReader, u32_at};
use super::{MAX_RECORD_LEN, Timestamp};

impl<'a> FrameReader<'a> {
    pub(super) fn next_pcap(&mut self, be: bool, nanos: bool, link_type: u32) -> Option<Frame<'a>> {
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            if !self.short(1) {
                self.done = true;
            }
            return None;
        }
        if rest.len() < 16 {
            if self.short(16) {
                return None;
            }
            let msg = format!(
                "capture truncated at byte {}: packet {} header incomplete ({} of 16 bytes)",
                self.at(),
                self.next_number,
                rest.len()
            );
            self.stop(msg);
            return None;
        }
        let caplen = u32_at(rest, 8, be).unwrap_or(0);
        if caplen > MAX_RECORD_LEN {
            let msg = format!(
                "damaged record at byte {}: packet {} claims {} captured bytes (more than {}); the rest of the file is skipped",
                self.at(),
                self.next_number,
                caplen,
                MAX_RECORD_LEN
            );
            self.stop(msg);
            return None;
        }
        // The record header is four numbers; read here, not through a
        // parser, since this runs once per frame of the capture (the
        // reading thread's hottest loop, docs/performance.md).
        let end = 16 + caplen as usize;
        let (Some(data), Some(ts_sec), Some(frac), Some(origlen)) = (
            rest.get(16..end),
            u32_at(rest, 0, be),
            u32_at(rest, 4, be),
            u32_at(rest, 12, be),
        ) else {
            if self.short(end) {
                return None;
            }
            let msg = format!(
                "capture truncated at byte {}: packet {} incomplete ({} of {} bytes present)",
                self.at(),
                self.next_number,
                rest.len().saturating_sub(16),
                caplen
            );
            self.stop(msg);
            return None;
        };
        // The record header is 16 bytes; the packet's bytes follow it.
        let offset = self.pos + 16;
        self.pos += end;
        // The next records (their headers and packets) while this frame is
        // decoded: reading the file is a chain of such loads. The pages are
        // mapped ahead by another worker when there is one (`Pages`).
        crate::prefetch::stream(self.data, self.pos, &mut self.asked);
        let nanos_v = if nanos {
            frac.min(999_999_999)
        } else {
            frac.min(999_999).saturating_mul(1000)
        };
        let number = self.next_number;
        self.next_number += 1;
        if origlen > caplen {
            self.snapped += 1;
        }
        Some(Frame {
            number,
            ts: Timestamp {
                secs: ts_sec as i64,
                nanos: nanos_v,
            },
            link_type,
            data,
            offset,
            orig_len: origlen.max(caplen),
        })
    }
}
