//! `--generate`: shell completions (clap_complete) and the man page
//! (clap_mangen), both made from the option definitions in `flags`, as
//! ripgrep's `--generate` does, so they never drift from the options.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use pcap_tls_audit::error::UsageError;

use super::flags::{Cli, Generate};

/// Writes what `what` asks for to standard output.
pub fn generate(what: Generate) -> Result<(), UsageError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let shell = match what {
        Generate::CompleteBash => Some(Shell::Bash),
        Generate::CompleteZsh => Some(Shell::Zsh),
        Generate::CompleteFish => Some(Shell::Fish),
        Generate::CompletePowershell => Some(Shell::PowerShell),
        Generate::Man => None,
    };
    match shell {
        Some(sh) => clap_complete::generate(sh, &mut cmd, "pcap-tls-audit", &mut out),
        None => clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| UsageError::Invalid(format!("--generate man: {e}")))?,
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(UsageError::Output {
            path: "standard output".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}
