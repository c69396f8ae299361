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
}

impl CertExporter {
    /// Creates the directory.
    pub fn new(dir: &Path, several: bool) -> std::io::Result<CertExporter> {
        std::fs::create_dir_all(dir)?;
        Ok(CertExporter {
            dir: dir.to_path_buf(),
            written: HashSet::new(),
            several,
        })
    }

    /// The chains of one connection of capture `ci` (0-based).
    pub fn connection(&mut self, ci: usize, conn: &ConnectionReport) -> std::io::Result<()> {
        for (which, chain) in [("", &conn.server_chain), ("client-", &conn.client_chain)] {
            let Some(chain) = chain else { continue };
            let mut bundle = String::new();
            for der in chain.der.iter() {
                let fp = hex::encode(Sha256::digest(der));
                let p = pem(der);
                if !self.written.contains(&fp) {
                    write_new(&self.dir, &format!("{fp}.pem"), &p)?;
                    self.written.insert(fp);
                }
                bundle.push_str(&p);
            }
            let name = if self.several {
                format!("{which}chain-{}-{}.pem", ci + 1, conn.id)
            } else {
                format!("{which}chain-{}.pem", conn.id)
            };
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
