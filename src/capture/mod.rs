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

use crate::error::CaptureError;

/// Largest packet record we accept. Wireshark refuses records over 256 KiB
/// (WTAP_MAX_PACKET_SIZE_STANDARD); a larger length is a lying header.
pub const MAX_RECORD_LEN: u32 = 262_144;
/// Largest pcapng block other than a packet block (Wireshark's limit).
pub const MAX_OTHER_BLOCK_LEN: u32 = 16 * 1024 * 1024;
/// Largest decompressed size of a `.gz` capture (and of standard input): a
/// defence against decompression bombs. Documented in docs/reliability.md.
pub const MAX_INMEMORY_LEN: u64 = 16 * 1024 * 1024 * 1024;

pub use crate::timefmt::Timestamp;

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

mod pcap;
mod pcapng;
mod reader;

pub use reader::{Frame, FrameReader};

#[cfg(test)]
mod tests;
