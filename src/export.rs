//! `--export-certs`: writes every distinct certificate as `<sha256>.pem` and
//! each chain as `chain-<id>.pem`. File names come from fingerprints and
//! numbers only, never from names in the capture, and an existing symlink is
//! replaced, never followed, so nothing is written outside the directory.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::report::ConnectionReport;

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap_or_default());
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

fn write_new(dir: &Path, name: &str, content: &str) -> std::io::Result<()> {
    let p = dir.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&p) {
        if m.file_type().is_symlink() || m.is_file() {
            std::fs::remove_file(&p)?;
        } else {
            return Err(std::io::Error::other(format!(
                "{} exists and is not a file",
                p.display()
            )));
        }
    }
    let mut f = OpenOptions::new().write(true).create_new(true).open(&p)?;
    f.write_all(content.as_bytes())
}

/// Writes the certificates of chains as connections are reported: each
/// distinct certificate once, each chain as a bundle named by connection.
pub struct CertExporter {
    dir: PathBuf,
    written: HashSet<String>,
    /// Several captures: chain files carry the capture's number too.
    several: bool,
    /// `index.tsv`: a row per certificate of each chain file.
    index: std::io::BufWriter<std::fs::File>,
}

/// Where a connection was: its capture's place in the run (0-based), its
/// member's place in an archive, the capture's name as reports show it.
pub struct Place<'a> {
    pub input: usize,
    pub member: Option<usize>,
    pub capture: &'a str,
}

impl CertExporter {
    /// Exports into `dir` (made if missing), starting its `index.tsv`;
    /// `several`: the run has more than one input.
    pub fn new(dir: &Path, several: bool) -> std::io::Result<CertExporter> {
        std::fs::create_dir_all(dir)?;
        write_new(dir, "index.tsv", "file\tcapture\tconnection\tsubject\tsha256\n")?;
        let index = OpenOptions::new().append(true).open(dir.join("index.tsv"))?;
        Ok(CertExporter {
            dir: dir.to_path_buf(),
            written: HashSet::new(),
            several,
            index: std::io::BufWriter::new(index),
        })
    }

    /// The chain file's name: `chain-<id>.pem` for a run of one capture;
    /// `chain-<capture>-<id>.pem` in a batch and
    /// `chain-<capture>-<member>-<id>.pem` for an archive's member (1-based
    /// numbers, in the order of the inputs and of the archive).
    fn chain_name(&self, which: &str, at: &Place, id: u64) -> String {
        match (at.member, self.several) {
            (Some(m), _) => format!("{which}chain-{}-{}-{id}.pem", at.input + 1, m + 1),
            (None, true) => format!("{which}chain-{}-{id}.pem", at.input + 1),
            (None, false) => format!("{which}chain-{id}.pem"),
        }
    }

    /// Flushes `index.tsv`.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.index.flush()
    }

    /// The chains of one connection, and their rows of `index.tsv`.
    pub fn connection(&mut self, at: &Place, conn: &ConnectionReport) -> std::io::Result<()> {
        for (which, chain) in [("", &conn.server_chain), ("client-", &conn.client_chain)] {
            let Some(chain) = chain else { continue };
            let mut bundle = String::new();
            let name = self.chain_name(which, at, conn.id);
            for (i, der) in chain.der.iter().enumerate() {
                let fp = hex::encode(Sha256::digest(der));
                let p = pem(der);
                let subject = chain.certificates.get(i).map_or("", |c| c.subject.as_str());
                let capture = crate::escape::text(at.capture.as_bytes());
                writeln!(self.index, "{name}\t{capture}\t{}\t{subject}\t{fp}", conn.id)?;
                if !self.written.contains(&fp) {
                    write_new(&self.dir, &format!("{fp}.pem"), &p)?;
                    self.written.insert(fp);
                }
                bundle.push_str(&p);
            }
            write_new(&self.dir, &name, &bundle)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_base64() {
        assert!(pem(b"Man").contains("\nTWFu\n"));
        assert!(pem(b"Ma").contains("\nTWE=\n"));
        assert!(pem(b"M").contains("\nTQ==\n"));
    }
}
