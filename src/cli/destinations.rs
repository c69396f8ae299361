//! Where the run's reports go: `-o` (or standard output) and each
//! `--write` file, checked before anything is written: a file that is an
//! input, or the same file twice, is a usage error.

use std::io::Write;
use std::path::PathBuf;

use pcap_tls_audit::error::UsageError;

use super::flags::Cli;
use super::inputs::shown;
use super::output::Report;

/// One report of the run and where it goes (`None`: standard output).
pub struct Destination {
    pub report: Report,
    pub path: Option<PathBuf>,
    /// How messages name it: the file, or "standard output".
    pub label: String,
}

fn file(p: &std::path::Path) -> Option<PathBuf> {
    (p.as_os_str() != "-").then(|| p.to_path_buf())
}

/// The run's reports: the first in `--format` (colour as `--color` says),
/// to `-o` or standard output; then each `--write FORMAT=FILE`.
pub fn destinations(cli: &Cli, color: bool) -> Result<Vec<Destination>, UsageError> {
    let first = cli.output.as_deref().and_then(file);
    let mut all = vec![Destination {
        report: Report {
            format: cli.format,
            color,
            primary: true,
        },
        label: first
            .as_ref()
            .map_or("standard output".into(), |p| p.display().to_string()),
        path: first,
    }];
    for w in &cli.write {
        let path = file(&w.path);
        if path.is_none() && all.iter().any(|d| d.path.is_none()) {
            return Err(UsageError::Invalid(
                "--write FORMAT=-: standard output already gets the report (-o FILE sends that one elsewhere)".into(),
            ));
        }
        all.push(Destination {
            report: Report {
                format: w.format,
                color: false,
                primary: false,
            },
            label: path
                .as_ref()
                .map_or("standard output".into(), |p| p.display().to_string()),
            path,
        });
    }
    Ok(all)
}

/// The identity of an existing file (device and inode).
fn identity(p: &PathBuf) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// An output file that is one of the inputs would be emptied before it is
/// read, and two reports into one file would mix: usage errors, found
/// before anything is written.
pub fn check(dests: &[Destination], inputs: &[PathBuf]) -> Result<(), UsageError> {
    let files: Vec<&PathBuf> = dests.iter().filter_map(|d| d.path.as_ref()).collect();
    for (k, out) in files.iter().enumerate() {
        let same_name = |p: &&PathBuf| p == out || (identity(p).is_some() && identity(p) == identity(out));
        if files[..k].iter().any(same_name) {
            return Err(UsageError::Invalid(format!(
                "{}: two reports would be written to this file",
                shown(out)
            )));
        }
        let Some(o) = identity(out) else { continue };
        if let Some(p) = inputs.iter().find(|p| identity(p) == Some(o)) {
            return Err(UsageError::Invalid(format!(
                "{}: this is the input {}; writing a report there would destroy the capture",
                shown(out),
                shown(p)
            )));
        }
    }
    Ok(())
}

/// Opens a destination for writing.
pub fn open(d: &Destination) -> Result<Box<dyn Write + Send>, UsageError> {
    Ok(match &d.path {
        Some(p) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(p).map_err(|e| UsageError::Output {
                path: d.label.clone(),
                source: e,
            })?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout())),
    })
}
