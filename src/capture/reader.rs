//! The frame reader: one iterator over the frames of a pcap or pcapng
//! file, numbered as Wireshark numbers them; damage ends the iteration with
//! a message naming the byte offset.

use pcap_parser::parse_pcap_header;

use super::{Format, PCAP_MAGICS, PCAPNG_MAGIC, Timestamp};
use crate::error::CaptureError;

/// One packet record.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// 1-based, as Wireshark numbers it.
    pub number: u64,
    pub ts: Timestamp,
    pub link_type: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// Where `data` starts in the capture's bytes.
    pub offset: usize,
    /// Length on the wire; more than `data.len()` when the snap length cut it.
    pub orig_len: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Interface {
    pub(super) link_type: u32,
    /// Timestamp units per second.
    pub(super) resolution: u64,
    pub(super) offset_secs: i64,
}

pub(super) enum Kind {
    Pcap {
        big_endian: bool,
        nanos: bool,
        link_type: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
        /// Interface blocks in this section, kept or not.
        described: usize,
    },
}

/// Interfaces kept per pcapng section: a lying file cannot make us keep
/// more; packets on the others are counted in a warning.
pub const MAX_INTERFACES: usize = 65_536;

/// Iterates the frames of a capture held in memory.
pub struct FrameReader<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
    /// Bytes of `data` before this offset have been asked for (`prefetch::stream`).
    pub(super) asked: usize,
    pub(super) kind: Kind,
    pub(super) next_number: u64,
    /// Set when reading stopped early because of damage.
    pub damage: Option<String>,
    /// Other things worth a warning (unknown interface ids, skipped blocks).
    pub notes: Vec<String>,
    /// Link types seen, in order of first appearance.
    pub link_types: Vec<u32>,
    /// Highest timestamp precision seen: true when some interface has sub-microsecond resolution.
    pub nanosecond: bool,
    /// Packets cut by the snap length.
    pub snapped: u64,
    /// Interface blocks beyond `MAX_INTERFACES`, and the packets on them (skipped).
    pub interfaces_over_limit: u64,
    pub packets_over_interface_limit: u64,
    pub min_snaplen: Option<u32>,
    pub(super) done: bool,
    /// Where `data` starts in the whole capture (reading a stream in chunks).
    pub(super) base: u64,
    /// More of the capture may follow `data`: a record cut at its end waits
    /// for the next chunk instead of being damage.
    pub(super) more: bool,
    /// Bytes from `pos` the next record needs, when `data` ended inside it.
    pub(super) want: Option<usize>,
    /// Where the TLS key log text of Decryption Secrets Blocks goes.
    pub keylog: Option<std::sync::Arc<crate::keylog::KeyLog>>,
}

pub(super) fn u32_at(d: &[u8], off: usize, be: bool) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off + 4)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

impl<'a> FrameReader<'a> {
    pub fn new(data: &'a [u8], display: &str) -> Result<FrameReader<'a>, CaptureError> {
        if data.is_empty() {
            return Err(CaptureError::Empty {
                path: display.to_string(),
            });
        }
        if data.len() < 4 {
            return Err(CaptureError::NotACapture {
                path: display.to_string(),
                detail: format!("only {} bytes", data.len()),
            });
        }
        let magic = [data[0], data[1], data[2], data[3]];
        let mut r = FrameReader {
            data,
            pos: 0,
            asked: 0,
            kind: Kind::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
                described: 0,
            },
            next_number: 1,
            damage: None,
            notes: Vec::new(),
            link_types: Vec::new(),
            nanosecond: false,
            snapped: 0,
            interfaces_over_limit: 0,
            packets_over_interface_limit: 0,
            min_snaplen: None,
            done: false,
            base: 0,
            more: false,
            want: None,
            keylog: None,
        };
        if magic == PCAPNG_MAGIC {
            // pcapng: the byte order comes from the section header's byte-order magic.
            let bom_be = match data.get(8..12) {
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => true,
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => false,
                _ => {
                    return Err(CaptureError::NotACapture {
                        path: display.to_string(),
                        detail: "pcapng section header without a valid byte-order magic".into(),
                    });
                }
            };
            r.kind = Kind::PcapNg {
                big_endian: bom_be,
                interfaces: Vec::new(),
                described: 0,
            };
            return Ok(r);
        }
        let Some(&(_, be, nanos)) = PCAP_MAGICS.iter().find(|(m, _, _)| *m == magic) else {
            let what = super::compress::what_is(data.get(..64).unwrap_or(data));
            return Err(CaptureError::NotACapture {
                path: display.to_string(),
                detail: match what {
                    Some(w) => format!("{w}, not a capture"),
                    None => format!(
                        "unknown magic {:02x}{:02x}{:02x}{:02x}",
                        magic[0], magic[1], magic[2], magic[3]
                    ),
                },
            });
        };
        let header = match parse_pcap_header(data) {
            Ok((_, h)) => h,
            Err(_) => {
                return Err(CaptureError::NotACapture {
                    path: display.to_string(),
                    detail: "pcap file header cut short (24 bytes needed)".into(),
                });
            }
        };
        let link_type = header.network.0 as u32;
        r.kind = Kind::Pcap {
            big_endian: be,
            nanos,
            link_type,
        };
        r.nanosecond = nanos;
        r.link_types.push(link_type);
        if header.snaplen > 0 && header.snaplen < 65535 {
            r.min_snaplen = Some(header.snaplen);
        }
        r.pos = 24;
        Ok(r)
    }

    /// Byte `pos` in the whole capture, for messages.
    pub(super) fn at(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True when the record at `pos` needs `need` bytes and more data may
    /// come: the reading pauses for the next chunk.
    pub(super) fn short(&mut self, need: usize) -> bool {
        if self.more {
            self.want = Some(need);
        }
        self.more
    }

    pub(super) fn stop(&mut self, msg: String) {
        self.damage = Some(msg);
        self.done = true;
    }

    pub(super) fn note_link(&mut self, lt: u32) {
        if !self.link_types.contains(&lt) {
            self.link_types.push(lt);
        }
    }
}

impl<'a> Iterator for FrameReader<'a> {
    type Item = Frame<'a>;

    fn next(&mut self) -> Option<Frame<'a>> {
        if self.done {
            return None;
        }
        match self.kind {
            Kind::Pcap {
                big_endian,
                nanos,
                link_type,
            } => self.next_pcap(big_endian, nanos, link_type),
            Kind::PcapNg { .. } => self.next_pcapng(),
        }
    }
}

impl<'a> FrameReader<'a> {
    /// Bytes of the file read so far.
    pub fn position(&self) -> usize {
        self.base as usize + self.pos
    }

    /// Goes on reading in the next chunk of a stream: `data` starts with
    /// the bytes of this chunk not yet read (a record cut at its end);
    /// `more`: another chunk may follow. The reader's state carries over.
    pub fn next_chunk<'b>(self, data: &'b [u8], more: bool) -> FrameReader<'b> {
        FrameReader {
            data,
            pos: 0,
            asked: 0,
            base: self.base + self.pos as u64,
            more,
            want: None,
            kind: self.kind,
            next_number: self.next_number,
            damage: self.damage,
            notes: self.notes,
            link_types: self.link_types,
            nanosecond: self.nanosecond,
            snapped: self.snapped,
            interfaces_over_limit: self.interfaces_over_limit,
            packets_over_interface_limit: self.packets_over_interface_limit,
            min_snaplen: self.min_snaplen,
            done: self.done,
            keylog: self.keylog,
        }
    }

    /// Bytes of this chunk read so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Reading a stream failed: what was read is all there is.
    pub fn stop_early(&mut self, msg: String) {
        self.damage = Some(msg);
    }

    /// Bytes the next record needs, when reading paused at the end of a chunk.
    pub fn wants_more(&self) -> Option<usize> {
        self.want
    }

    pub fn format(&self) -> Format {
        match self.kind {
            Kind::Pcap { .. } => Format::Pcap,
            Kind::PcapNg { .. } => Format::PcapNg,
        }
    }
}
