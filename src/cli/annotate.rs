//! `--annotate OUT`: where each capture's annotated copy goes (OUT itself
//! for one capture; OUT/<n>-<name>.pcapng for each capture of several), the
//! key log it carries, and the writing after the capture's analysis.

use std::path::{Path, PathBuf};

use pcap_tls_audit::annotate::{Comments, write_file};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::error::UsageError;

use super::flags::Cli;
use super::inputs::shown;

pub struct Target {
    out: PathBuf,
    /// Several inputs: `out` is a directory.
    several: bool,
    /// The text of the `--keylog` files, for the Decryption Secrets Block.
    secrets: Vec<u8>,
}

/// `--annotate`'s target, checked before anything is read: standard input
/// cannot be read twice.
pub fn target(cli: &Cli, inputs: &[PathBuf]) -> Result<Option<Target>, UsageError> {
    let Some(out) = &cli.annotate else { return Ok(None) };
    if inputs.iter().any(|p| p.as_os_str() == "-") {
        return Err(UsageError::Invalid(
            "--annotate: standard input is read once; save the capture to a file first".into(),
        ));
    }
    let several = inputs.len() > 1;
    if several {
        std::fs::create_dir_all(out).map_err(|e| UsageError::Output {
            path: out.display().to_string(),
            source: e,
        })?;
    }
    let mut secrets = Vec::new();
    for k in &cli.keylog {
        let text = std::fs::read(k).map_err(|e| UsageError::Invalid(format!("--keylog {}: {e}", shown(k))))?;
        secrets.extend_from_slice(&text);
        if !secrets.ends_with(b"\n") {
            secrets.push(b'\n');
        }
    }
    Ok(Some(Target {
        out: out.clone(),
        several,
        secrets,
    }))
}

impl Target {
    /// Where capture `input` (0-based; `member` in its archive) goes.
    fn path_of(&self, cf: &CaptureFile, (input, member): (usize, Option<usize>)) -> PathBuf {
        if !self.several && member.is_none() {
            return self.out.clone();
        }
        let name = cf.display_path.rsplit(['/', '!']).next().unwrap_or("capture");
        let stem = name.split('.').next().filter(|s| !s.is_empty()).unwrap_or("capture");
        let n = match member {
            Some(m) => format!("{}-{}", input + 1, m + 1),
            None => format!("{}", input + 1),
        };
        let dir = if self.several {
            self.out.clone()
        } else {
            self.out.with_extension("")
        };
        dir.join(format!("{n}-{stem}.pcapng"))
    }

    /// Writes the annotated copy of `cf`; an error names the file.
    pub fn write(&self, cf: &CaptureFile, at: (usize, Option<usize>), comments: &Comments) -> Result<(), UsageError> {
        let path = self.path_of(cf, at);
        if at.1.is_some() {
            // An archive's member was read once, as a stream.
            return Err(UsageError::Invalid(format!(
                "--annotate: {}: a member of an archive is read once; extract it to annotate it",
                shown(Path::new(&cf.display_path))
            )));
        }
        let secrets = (!self.secrets.is_empty()).then_some(self.secrets.as_slice());
        write_file(&cf.path, cf.whole(), comments, secrets, &path)
            .map(|_| ())
            .map_err(|e| UsageError::Output {
                path: path.display().to_string(),
                source: e,
            })
    }
}
