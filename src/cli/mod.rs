//! The command line: flags, inputs, the trust store, the run over the
//! captures (with progress and messages on stderr), the exit code, the output.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use pcap_tls_audit::analyze::{Options, analyze_capture_with_progress};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::export::export_certs;
use pcap_tls_audit::report::{CaptureReport, Document, Tool, TrustStoreInfo};
use pcap_tls_audit::timefmt;
use pcap_tls_audit::vocabulary::{FindingCode, Gate, Status};

pub mod flags;
mod inputs;
mod output;
mod progress;
mod trust;

use flags::Cli;
use inputs::{collect_inputs, shown};
use progress::Progress;

/// Files larger than this show a progress percentage on a terminal.
const PROGRESS_MIN_BYTES: usize = 64 * 1024 * 1024;

/// True when a connection of the capture matches a `--fail-on` word.
fn matches_fail_on(c: &CaptureReport, gates: &[Gate]) -> bool {
    c.connections.iter().any(|conn| {
        let codes = || {
            conn.findings.iter().chain(
                [&conn.server_chain, &conn.client_chain]
                    .into_iter()
                    .flatten()
                    .flat_map(|ch| ch.findings.iter()),
            )
        };
        gates.iter().any(|g| match g {
            Gate::Status(s) => conn.status == *s,
            Gate::Cause(cause) => {
                conn.failure.as_ref().is_some_and(|f| f.cause == *cause)
                    // server_key_mismatch is a cause and a finding: either matches.
                    || cause.word().parse::<FindingCode>().is_ok_and(|code| codes().any(|x| x.code == code))
            }
            Gate::Finding(code) => codes().any(|x| x.code == *code),
        })
    })
}

/// The analysis options the flags ask for; `--fail-on` words as gates.
fn options(cli: &Cli) -> Result<(Options, Vec<Gate>), UsageError> {
    if let Some(j) = cli.jobs {
        if j == 0 {
            return Err(UsageError::Invalid("--jobs must be at least 1".into()));
        }
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(j).build_global();
    }
    let gates = cli
        .fail_on
        .iter()
        .map(|w| w.parse::<Gate>())
        .collect::<Result<Vec<Gate>, String>>()
        .map_err(|e| UsageError::Invalid(format!("--fail-on: {e}")))?;
    let at = match &cli.at {
        Some(s) => Some(timefmt::parse_rfc3339(s).map_err(UsageError::Invalid)?),
        None => None,
    };
    let mut chains = Chains::new(trust::trust_store(cli)?);
    chains.max_key_bits = cli.max_key_bits;
    let opts = Options {
        chains: Arc::new(chains),
        at,
        host: cli.host.clone(),
    };
    Ok((opts, gates))
}

/// Reads and analyses one capture, showing progress for a large one.
fn analyze_one(cli: &Cli, opts: &Options, p: &Path, (i, n): (usize, usize), progress: &Progress) -> CaptureReport {
    let name = shown(p);
    if n > 1 {
        progress.show(&format!("[{}/{n}] {name}", i + 1), true);
    }
    match CaptureFile::open(p) {
        Ok(cf) => {
            // Large files show how far the reading got.
            let big = cli.progress || cf.data().len() > PROGRESS_MIN_BYTES;
            let report = |done: u64, total: u64| {
                if big {
                    let pct = done * 100 / total.max(1);
                    let line = format!("[{}/{n}] {name}: {pct}% of {} MB", i + 1, total / 1_000_000);
                    progress.show(&line, false);
                }
            };
            analyze_capture_with_progress(&cf, opts, &report)
        }
        Err(e) => CaptureReport {
            path: p.display().to_string(),
            error: Some(e.to_string()),
            ..CaptureReport::default()
        },
    }
}

/// What stderr says about a capture: its error, then its warnings (--quiet
/// silences the progress display only: warnings always reach stderr).
fn capture_messages(rep: &CaptureReport) -> Vec<String> {
    let path = pcap_tls_audit::escape::text(rep.path.as_bytes());
    rep.error
        .iter()
        .map(|e| pcap_tls_audit::escape::text(e.as_bytes()))
        .chain(rep.warnings.iter().map(|w| format!("{path}: warning: {w}")))
        .collect()
}

/// Runs the command line; the exit code of the contract.
pub fn run(cli: &Cli) -> Result<u8, UsageError> {
    let (opts, gates) = options(cli)?;
    let mut errors = Vec::new();
    let inputs = collect_inputs(&cli.captures, &mut errors);
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // On a terminal unless --quiet; --progress forces it (plain lines off a terminal).
    let progress = Progress::new(cli.progress || (!cli.quiet && tty), tty);
    for e in &errors {
        progress.message(e);
    }
    // The captures of a batch are analysed in parallel (each capture's
    // connections in parallel too); the reports keep the input order, and
    // each capture's messages are written together when it is done.
    let mut captures: Vec<CaptureReport> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let rep = analyze_one(cli, &opts, p, (i, inputs.len()), &progress);
            progress.messages(&capture_messages(&rep));
            rep
        })
        .collect();
    let unreadable = !errors.is_empty() || captures.iter().any(|c| c.error.is_some());
    progress.clear();
    if let Some(dir) = &cli.export_certs {
        export_certs(dir, &captures).map_err(|e| UsageError::Output {
            path: dir.display().to_string(),
            source: e,
        })?;
    }
    let failing = captures.iter().any(|c| matches_fail_on(c, &gates));
    if cli.only_failed {
        for c in &mut captures {
            c.connections.retain(|x| x.status != Status::Ok);
        }
    }
    let doc = Document {
        tool: Tool {
            name: "pcap-tls-audit",
            version: env!("CARGO_PKG_VERSION"),
        },
        trust_store: TrustStoreInfo {
            source: opts.chains.store.source.clone(),
            anchors: opts.chains.store.len(),
        },
        captures,
    };
    output::write(&output::render(&doc, cli.format)?, cli.output.as_deref())?;
    Ok(if unreadable {
        2
    } else if failing {
        1
    } else {
        0
    })
}
