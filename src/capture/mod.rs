//! Capture files: opening (memory map, stdin, gzip) and iterating the frames of
//! pcap and pcapng files, numbered as Wireshark numbers them.
//!
//! Frames borrow from the mapped file, or from the chunk of a stream being
//! read (standard input, gzip); nothing per packet is copied. Damage part
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

/// The pages of a mapped capture, looked after while the reading thread
/// walks the frames (by another worker when there is one): mapped ahead
/// of it in large steps (otherwise each first touch is a page fault on the
/// reading thread, a third of its time on a capture in the page cache, and
/// its prefetch hints are dropped), and given back behind every thread
/// (otherwise dropping their mappings is left to the unmapping at the end,
/// on one thread, after everything else: 60 ms for 2 GB). Mapping ahead
/// (reading a byte of each page) works everywhere; every Unix gives back,
/// other systems unmap at the end.
pub struct Pages<'a> {
    map: &'a Mmap,
    /// Bytes before this offset have been given back.
    released: usize,
    /// Bytes before this offset have been mapped.
    populated: usize,
}

impl Pages<'_> {
    /// Pages are given back this many bytes at a time (a multiple of any
    /// page size), and this far behind the offset every thread is past.
    const BEHIND: usize = 64 << 20;
    /// Pages are mapped this far ahead of the reading thread's offset when
    /// a worker hears of it (up to a few batches behind)...
    const AHEAD: usize = 64 << 20;
    /// ... this many bytes at a time.
    const STEP: usize = 8 << 20;

    /// The reading thread was at byte `at`: map the pages ahead of it.
    pub fn populate(&mut self, at: usize) {
        while self.populate_step(at) {}
    }

    /// As `populate`, one step of it: false when there was nothing to map.
    pub fn populate_step(&mut self, at: usize) -> bool {
        let len = self.map.len();
        let want = at.saturating_add(Self::AHEAD).min(len);
        self.populated = self.populated.max(at);
        if self.populated >= want {
            return false;
        }
        let end = self.populated.saturating_add(Self::STEP).min(want);
        // Failing (bytes not in the map) only means the reading thread
        // maps the pages itself, as it would without this.
        if !map_ahead(self.map, self.populated, end - self.populated) {
            self.populated = len;
            return false;
        }
        self.populated = end;
        true
    }

    /// Every thread is past byte `upto`: give back what lies well behind it.
    pub fn release(&mut self, upto: usize) {
        let end = upto.saturating_sub(Self::BEHIND) / Self::BEHIND * Self::BEHIND;
        if end <= self.released || end > self.map.len() {
            return;
        }
        give_back(self.map, self.released, end - self.released);
        self.released = end;
    }
}

/// Maps `len` bytes of `map` from `from` by reading a byte of each 4 KiB
/// page: the first read of a page faults it in with its neighbours (the
/// kernel maps 64 KiB around a fault, or the whole 2 MiB folio), the others
/// find it mapped. Measured (docs/performance.md): on the 2 GB capture in
/// 4 KiB pages, 0.19 s of system time against 0.26 s with
/// `MADV_POPULATE_READ`, which walks every page; alike in 2 MiB folios.
/// A page past the end of a file cut short meanwhile is as fatal here as it
/// would be to the reading thread a moment later. False when the bytes are
/// not in the map.
fn map_ahead(map: &Mmap, from: usize, len: usize) -> bool {
    let Some(bytes) = map.get(from..from.saturating_add(len)) else {
        return false;
    };
    let touched = bytes
        .iter()
        .step_by(4096)
        .fold(0u8, |a, b| a ^ std::hint::black_box(*b));
    std::hint::black_box(touched);
    true
}

/// Gives back the pages of `len` bytes of `map` from `from`.
#[cfg(unix)]
fn give_back(map: &Mmap, from: usize, len: usize) {
    // SAFETY: the map is a shared, read-only mapping of a file. After
    // MADV_DONTNEED its pages read the file's bytes again from the page
    // cache on the next access, so a frame still borrowed from them (a
    // thread that lags) reads the same bytes as before: nothing is written
    // and nothing borrowed changes. An error only means the pages stay
    // mapped until the end.
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, len) };
}

#[cfg(not(unix))]
fn give_back(_: &Mmap, _: usize, _: usize) {}

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

/// True when the first bytes say pcap, pcapng or a compression (used when walking directories).
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
    if compress::Compression::of(head).is_some() || head.starts_with(&PCAPNG_MAGIC) {
        return true;
    }
    PCAP_MAGICS.iter().any(|(m, _, _)| head.starts_with(m))
}

/// Where a capture's bytes come from.
enum Source {
    /// The whole file, mapped (or read, when it cannot be mapped).
    Whole(Bytes),
    /// A stream read once, in chunks: standard input, or a gzip file
    /// decompressed as it is read.
    Stream(std::sync::Mutex<Option<Box<dyn Read + Send>>>),
}

/// A capture to read: a file mapped whole, or a stream read in chunks.
pub struct CaptureFile {
    pub path: PathBuf,
    /// How the file was given on the command line, for messages and the report.
    pub display_path: String,
    source: Source,
    /// The compression the capture came in (read as a stream).
    pub compression: Option<compress::Compression>,
}

fn io_error(display: &str) -> impl Fn(std::io::Error) -> CaptureError + '_ {
    move |e| CaptureError::Io {
        path: display.to_string(),
        source: e,
    }
}

impl CaptureFile {
    /// Opens a file (memory-mapped) or `-` (standard input, read as a
    /// stream). gzip, xz, zstd and bzip2 are told by their magic bytes and
    /// decompressed as they are read.
    pub fn open(path: &Path) -> Result<CaptureFile, CaptureError> {
        let display_path = path.display().to_string();
        let mut cf = CaptureFile {
            path: path.to_path_buf(),
            display_path: display_path.clone(),
            source: Source::Whole(Bytes::Owned(Vec::new())),
            compression: None,
        };
        if path.as_os_str() == "-" {
            let (r, c) = compress::open_stream(std::io::stdin()).map_err(io_error(&display_path))?;
            cf.source = Source::Stream(std::sync::Mutex::new(Some(r)));
            cf.compression = c;
            return Ok(cf);
        }
        let file = File::open(path).map_err(io_error(&display_path))?;
        let meta = file.metadata().map_err(io_error(&display_path))?;
        if meta.is_dir() {
            return Err(CaptureError::IsDirectory { path: display_path });
        }
        if !meta.is_file() {
            // A pipe or a special file: read as a stream.
            let (r, c) = compress::open_stream(file).map_err(io_error(&display_path))?;
            cf.source = Source::Stream(std::sync::Mutex::new(Some(r)));
            cf.compression = c;
            return Ok(cf);
        }
        if meta.len() == 0 {
            return Ok(cf);
        }
        // SAFETY: the map is read-only; a file truncated by another process
        // while we read it is outside what we can defend against (the same
        // holds for every mmap-based reader).
        let bytes = match unsafe { Mmap::map(&file) } {
            Ok(m) => Bytes::Mapped(m),
            Err(_) => {
                let mut v = Vec::new();
                let mut f = file;
                f.read_to_end(&mut v).map_err(io_error(&display_path))?;
                Bytes::Owned(v)
            }
        };
        if let Some(c) = compress::Compression::of(bytes.as_slice()) {
            let file = File::open(path).map_err(io_error(&display_path))?;
            cf.source = Source::Stream(std::sync::Mutex::new(Some(c.decoder(std::io::BufReader::new(file)))));
            cf.compression = Some(c);
            return Ok(cf);
        }
        cf.source = Source::Whole(bytes);
        Ok(cf)
    }

    /// Wraps bytes already in memory (tests, fuzzing); compressed bytes are
    /// read as a stream.
    pub fn from_bytes(name: &str, data: Vec<u8>) -> Result<CaptureFile, CaptureError> {
        let compression = compress::Compression::of(&data);
        let source = match compression {
            Some(c) => Source::Stream(std::sync::Mutex::new(Some(c.decoder(std::io::Cursor::new(data))))),
            None => Source::Whole(Bytes::Owned(data)),
        };
        Ok(CaptureFile {
            path: PathBuf::from(name),
            display_path: name.to_string(),
            source,
            compression,
        })
    }

    /// A capture read from a stream already decompressed (a member of an
    /// archive), named `name`.
    pub fn from_stream(name: &str, r: Box<dyn Read + Send>) -> CaptureFile {
        CaptureFile {
            path: PathBuf::from(name),
            display_path: name.to_string(),
            source: Source::Stream(std::sync::Mutex::new(Some(r))),
            compression: None,
        }
    }

    /// The pages of a mapped capture, to map ahead and give back once read
    /// (None for bytes in memory and for streams).
    pub fn pages(&self) -> Option<Pages<'_>> {
        match &self.source {
            Source::Whole(Bytes::Mapped(map)) => Some(Pages {
                map,
                released: 0,
                populated: 0,
            }),
            _ => None,
        }
    }

    /// The whole capture's bytes, when it is not a stream.
    pub fn whole(&self) -> Option<&[u8]> {
        match &self.source {
            Source::Whole(b) => Some(b.as_slice()),
            Source::Stream(_) => None,
        }
    }

    /// The stream to read, once (None for a whole file, or once taken).
    pub fn take_stream(&self) -> Option<Box<dyn Read + Send>> {
        match &self.source {
            Source::Whole(_) => None,
            Source::Stream(m) => m.lock().ok()?.take(),
        }
    }

    /// Starts reading the frames of a whole file; fails when it is not a
    /// capture at all (or is a stream: see `analyze`).
    pub fn frames(&self) -> Result<FrameReader<'_>, CaptureError> {
        match self.whole() {
            Some(d) => FrameReader::new(d, &self.display_path),
            None => Err(CaptureError::NotACapture {
                path: self.display_path.clone(),
                detail: "a stream is read in chunks, not whole".into(),
            }),
        }
    }
}

pub mod archive;
pub mod compress;
mod pcap;
mod pcapng;
mod reader;

pub use reader::{Frame, FrameReader, MAX_INTERFACES};

#[cfg(test)]
mod tests;
