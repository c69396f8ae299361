//! Capture files: opening (memory map, stdin, gzip) and iterating the frames of
//! pcap and pcapng files, numbered as Wireshark numbers them.
//!
//! Frames borrow from the loaded file; nothing per packet is copied. Damage part
//! way through a file ends the iteration with a warning that names the byte
//! offset; the frames before it are still delivered.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use pcap_parser::pcapng::{Block, parse_block_be, parse_block_le};
use pcap_parser::{parse_pcap_frame, parse_pcap_frame_be, parse_pcap_header};

use crate::error::CaptureError;

/// Largest packet record we accept. Wireshark refuses records over 256 KiB
/// (WTAP_MAX_PACKET_SIZE_STANDARD); a larger length is a lying header.
pub const MAX_RECORD_LEN: u32 = 262_144;
/// Largest pcapng block other than a packet block (Wireshark's limit).
pub const MAX_OTHER_BLOCK_LEN: u32 = 16 * 1024 * 1024;
/// Largest decompressed size of a `.gz` capture (and of standard input): a
/// defence against decompression bombs. Documented in docs/reliability.md.
pub const MAX_INMEMORY_LEN: u64 = 16 * 1024 * 1024 * 1024;

/// A timestamp as seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

/// Bytes of a capture file, wherever they came from.
pub enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// A loaded capture file.
pub struct CaptureFile {
    pub path: PathBuf,
    /// How the file was given on the command line, for messages and the report.
    pub display_path: String,
    pub bytes: Bytes,
    pub gzip: bool,
}

/// The container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pcap,
    PcapNg,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when the first bytes say pcap, pcapng or gzip (used when walking directories).
/// pcap magic numbers as they appear in the file: (magic, big-endian, nanoseconds).
const PCAP_MAGICS: [([u8; 4], bool, bool); 4] = [
    ([0xd4, 0xc3, 0xb2, 0xa1], false, false),
    ([0xa1, 0xb2, 0xc3, 0xd4], true, false),
    ([0x4d, 0x3c, 0xb2, 0xa1], false, true),
    ([0xa1, 0xb2, 0x3c, 0x4d], true, true),
];
/// A pcapng file starts with a section header block.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

pub fn looks_like_capture(head: &[u8]) -> bool {
    if head.starts_with(&GZIP_MAGIC) || head.starts_with(&PCAPNG_MAGIC) {
        return true;
    }
    PCAP_MAGICS.iter().any(|(m, _, _)| head.starts_with(m))
}

fn read_limited(mut r: impl Read, display: &str) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_INMEMORY_LEN + 1)
        .read_to_end(&mut out)
        .map_err(|e| CaptureError::Io {
            path: display.to_string(),
            source: e,
        })?;
    if n as u64 > MAX_INMEMORY_LEN {
        return Err(CaptureError::TooLarge {
            path: display.to_string(),
            limit: MAX_INMEMORY_LEN,
        });
    }
    Ok(out)
}

fn gunzip(data: &[u8], display: &str) -> Result<Vec<u8>, CaptureError> {
    // MultiGzDecoder: `cat a.gz b.gz` is a valid gzip stream too.
    let dec = flate2::read::MultiGzDecoder::new(data);
    read_limited(dec, display).map_err(|e| match e {
        CaptureError::Io { path, source } => CaptureError::Gzip {
            path,
            message: source.to_string(),
        },
        other => other,
    })
}

impl CaptureFile {
    /// Opens a file (memory-mapped) or `-` (standard input, read into memory).
    /// Gzip is detected by its magic bytes and decompressed into memory.
    pub fn open(path: &Path) -> Result<CaptureFile, CaptureError> {
        let display_path = path.display().to_string();
        let bytes = if path.as_os_str() == "-" {
            Bytes::Owned(read_limited(std::io::stdin().lock(), "-")?)
        } else {
            let file = File::open(path).map_err(|e| CaptureError::Io {
                path: display_path.clone(),
                source: e,
            })?;
            let meta = file.metadata().map_err(|e| CaptureError::Io {
                path: display_path.clone(),
                source: e,
            })?;
            if meta.is_dir() {
                return Err(CaptureError::IsDirectory { path: display_path });
            }
            if meta.len() == 0 {
                Bytes::Owned(Vec::new())
            } else {
                // SAFETY: the map is read-only; a file truncated by another
                // process while we read it is outside what we can defend against
                // (the same holds for every mmap-based reader).
                match unsafe { Mmap::map(&file) } {
                    Ok(m) => Bytes::Mapped(m),
                    // Not mappable (a pipe or a special file): read it instead.
                    Err(_) => Bytes::Owned(read_limited(file, &display_path)?),
                }
            }
        };
        let mut cf = CaptureFile {
            path: path.to_path_buf(),
            display_path,
            bytes,
            gzip: false,
        };
        if cf.bytes.as_slice().starts_with(&GZIP_MAGIC) {
            let plain = gunzip(cf.bytes.as_slice(), &cf.display_path)?;
            cf.bytes = Bytes::Owned(plain);
            cf.gzip = true;
        }
        Ok(cf)
    }

    /// Wraps bytes already in memory (tests, fuzzing).
    pub fn from_bytes(name: &str, data: Vec<u8>) -> Result<CaptureFile, CaptureError> {
        let mut cf = CaptureFile {
            path: PathBuf::from(name),
            display_path: name.to_string(),
            bytes: Bytes::Owned(data),
            gzip: false,
        };
        if cf.bytes.as_slice().starts_with(&GZIP_MAGIC) {
            let plain = gunzip(cf.bytes.as_slice(), name)?;
            cf.bytes = Bytes::Owned(plain);
            cf.gzip = true;
        }
        Ok(cf)
    }

    pub fn data(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Starts reading frames; fails when the file is not a capture at all.
    pub fn frames(&self) -> Result<FrameReader<'_>, CaptureError> {
        FrameReader::new(self.data(), &self.display_path)
    }
}

/// One packet record.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// 1-based, as Wireshark numbers it.
    pub number: u64,
    pub ts: Timestamp,
    pub link_type: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// Length on the wire; more than `data.len()` when the snap length cut it.
    pub orig_len: u32,
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: u32,
    /// Timestamp units per second.
    resolution: u64,
    offset_secs: i64,
}

enum Kind {
    Pcap {
        big_endian: bool,
        nanos: bool,
        link_type: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Iterates the frames of a capture held in memory.
pub struct FrameReader<'a> {
    data: &'a [u8],
    pos: usize,
    kind: Kind,
    next_number: u64,
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
    pub min_snaplen: Option<u32>,
    done: bool,
}

fn u32_at(d: &[u8], off: usize, be: bool) -> Option<u32> {
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
            kind: Kind::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            },
            next_number: 1,
            damage: None,
            notes: Vec::new(),
            link_types: Vec::new(),
            nanosecond: false,
            snapped: 0,
            min_snaplen: None,
            done: false,
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
            };
            return Ok(r);
        }
        let Some(&(_, be, nanos)) = PCAP_MAGICS.iter().find(|(m, _, _)| *m == magic) else {
            return Err(CaptureError::NotACapture {
                path: display.to_string(),
                detail: format!(
                    "unknown magic {:02x}{:02x}{:02x}{:02x} (not pcap, pcapng or gzip)",
                    magic[0], magic[1], magic[2], magic[3]
                ),
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

    fn stop(&mut self, msg: String) {
        self.damage = Some(msg);
        self.done = true;
    }

    fn note_link(&mut self, lt: u32) {
        if !self.link_types.contains(&lt) {
            self.link_types.push(lt);
        }
    }

    fn next_pcap(&mut self, be: bool, nanos: bool, link_type: u32) -> Option<Frame<'a>> {
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        if rest.len() < 16 {
            let msg = format!(
                "capture truncated at byte {}: packet {} header incomplete ({} of 16 bytes)",
                self.pos,
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
                self.pos, self.next_number, caplen, MAX_RECORD_LEN
            );
            self.stop(msg);
            return None;
        }
        let parsed = if be {
            parse_pcap_frame_be(rest)
        } else {
            parse_pcap_frame(rest)
        };
        let (remaining, blk) = match parsed {
            Ok(v) => v,
            Err(_) => {
                let msg = format!(
                    "capture truncated at byte {}: packet {} incomplete ({} of {} bytes present)",
                    self.pos,
                    self.next_number,
                    rest.len().saturating_sub(16),
                    caplen
                );
                self.stop(msg);
                return None;
            }
        };
        self.pos = self.data.len() - remaining.len();
        let frac = blk.ts_usec;
        let nanos_v = if nanos {
            frac.min(999_999_999)
        } else {
            frac.min(999_999).saturating_mul(1000)
        };
        let number = self.next_number;
        self.next_number += 1;
        if blk.origlen > blk.caplen {
            self.snapped += 1;
        }
        Some(Frame {
            number,
            ts: Timestamp {
                secs: blk.ts_sec as i64,
                nanos: nanos_v,
            },
            link_type,
            data: blk.data,
            orig_len: blk.origlen.max(blk.caplen),
        })
    }

    fn next_pcapng(&mut self) -> Option<Frame<'a>> {
        loop {
            let rest = &self.data[self.pos..];
            if rest.is_empty() {
                self.done = true;
                return None;
            }
            let big_endian = match &self.kind {
                Kind::PcapNg { big_endian, .. } => *big_endian,
                Kind::Pcap { .. } => return None,
            };
            if rest.len() < 12 {
                let msg = format!(
                    "capture truncated at byte {}: block header incomplete ({} of 12 bytes)",
                    self.pos,
                    rest.len()
                );
                self.stop(msg);
                return None;
            }
            let btype = u32_at(rest, 0, big_endian).unwrap_or(0);
            // A new section may switch byte order.
            let be = if btype == 0x0a0d_0d0a {
                match rest.get(8..12) {
                    Some([0x1a, 0x2b, 0x3c, 0x4d]) => true,
                    Some([0x4d, 0x3c, 0x2b, 0x1a]) => false,
                    _ => {
                        let msg = format!(
                            "damaged pcapng section header at byte {}: bad byte-order magic; the rest of the file is skipped",
                            self.pos
                        );
                        self.stop(msg);
                        return None;
                    }
                }
            } else {
                big_endian
            };
            let blen = u32_at(rest, 4, be).unwrap_or(0);
            // Packet blocks hold one record; other blocks (a Decryption Secrets
            // Block of a few hundred sessions is over 1 MB) may be up to 16 MiB,
            // as Wireshark allows.
            let max = if matches!(btype, 2 | 3 | 6) {
                MAX_RECORD_LEN + 4096
            } else {
                MAX_OTHER_BLOCK_LEN
            };
            if blen < 12 || !blen.is_multiple_of(4) || blen > max {
                let msg = format!(
                    "damaged pcapng block at byte {}: length field says {} bytes; the rest of the file is skipped",
                    self.pos, blen
                );
                self.stop(msg);
                return None;
            }
            if (blen as usize) > rest.len() {
                let msg = format!(
                    "capture truncated at byte {}: block of {} bytes has only {} present{}",
                    self.pos,
                    blen,
                    rest.len(),
                    if btype == 6 || btype == 3 {
                        format!(" (packet {} incomplete)", self.next_number)
                    } else {
                        String::new()
                    }
                );
                self.stop(msg);
                return None;
            }
            let block_bytes = &rest[..blen as usize];
            let block_pos = self.pos;
            self.pos += blen as usize;
            let parsed = if be {
                parse_block_be(block_bytes)
            } else {
                parse_block_le(block_bytes)
            };
            let block = match parsed {
                Ok((_, b)) => b,
                Err(e) => {
                    let what = match e {
                        pcap_parser::nom::Err::Incomplete(_) => "inconsistent in its lengths",
                        _ => "malformed",
                    };
                    // A packet block counts as a frame in Wireshark even when we
                    // cannot decode it; keep the numbering aligned.
                    if btype == 6 || btype == 3 || btype == 2 {
                        self.notes.push(format!(
                            "packet {} (pcapng block at byte {}) is {} and was skipped",
                            self.next_number, block_pos, what
                        ));
                        self.next_number += 1;
                    } else {
                        self.notes.push(format!(
                            "pcapng block type 0x{:08x} at byte {} is {} and was skipped",
                            btype, block_pos, what
                        ));
                    }
                    continue;
                }
            };
            match block {
                Block::SectionHeader(_) => {
                    self.kind = Kind::PcapNg {
                        big_endian: be,
                        interfaces: Vec::new(),
                    };
                }
                Block::InterfaceDescription(idb) => {
                    let lt = idb.linktype.0 as u32;
                    let resolution = idb.ts_resolution().unwrap_or(1_000_000).max(1);
                    if resolution > 1_000_000 {
                        self.nanosecond = true;
                    }
                    self.note_link(lt);
                    if idb.snaplen > 0 && idb.snaplen < 65535 {
                        self.min_snaplen = Some(self.min_snaplen.map_or(idb.snaplen, |s| s.min(idb.snaplen)));
                    }
                    if let Kind::PcapNg { interfaces, .. } = &mut self.kind {
                        // Bounded: a lying file cannot make us keep more than this many.
                        if interfaces.len() < 65_536 {
                            interfaces.push(Interface {
                                link_type: lt,
                                resolution,
                                offset_secs: idb.if_tsoffset,
                            });
                        }
                    }
                }
                Block::EnhancedPacket(epb) => {
                    let number = self.next_number;
                    self.next_number += 1;
                    let iface = match &self.kind {
                        Kind::PcapNg { interfaces, .. } => interfaces.get(epb.if_id as usize).copied(),
                        Kind::Pcap { .. } => None,
                    };
                    let Some(iface) = iface else {
                        self.notes.push(format!(
                            "packet {} names interface {} that no interface block describes; skipped",
                            number, epb.if_id
                        ));
                        continue;
                    };
                    let raw = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
                    // Never wraps: an if_tsoffset near i64::MAX saturates.
                    let secs = i64::try_from(raw / iface.resolution)
                        .unwrap_or(i64::MAX)
                        .saturating_add(iface.offset_secs);
                    let frac = raw % iface.resolution;
                    let nanos = ((frac as u128 * 1_000_000_000u128) / iface.resolution as u128) as u32;
                    let caplen = (epb.caplen as usize).min(epb.data.len());
                    if epb.origlen as usize > caplen {
                        self.snapped += 1;
                    }
                    return Some(Frame {
                        number,
                        ts: Timestamp { secs, nanos },
                        link_type: iface.link_type,
                        data: &epb.data[..caplen],
                        orig_len: epb.origlen.max(caplen as u32),
                    });
                }
                Block::SimplePacket(spb) => {
                    let number = self.next_number;
                    self.next_number += 1;
                    let iface = match &self.kind {
                        Kind::PcapNg { interfaces, .. } => interfaces.first().copied(),
                        Kind::Pcap { .. } => None,
                    };
                    let Some(iface) = iface else {
                        self.notes.push(format!(
                            "packet {} (simple packet block) precedes any interface block; skipped",
                            number
                        ));
                        continue;
                    };
                    let caplen = (spb.origlen as usize).min(spb.data.len());
                    if spb.origlen as usize > caplen {
                        self.snapped += 1;
                    }
                    return Some(Frame {
                        number,
                        // Simple packet blocks carry no timestamp.
                        ts: Timestamp::default(),
                        link_type: iface.link_type,
                        data: &spb.data[..caplen],
                        orig_len: spb.origlen.max(caplen as u32),
                    });
                }
                Block::Unknown(u) if u.block_type == 2 => {
                    // Obsolete Packet Block: Wireshark numbers it as a frame.
                    self.notes.push(format!(
                        "packet {} is an obsolete pcapng Packet Block; not decoded",
                        self.next_number
                    ));
                    self.next_number += 1;
                }
                // Types this reader has no use for but the pcapng format defines
                // (name resolution, statistics, secrets, journal export, custom).
                Block::Unknown(u) if !matches!(u.block_type, 4 | 5 | 7..=10 | 0x0bad | 0x4000_0bad) => {
                    self.notes.push(format!(
                        "pcapng block at byte {block_pos} has type 0x{:08x}, which pcapng does not define (damage?); skipped",
                        u.block_type
                    ));
                }
                _ => {}
            }
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

impl FrameReader<'_> {
    /// Bytes of the file read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn format(&self) -> Format {
        match self.kind {
            Kind::Pcap { .. } => Format::Pcap,
            Kind::PcapNg { .. } => Format::PcapNg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian microsecond pcap with the given packets.
    fn pcap_le(link: u32, packets: &[&[u8]]) -> Vec<u8> {
        let mut v = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0];
        v.extend_from_slice(&link.to_le_bytes());
        for (i, p) in packets.iter().enumerate() {
            v.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
            v.extend_from_slice(&123_456u32.to_le_bytes());
            v.extend_from_slice(&(p.len() as u32).to_le_bytes());
            v.extend_from_slice(&(p.len() as u32).to_le_bytes());
            v.extend_from_slice(p);
        }
        v
    }

    /// The same file with every header field byte-swapped: a big-endian pcap.
    fn to_big_endian(le: &[u8]) -> Vec<u8> {
        let mut v = le.to_vec();
        for (off, n) in [(0, 4), (4, 2), (6, 2), (8, 4), (12, 4), (16, 4), (20, 4)] {
            v[off..off + n].reverse();
        }
        let mut pos = 24;
        while pos + 16 <= v.len() {
            for k in 0..4 {
                v[pos + 4 * k..pos + 4 * k + 4].reverse();
            }
            let len = u32::from_be_bytes([v[pos + 8], v[pos + 9], v[pos + 10], v[pos + 11]]) as usize;
            pos += 16 + len;
        }
        v
    }

    #[test]
    fn both_byte_orders_give_the_same_frames() {
        let le = pcap_le(101, &[b"abc", b"defgh"]);
        let be = to_big_endian(&le);
        for data in [&le, &be] {
            let r = FrameReader::new(data, "t").unwrap();
            let frames: Vec<Frame> = r.collect();
            assert_eq!(frames.len(), 2);
            assert_eq!(frames[1].number, 2);
            assert_eq!(frames[1].data, b"defgh");
            assert_eq!(frames[0].ts.secs, 1_700_000_000);
            assert_eq!(frames[0].ts.nanos, 123_456_000);
            assert_eq!(frames[0].link_type, 101);
        }
    }

    #[test]
    fn lying_record_length_stops_with_a_message() {
        let mut v = pcap_le(1, &[b"abc"]);
        v[32..36].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let mut r = FrameReader::new(&v, "t").unwrap();
        assert!(r.next().is_none());
        assert!(r.damage.as_deref().unwrap_or("").contains("byte 24"));
    }

    /// A little-endian pcapng block.
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut b = body.to_vec();
        while !b.len().is_multiple_of(4) {
            b.push(0);
        }
        let len = (b.len() + 12) as u32;
        let mut v = kind.to_le_bytes().to_vec();
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(&b);
        v.extend_from_slice(&len.to_le_bytes());
        v
    }

    #[test]
    fn pcapng_interfaces_with_different_link_types_and_simple_packets() {
        let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
        shb.extend_from_slice(&[1, 0, 0, 0]);
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        let idb = |lt: u16| {
            let mut b = lt.to_le_bytes().to_vec();
            b.extend_from_slice(&[0, 0, 0, 0, 4, 0]);
            b
        };
        let mut epb = 1u32.to_le_bytes().to_vec(); // interface 1
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&1_000_000u32.to_le_bytes()); // 1 s in microseconds
        epb.extend_from_slice(&3u32.to_le_bytes());
        epb.extend_from_slice(&3u32.to_le_bytes());
        epb.extend_from_slice(b"abc");
        let mut spb = 5u32.to_le_bytes().to_vec();
        spb.extend_from_slice(b"hello");
        let mut file = block(0x0a0d_0d0a, &shb);
        file.extend(block(1, &idb(1)));
        file.extend(block(1, &idb(276)));
        file.extend(block(5, &[0; 8])); // interface statistics: skipped, not a frame
        file.extend(block(6, &epb));
        file.extend(block(3, &spb));
        let mut r = FrameReader::new(&file, "t").unwrap();
        let frames: Vec<Frame> = r.by_ref().collect();
        assert!(r.damage.is_none(), "{:?}", r.damage);
        assert_eq!(frames.len(), 2);
        assert_eq!(
            (frames[0].number, frames[0].link_type, frames[0].data),
            (1, 276, &b"abc"[..])
        );
        assert_eq!(frames[0].ts.secs, 1);
        // A simple packet block belongs to the first interface.
        assert_eq!(
            (frames[1].number, frames[1].link_type, frames[1].data),
            (2, 1, &b"hello"[..])
        );
        assert_eq!(r.link_types, vec![1, 276]);
    }

    #[test]
    fn not_a_capture() {
        assert!(matches!(
            FrameReader::new(b"GET / HTTP/1.1\r\n", "t"),
            Err(CaptureError::NotACapture { .. })
        ));
        assert!(matches!(FrameReader::new(b"", "t"), Err(CaptureError::Empty { .. })));
    }
}
