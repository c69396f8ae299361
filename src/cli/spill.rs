//! A capture's report in a batch, held until the captures before it are
//! written: in memory while small, in an unnamed temporary file beyond
//! `MEMORY_LIMIT`, so that a batch of large captures never holds their
//! reports in memory.

use std::io::{Read, Seek, SeekFrom, Write};

/// Bytes kept in memory before the report moves to a temporary file.
const MEMORY_LIMIT: usize = 8 << 20;

pub enum Spill {
    Memory(Vec<u8>),
    File(std::io::BufWriter<std::fs::File>),
}

impl Default for Spill {
    fn default() -> Self {
        Spill::Memory(Vec::new())
    }
}

impl Write for Spill {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Spill::Memory(v) = self
            && v.len() + b.len() > MEMORY_LIMIT
        {
            let mut f = std::io::BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
            f.write_all(v)?;
            *self = Spill::File(f);
        }
        match self {
            Spill::Memory(v) => v.write(b),
            Spill::File(f) => f.write(b),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Spill::Memory(_) => Ok(()),
            Spill::File(f) => f.flush(),
        }
    }
}

impl Spill {
    /// Copies the whole report to `out`.
    pub fn copy_to(self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Spill::Memory(v) => out.write_all(&v),
            Spill::File(f) => {
                let mut file = f.into_inner().map_err(|e| e.into_error())?;
                file.seek(SeekFrom::Start(0))?;
                let mut r = std::io::BufReader::with_capacity(1 << 16, file);
                let mut buf = [0u8; 1 << 16];
                loop {
                    let n = r.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_report_moves_to_a_file_and_comes_back_whole() {
        let mut s = Spill::default();
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..10 {
            s.write_all(&chunk).unwrap();
        }
        assert!(matches!(s, Spill::File(_)));
        let mut out = Vec::new();
        s.copy_to(&mut out).unwrap();
        assert_eq!(out.len(), 10 << 20);
        assert!(out.chunks(1 << 20).all(|c| c == chunk.as_slice()));
    }
}
