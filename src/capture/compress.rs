//! Compressed captures: gzip, xz, zstd and bzip2, told by their magic
//! bytes (never by the file's name) and decompressed as a stream, with the
//! decompressor's memory bounded; and, for anything that is no capture, a
//! name for what it is ("a PNG image").

use std::io::{BufRead, BufReader, Read};

/// A compression a capture may come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
    Bzip2,
}

/// Memory an xz stream's dictionary may take (xz -9 needs 64 MiB).
const XZ_MEMORY_LIMIT_KIB: u32 = 256 * 1024;
/// Largest zstd window accepted (zstd --long=27 uses 128 MiB).
const ZSTD_MAX_WINDOW: u64 = 128 << 20;

impl Compression {
    /// The compression whose magic bytes start `head`.
    pub fn of(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// The decompressed stream of `r` (concatenated streams read as one,
    /// as `cat a.gz b.gz | gunzip` does), to hand to another thread.
    pub fn decoder<'a, R: BufRead + Send + 'a>(self, r: R) -> Box<dyn Read + Send + 'a> {
        match self {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
            Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(r, true, XZ_MEMORY_LIMIT_KIB)),
            Compression::Zstd => Box::new(Zstd::new(r)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(r)),
        }
    }

    /// `decoder`, for a stream read on this thread (an archive's member).
    pub fn local_decoder<'a, R: BufRead + 'a>(self, r: R) -> Box<dyn Read + 'a> {
        match self {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
            Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(r, true, XZ_MEMORY_LIMIT_KIB)),
            Compression::Zstd => Box::new(Zstd::new(r)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(r)),
        }
    }
}

/// zstd frames one after the other, as the `zstd` tool writes them.
struct Zstd<R: BufRead> {
    /// The input between frames.
    source: Option<R>,
    frame: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: BufRead> Zstd<R> {
    fn new(r: R) -> Self {
        Zstd {
            source: Some(r),
            frame: None,
        }
    }
}

impl<R: BufRead> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(f) = &mut self.frame {
                let n = f.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                // The frame is over: the input may hold another.
                self.source = self.frame.take().map(|f| f.into_inner());
            }
            let Some(mut source) = self.source.take() else {
                return Ok(0);
            };
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let frame = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(source, ZSTD_MAX_WINDOW)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, zstd_error(&e)))?;
            self.frame = Some(frame);
        }
    }
}

/// A zstd frame's problem in our words (not the library's text).
fn zstd_error(e: &ruzstd::decoding::errors::FrameDecoderError) -> &'static str {
    use ruzstd::decoding::errors::FrameDecoderError as E;
    match e {
        E::WindowSizeTooBig { .. } => "a zstd window larger than 128 MiB",
        _ => "damaged zstd data",
    }
}

/// A stream, decompressed when its first bytes say it is compressed; the
/// compression found. The stream is buffered; nothing is read whole.
pub fn open_stream<R: Read + Send + 'static>(r: R) -> std::io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let mut r = BufReader::with_capacity(1 << 16, r);
    let c = Compression::of(r.fill_buf()?);
    Ok(match c {
        Some(c) => (c.decoder(r), Some(c)),
        None => (Box::new(r), None),
    })
}

/// What a file that is not a capture is, from its first bytes, for the
/// message that says so; None when it is not recognised.
pub fn what_is(head: &[u8]) -> Option<&'static str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"\x7fELF", "an executable (ELF)"),
        (b"MZ", "a Windows executable"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (not read: tar and zip are)"),
        (b"Rar!", "a RAR archive (not read: tar and zip are)"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"-----BEGIN ", "a PEM file (a certificate or key)"),
        (b"\xd0\xcf\x11\xe0", "an Office document"),
        (b"{", "JSON text"),
        (b"<", "markup (HTML or XML)"),
    ];
    if let Some((_, what)) = KNOWN.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(what);
    }
    if head.starts_with(b"SSLKEYLOG") || head.starts_with(b"CLIENT_") || head.starts_with(b"SERVER_") {
        return Some("a TLS key log (give it with --keylog)");
    }
    let text = !head.is_empty() && head.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    text.then_some("text")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn roundtrip(c: Compression, packed: Vec<u8>, want: &[u8]) {
        assert_eq!(Compression::of(&packed), Some(c));
        let (mut r, found) = open_stream(std::io::Cursor::new(packed)).unwrap();
        assert_eq!(found, Some(c));
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        assert_eq!(got, want, "{}", c.name());
    }

    #[test]
    fn each_compression_is_told_by_its_magic_and_concatenated_streams_are_one() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let twice = [data.clone(), data.clone()].concat();
        let gz = |d: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        };
        roundtrip(Compression::Gzip, [gz(&data), gz(&data)].concat(), &twice);
        let bz = |d: &[u8]| {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        };
        roundtrip(Compression::Bzip2, [bz(&data), bz(&data)].concat(), &twice);
        let xz = |d: &[u8]| {
            let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
            w.write_all(d).unwrap();
            w.finish().unwrap()
        };
        roundtrip(Compression::Xz, [xz(&data), xz(&data)].concat(), &twice);
        let zst = |d: &[u8]| ruzstd::encoding::compress_to_vec(d, ruzstd::encoding::CompressionLevel::Fastest);
        roundtrip(Compression::Zstd, [zst(&data), zst(&data)].concat(), &twice);
        assert_eq!(Compression::of(b"BZh0"), None);
    }

    #[test]
    fn damaged_streams_are_errors_never_panics() {
        for (c, head) in [
            (Compression::Xz, &b"\xfd7zXZ\x00garbage after the magic"[..]),
            (Compression::Zstd, &b"\x28\xb5\x2f\xfdgarbage after the magic"[..]),
            (Compression::Bzip2, &b"BZh9garbage after the magic"[..]),
            (Compression::Gzip, &b"\x1f\x8bgarbage"[..]),
        ] {
            let mut r = c.decoder(std::io::Cursor::new(head.to_vec()));
            let mut out = Vec::new();
            assert!(r.read_to_end(&mut out).is_err(), "{}", c.name());
        }
    }

    #[test]
    fn what_a_file_is_when_it_is_no_capture() {
        assert_eq!(what_is(b"\x89PNG\r\n\x1a\n...."), Some("a PNG image"));
        assert_eq!(
            what_is(b"CLIENT_RANDOM ab cd\n"),
            Some("a TLS key log (give it with --keylog)")
        );
        assert_eq!(what_is(b"hello world\n"), Some("text"));
        assert_eq!(what_is(&[0, 1, 2, 3]), None);
    }
}
