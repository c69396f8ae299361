//! `--annotate`: the capture written back as pcapng with the verdict at the
//! packet, so that Wireshark shows it (`frame.comment`): a comment on each
//! connection's decisive frame, short ones on its hellos, Certificate and
//! alerts, and the key log as a Decryption Secrets Block. Every packet is
//! kept with its timestamp (nanoseconds), length on the wire and link type
//! (one interface per link type).

use std::collections::BTreeMap;
use std::io::Write;

use crate::capture::FrameReader;
use crate::report::ConnectionReport;

/// The comments of a capture's frames, by frame number.
#[derive(Debug, Default)]
pub struct Comments {
    by_frame: BTreeMap<u64, Vec<String>>,
}

/// Longest comment written (a hostile SNI or subject is cut, never the file).
const MAX_COMMENT: usize = 1000;

impl Comments {
    fn add(&mut self, frame: u64, text: String) {
        let mut text = text;
        if text.len() > MAX_COMMENT {
            let mut end = MAX_COMMENT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        let v = self.by_frame.entry(frame).or_default();
        if !v.contains(&text) {
            v.push(text);
        }
    }

    /// One connection's comments: its verdict on the decisive frame, its
    /// hellos, Certificate and alerts on theirs.
    pub fn connection(&mut self, c: &ConnectionReport) {
        let tag = format!("pcap-tls-audit #{}", c.id);
        if let Some(f) = &c.failure {
            let who = match f.side {
                crate::vocabulary::Blame::Network => "no answer".to_string(),
                side => format!("{side} gave up"),
            };
            let frame = f.frame.unwrap_or(c.first_frame);
            self.add(
                frame,
                format!("{tag}: {} {} ({who}): {}", c.status, f.cause, f.fix.summary),
            );
        }
        for h in &c.handshake {
            let label = match h.message.as_ref() {
                "ClientHello" | "ServerHello" | "Certificate" | "Alert" => h.message.to_string(),
                _ => continue,
            };
            let detail = h.detail.as_ref().map(|d| format!(" {d}")).unwrap_or_default();
            let verdict = if h.message == "ClientHello" && c.failure.is_none() {
                format!(" ({})", c.status)
            } else {
                String::new()
            };
            self.add(h.frame, format!("{tag}: {} {label}{detail}{verdict}", h.from));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_frame.is_empty()
    }

    fn of(&self, frame: u64) -> &[String] {
        self.by_frame.get(&frame).map_or(&[], |v| v.as_slice())
    }
}

/// Writes a pcapng block: type, total length, body padded to 4, length again.
fn block(out: &mut impl Write, kind: u32, body: &[u8]) -> std::io::Result<()> {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    out.write_all(&kind.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&[0u8; 3][..pad])?;
    out.write_all(&total.to_le_bytes())
}

/// A pcapng option: code, length, value padded to 4.
fn option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&(value.len() as u16).to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len() + (4 - value.len() % 4) % 4, 0);
}

/// Writes the frames of `reader` as pcapng to `out`, with `comments` and
/// the key log text `secrets`; the packets written.
pub fn write(
    reader: FrameReader,
    comments: &Comments,
    secrets: Option<&[u8]>,
    out: &mut impl Write,
) -> std::io::Result<u64> {
    // Section header: byte-order magic, version 1.0, length unknown.
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    option(&mut shb, 4, b"pcap-tls-audit --annotate"); // shb_userappl
    shb.extend_from_slice(&[0, 0, 0, 0]);
    block(out, 0x0a0d_0d0a, &shb)?;
    if let Some(s) = secrets.filter(|s| !s.is_empty()) {
        // Decryption Secrets Block: TLS key log.
        let mut dsb = Vec::new();
        dsb.extend_from_slice(&0x544c_534bu32.to_le_bytes());
        dsb.extend_from_slice(&(s.len() as u32).to_le_bytes());
        dsb.extend_from_slice(s);
        dsb.resize(dsb.len() + (4 - s.len() % 4) % 4, 0);
        block(out, 0x0000_000a, &dsb)?;
    }
    let mut interfaces: Vec<u32> = Vec::new();
    let mut packets = 0u64;
    let mut epb = Vec::new();
    for f in reader {
        let iface = match interfaces.iter().position(|l| *l == f.link_type) {
            Some(i) => i,
            None => {
                // An interface per link type, timestamps in nanoseconds.
                let mut idb = Vec::new();
                idb.extend_from_slice(&(f.link_type as u16).to_le_bytes());
                idb.extend_from_slice(&0u16.to_le_bytes());
                idb.extend_from_slice(&0u32.to_le_bytes());
                option(&mut idb, 9, &[9]); // if_tsresol: 10^-9
                idb.extend_from_slice(&[0, 0, 0, 0]);
                block(out, 1, &idb)?;
                interfaces.push(f.link_type);
                interfaces.len() - 1
            }
        };
        let ns = (f.ts.secs.max(0) as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(f.ts.nanos as u64);
        epb.clear();
        epb.extend_from_slice(&(iface as u32).to_le_bytes());
        epb.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ns as u32).to_le_bytes());
        epb.extend_from_slice(&(f.data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&f.orig_len.max(f.data.len() as u32).to_le_bytes());
        epb.extend_from_slice(f.data);
        epb.resize(epb.len() + (4 - f.data.len() % 4) % 4, 0);
        let notes = comments.of(f.number);
        for c in notes {
            option(&mut epb, 1, c.as_bytes()); // opt_comment
        }
        if !notes.is_empty() {
            epb.extend_from_slice(&[0, 0, 0, 0]);
        }
        block(out, 6, &epb)?;
        packets += 1;
    }
    Ok(packets)
}

/// Writes the annotated copy of a capture to `path`: `bytes` are the
/// capture's whole bytes (a mapped file), or `None` for a stream, which is
/// opened again from `source` (a compressed file, decompressed once more
/// into an unnamed temporary file).
pub fn write_file(
    source: &std::path::Path,
    bytes: Option<&[u8]>,
    comments: &Comments,
    secrets: Option<&[u8]>,
    path: &std::path::Path,
) -> std::io::Result<u64> {
    let spilled;
    let data: &[u8] = match bytes {
        Some(b) => b,
        None => {
            let cf = crate::capture::CaptureFile::open(source).map_err(std::io::Error::other)?;
            let mut r = cf
                .take_stream()
                .ok_or_else(|| std::io::Error::other("the capture cannot be read again"))?;
            let mut tmp = tempfile::tempfile()?;
            std::io::copy(&mut r, &mut tmp)?;
            // SAFETY: an unnamed temporary file only this process has.
            spilled = unsafe { memmap2::Mmap::map(&tmp)? };
            &spilled
        }
    };
    let reader = FrameReader::new(data, &source.display().to_string()).map_err(std::io::Error::other)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    let n = write(reader, comments, secrets, &mut out)?;
    out.flush()?;
    Ok(n)
}
