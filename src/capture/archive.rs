//! Archives of captures, as customers attach them: tar (plain or
//! compressed) and zip. Each member is read as a stream, in the archive's
//! order, by a thread that walks the archive and hands the member's bytes
//! through a bounded pipe, so that nothing is unpacked to disk or held
//! whole. A member that is a capture (pcap or pcapng, also compressed) is
//! analysed as `ARCHIVE!MEMBER`; other members are skipped.

use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::compress::{Compression, open_stream};
use super::{CaptureFile, PCAP_MAGICS, PCAPNG_MAGIC};
use crate::error::CaptureError;

/// Bytes handed through the pipe at a time, and pieces in flight.
const PIECE: usize = 1 << 20;
const PIECES: usize = 4;
/// Bytes looked at to tell what a file or member is (tar's magic is at 257).
const HEAD: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tar,
    Zip,
}

/// The archive whose first bytes are `head`.
pub fn kind(head: &[u8]) -> Option<Kind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if head.get(257..262) == Some(b"ustar") {
        Some(Kind::Tar)
    } else {
        None
    }
}

fn is_capture(head: &[u8]) -> bool {
    head.starts_with(&PCAPNG_MAGIC) || PCAP_MAGICS.iter().any(|(m, _, _)| head.starts_with(m))
}

/// What an input is once opened.
pub enum Input {
    Capture(CaptureFile),
    Archive(Members),
}

/// What walking an archive gives, in order.
pub enum Item {
    Member(CaptureFile),
    /// The archive could not be read (further): the message names it.
    Error(String),
}

/// The captures of an archive, as the thread walking it finds them.
pub struct Members {
    rx: Receiver<Item>,
}

impl Iterator for Members {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        self.rx.recv().ok()
    }
}

/// A member's bytes, read from the pipe (an error ends it).
struct Pipe {
    rx: Receiver<Result<Vec<u8>, String>>,
    piece: Vec<u8>,
    at: usize,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.piece.len() {
            match self.rx.recv() {
                Ok(Ok(p)) => (self.piece, self.at) = (p, 0),
                Ok(Err(why)) => return Err(std::io::Error::other(why)),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.piece.len() - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Up to `HEAD` first bytes of `r` (fewer at its end).
fn head_of(r: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD);
    r.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A tar or zip problem in our words (the library's text never reaches a user).
fn damaged(archive: &str, what: &str, members: usize) -> String {
    format!("{archive}: the {what} archive is damaged or cut short after {members} member(s); the rest is not read")
}

/// Hands one member on when it is a capture (decompressed when it is
/// compressed); false when the consumer has gone.
fn hand(archive: &str, member: &str, r: &mut dyn Read, tx: &SyncSender<Item>, found: &mut usize) -> bool {
    let Ok(raw) = head_of(r) else { return true };
    let compression = Compression::of(&raw);
    let mut r: Box<dyn Read + '_> = match compression {
        Some(c) => c.local_decoder(BufReader::new(std::io::Cursor::new(raw).chain(r))),
        None => Box::new(std::io::Cursor::new(raw).chain(r)),
    };
    let Ok(head) = head_of(&mut r) else { return true };
    if !is_capture(&head) {
        return true;
    }
    *found += 1;
    let (ptx, prx) = sync_channel(PIECES);
    let pipe = Pipe {
        rx: prx,
        piece: head,
        at: 0,
    };
    let name = format!("{archive}!{member}");
    if tx
        .send(Item::Member(CaptureFile::from_stream(&name, Box::new(pipe))))
        .is_err()
    {
        return false;
    }
    loop {
        let mut piece = Vec::with_capacity(PIECE);
        match (&mut r).take(PIECE as u64).read_to_end(&mut piece) {
            Ok(0) => return true,
            Ok(_) => {
                // The capture stopped reading (it is done with it): skip the rest.
                if ptx.send(Ok(piece)).is_err() {
                    return true;
                }
            }
            Err(e) => {
                let c = compression.map_or("archive", |c| c.name());
                let _ = ptx.send(Err(format!("{c} data of the member is damaged ({})", e.kind())));
                return true;
            }
        }
    }
}

fn walk_tar(archive: &str, r: Box<dyn Read + Send>, tx: &SyncSender<Item>) {
    let mut a = tar::Archive::new(r);
    let (mut seen, mut found) = (0usize, 0usize);
    let entries = match a.entries() {
        Ok(e) => e,
        Err(_) => {
            let _ = tx.send(Item::Error(damaged(archive, "tar", 0)));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(_) => {
                let _ = tx.send(Item::Error(damaged(archive, "tar", seen)));
                return;
            }
        };
        seen += 1;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        if !hand(archive, &member, &mut entry, tx, &mut found) {
            return;
        }
    }
    none_found(archive, found, tx);
}

fn none_found(archive: &str, found: usize, tx: &SyncSender<Item>) {
    if found == 0 {
        let _ = tx.send(Item::Error(format!(
            "{archive}: no capture in this archive (no member is pcap or pcapng, also compressed)"
        )));
    }
}

/// One member of a zip, handed on when it is a capture; false when the
/// walk ends here (damage after `seen` members, or the consumer has gone).
fn zip_member<R: Read>(
    archive: &str,
    m: zip::result::ZipResult<zip::read::ZipFile<'_, R>>,
    seen: usize,
    (tx, found): (&SyncSender<Item>, &mut usize),
) -> bool {
    let Ok(mut m) = m else {
        let _ = tx.send(Item::Error(damaged(archive, "zip", seen)));
        return false;
    };
    if !m.is_file() {
        return true;
    }
    let member = m.name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    hand(archive, &member, &mut m, tx, found)
}

/// A zip file on disk, through its central directory.
fn walk_zip_file(archive: &str, f: std::fs::File, tx: &SyncSender<Item>) {
    let Ok(mut z) = zip::ZipArchive::new(BufReader::new(f)) else {
        let _ = tx.send(Item::Error(damaged(archive, "zip", 0)));
        return;
    };
    let mut found = 0usize;
    for i in 0..z.len() {
        if !zip_member(archive, z.by_index(i), i, (tx, &mut found)) {
            return;
        }
    }
    none_found(archive, found, tx);
}

/// A zip read as a stream (standard input, a compressed zip): member by
/// member from their local headers.
fn walk_zip_stream(archive: &str, mut r: Box<dyn Read + Send>, tx: &SyncSender<Item>) {
    let (mut seen, mut found) = (0usize, 0usize);
    loop {
        let m = match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(None) => break,
            Ok(Some(m)) => Ok(m),
            Err(e) => Err(e),
        };
        if !zip_member(archive, m, seen, (tx, &mut found)) {
            return;
        }
        seen += 1;
    }
    none_found(archive, found, tx);
}

/// Starts the thread that walks an archive.
fn members(walk: impl FnOnce(&SyncSender<Item>) + Send + 'static) -> Members {
    // A member is handed when the capture before it is done.
    let (tx, rx) = sync_channel(0);
    std::thread::spawn(move || walk(&tx));
    Members { rx }
}

/// Opens an input: a capture (a file, mapped; a stream; compressed or
/// not) or an archive of captures. `-` is standard input.
pub fn open_input(path: &Path) -> Result<Input, CaptureError> {
    let display = path.display().to_string();
    let io = |e: std::io::Error| CaptureError::Io {
        path: display.clone(),
        source: e,
    };
    let stream: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        let mut f = std::fs::File::open(path).map_err(io)?;
        let meta = f.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(CaptureError::IsDirectory { path: display });
        }
        if meta.is_file() {
            let raw = head_of(&mut f).map_err(io)?;
            if Compression::of(&raw).is_none() {
                return match kind(&raw) {
                    Some(Kind::Zip) => {
                        let f = std::fs::File::open(path).map_err(io)?;
                        Ok(Input::Archive(members(move |tx| walk_zip_file(&display, f, tx))))
                    }
                    Some(Kind::Tar) => {
                        let f: Box<dyn Read + Send> = Box::new(std::fs::File::open(path).map_err(io)?);
                        Ok(Input::Archive(members(move |tx| walk_tar(&display, f, tx))))
                    }
                    // A capture (or not): mapped whole.
                    None => CaptureFile::open(path).map(Input::Capture),
                };
            }
        }
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    // A stream, or a compressed file: what it is shows once decompressed.
    let (mut r, compression) = open_stream(stream).map_err(io)?;
    let head = head_of(&mut r).map_err(|e| match compression {
        Some(c) => CaptureError::Compressed {
            path: display.clone(),
            compression: c.name(),
        },
        None => io(e),
    })?;
    let r: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head.clone()).chain(r));
    Ok(match kind(&head) {
        Some(Kind::Tar) => Input::Archive(members(move |tx| walk_tar(&display, r, tx))),
        Some(Kind::Zip) => Input::Archive(members(move |tx| walk_zip_stream(&display, r, tx))),
        None => {
            let mut cf = CaptureFile::from_stream(&display, r);
            cf.path = path.to_path_buf();
            cf.compression = compression;
            Input::Capture(cf)
        }
    })
}
