//! The command line: flags, inputs, the trust store, the run over the
//! captures (with progress and messages on stderr), the exit code, the output.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use std::io::Write;
use std::sync::Mutex;

use pcap_tls_audit::analyze::{Options, analyze_into};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::capture::archive::{Input, Item, open_input};
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::export::CertExporter;
use pcap_tls_audit::report::junit::Counts;
use pcap_tls_audit::report::{BatchGroups, BatchTotal, CaptureReport, Tool, TrustStoreInfo};
use pcap_tls_audit::timefmt;
use pcap_tls_audit::vocabulary::Gate;

mod annotate;
mod color;
mod destinations;
mod document;
pub mod flags;
mod generate;
mod inputs;
mod keylog;
mod output;
mod progress;
mod spill;
mod trust;

use document::Document;
use flags::Cli;
use inputs::{collect_inputs, shown};
use output::{CaptureOut, Fan, Report, Settings};
use progress::Progress;

/// Files larger than this show a progress percentage on a terminal.
const PROGRESS_MIN_BYTES: usize = 64 * 1024 * 1024;

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
    if gates.contains(&Gate::Nothing) && gates.len() > 1 {
        return Err(UsageError::Invalid(
            "--fail-on: none (no gate) cannot be combined with other words".into(),
        ));
    }
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
        keylog: Some(Arc::new(keylog::read(&cli.keylog)?)),
        filters: pcap_tls_audit::filter::Filters {
            sni: cli.sni.clone(),
            server: cli.server.clone(),
            client: cli.client.clone(),
            port: cli.port.clone(),
        },
        stores: pcap_tls_audit::fix::Stores {
            keystores: cli.keystore.iter().map(|p| p.display().to_string()).collect(),
            ca_files: cli.ca_file.iter().map(|p| p.display().to_string()).collect(),
            export_dir: cli.export_certs.as_ref().map(|p| p.display().to_string()),
        },
    };
    Ok((opts, gates))
}

/// Reads and analyses one input with `workers` threads: a capture, or each
/// capture of an archive in turn (`ARCHIVE!MEMBER`); their reports go to
/// `outs` (one per report of the run) as they are made. Returns each
/// capture's facts (without connections) and whether a connection matched
/// a `--fail-on` word.
fn analyze_input(
    run: &Run,
    p: &Path,
    (i, n): (usize, usize),
    workers: usize,
    outs: &mut [&mut dyn Write],
) -> Vec<(CaptureReport, bool)> {
    run.progress.capture(i, n, &shown(p));
    let unreadable = |path: String, e: String| CaptureReport {
        path,
        error: Some(e),
        ..CaptureReport::default()
    };
    match open_input(p) {
        Err(e) => vec![run.report_of(
            (i, None),
            unreadable(p.display().to_string(), e.to_string()),
            outs,
            true,
        )],
        Ok(Input::Capture(cf)) => vec![analyze_one(run, &cf, ((i, None), n), workers, outs, true)],
        Ok(Input::Archive(members)) => {
            let mut done = Vec::new();
            for (k, item) in members.enumerate() {
                let (first, at) = (done.is_empty(), (i, Some(k)));
                done.push(match item {
                    Item::Member(cf) => analyze_one(run, &cf, (at, n), workers, outs, first),
                    Item::Error(e) => run.report_of(at, unreadable(p.display().to_string(), e), outs, first),
                });
            }
            done
        }
    }
}

/// Analyses one capture, showing progress for a large one (`first`: the
/// first capture of its input).
fn analyze_one(
    run: &Run,
    cf: &CaptureFile,
    ((i, member), n): ((usize, Option<usize>), usize),
    workers: usize,
    outs: &mut [&mut dyn Write],
    first: bool,
) -> (CaptureReport, bool) {
    let name = pcap_tls_audit::escape::text(cf.display_path.as_bytes());
    // Large files show how far the reading got.
    // Streams (standard input, compressed files) have no size: they show what was read.
    let big = run.cli.progress || cf.whole().is_none_or(|d| d.len() > PROGRESS_MIN_BYTES);
    let progress = run.progress;
    let report = |done: u64, total: u64| {
        if big {
            progress.bytes((i, n), &name, done, total);
        }
    };
    let fan = run.fan((i, member), &cf.display_path, outs, first);
    let workers = stream_workers(run.cli, cf, workers);
    let (rep, fan) = match &run.annotate {
        None => {
            let mut fan = fan;
            (analyze_into(cf, &run.opts, &report, workers, &mut fan), fan)
        }
        Some(a) => {
            let mut sink = output::Annotating {
                fan,
                comments: Default::default(),
            };
            let rep = analyze_into(cf, &run.opts, &report, workers, &mut sink);
            if rep.error.is_none() {
                run.annotate_one(a, cf, (i, member), &sink.comments);
            }
            (rep, sink.fan)
        }
    };
    let mut rep = rep;
    if member.is_none() && run.reports.iter().any(|(r, _)| matches!(r.format, flags::Format::Html)) {
        rep.file_sha256 = file_sha256(cf);
    }
    let failing = run.finish(fan, &rep);
    (rep, failing)
}

/// The SHA-256 of a capture's file as it lies on disk (the mapped bytes, or
/// the compressed file read again); none for standard input.
fn file_sha256(cf: &CaptureFile) -> Option<String> {
    use sha2::Digest;
    if let Some(b) = cf.whole() {
        return Some(hex::encode(sha2::Sha256::digest(b)));
    }
    if cf.path.as_os_str() == "-" {
        return None;
    }
    let mut f = std::fs::File::open(&cf.path).ok()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match std::io::Read::read(&mut f, &mut buf).ok()? {
            0 => return Some(hex::encode(h.finalize())),
            n => h.update(&buf[..n]),
        }
    }
}

/// The workers for capture `cf`: a stream (standard input, gzip) has a
/// thread of its own that reads it (and gunzips it), which takes a core;
/// unless `--jobs` says otherwise, its workers are one fewer than the
/// cores. On two cores, a 2 GB capture from standard input took 0.68 s
/// with two workers and 0.48 s with one (docs/performance.md).
fn stream_workers(cli: &Cli, cf: &CaptureFile, workers: usize) -> usize {
    if cli.jobs.is_none() && cf.whole().is_none() {
        workers.saturating_sub(1).max(1)
    } else {
        workers
    }
}

/// What every capture of the run shares.
struct Run<'a> {
    cli: &'a Cli,
    opts: Options,
    settings: Settings<'a>,
    /// The run's reports: the first (`-o` or standard output), then `--write`'s.
    reports: Vec<(Report, String)>,
    /// `--annotate`: where, and the key log to put in.
    annotate: Option<annotate::Target>,
    /// Per report, the counts of its JUnit suites (for `<testsuites>`).
    junit: Mutex<Vec<Counts>>,
    progress: &'a Progress,
    /// The first error writing the report or exporting certificates.
    errors: Mutex<Vec<UsageError>>,
}

impl<'a> Run<'a> {
    /// A capture's reports, one per report of the run (`first`: the first
    /// capture of its input; json separates the others from the one before).
    fn fan<'o>(
        &'o self,
        i: (usize, Option<usize>),
        path: &str,
        outs: &'o mut [&mut dyn Write],
        first: bool,
    ) -> Fan<'o> {
        Fan(outs
            .iter_mut()
            .zip(&self.reports)
            .map(|(out, (to, _))| {
                if !first && matches!(to.format, flags::Format::Json) {
                    // (An error shows when the report is written on.)
                    let _ = out.write_all(b",\n");
                }
                CaptureOut::new(&self.settings, *to, i, path, &mut **out)
            })
            .collect())
    }

    /// `--annotate`: the annotated copy of one capture; an error is the run's.
    fn annotate_one(
        &self,
        a: &annotate::Target,
        cf: &CaptureFile,
        at: (usize, Option<usize>),
        comments: &pcap_tls_audit::annotate::Comments,
    ) {
        if let Err(e) = a.write(cf, at, comments) {
            self.errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
        }
    }

    /// The report of a capture that could not be read.
    fn report_of(
        &self,
        i: (usize, Option<usize>),
        rep: CaptureReport,
        outs: &mut [&mut dyn Write],
        first: bool,
    ) -> (CaptureReport, bool) {
        let fan = self.fan(i, &rep.path, outs, first);
        let failing = self.finish(fan, &rep);
        (rep, failing)
    }

    /// The end of a capture's reports; keeps their errors; whether a
    /// connection or the capture failed a gate.
    fn finish(&self, fan: Fan, rep: &CaptureReport) -> bool {
        let mut failing = false;
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        let mut junit = self.junit.lock().unwrap_or_else(|e| e.into_inner());
        for (k, (out, (_, label))) in fan.0.into_iter().zip(&self.reports).enumerate() {
            let done = out.finish(rep);
            failing |= done.failing;
            if let Some(total) = junit.get_mut(k) {
                total.merge(&done.junit);
            }
            let (write, export) = (done.write_error, done.export_error);
            if let Some(e) = write {
                errors.push(UsageError::Output {
                    path: label.clone(),
                    source: e,
                });
            }
            if let (Some(e), Some(dir)) = (export, &self.cli.export_certs) {
                errors.push(UsageError::Output {
                    path: dir.display().to_string(),
                    source: e,
                });
            }
        }
        failing
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

/// Analyses every input: one with all the cores, its reports streamed
/// out; a batch with a core per capture, each capture's reports written in
/// input order as soon as those before it are (ripgrep's per-file buffers;
/// a large one waits in a temporary file, not in memory). Per capture:
/// whether it failed a gate, and its facts (without connections).
fn analyze_all(
    run: &Run,
    inputs: &[PathBuf],
    reports: usize,
    docs: &Mutex<Vec<Document>>,
) -> Vec<(bool, CaptureReport)> {
    if inputs.len() == 1 {
        // One capture: its reports stream out, with every core on it.
        let mut d = docs.lock().unwrap_or_else(|e| e.into_inner());
        let mut outs: Vec<&mut dyn Write> = d.iter_mut().map(|d| d.stream()).collect();
        let done = analyze_input(run, &inputs[0], (0, 1), rayon::current_num_threads(), &mut outs);
        for (rep, _) in &done {
            run.progress.messages(&capture_messages(rep));
        }
        done.into_iter().map(|(rep, failing)| (failing, rep)).collect()
    } else {
        // A batch: captures in parallel, one core each; each capture's
        // reports are written whole, in input order, as soon as those before
        // it are (ripgrep's per-file buffers; a large one waits in a
        // temporary file, not in memory).
        run.progress.batch(inputs.len());
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut bufs: Vec<spill::Spill> = (0..reports).map(|_| spill::Spill::default()).collect();
                let mut outs: Vec<&mut dyn Write> = bufs.iter_mut().map(|b| b as &mut dyn Write).collect();
                let done = analyze_input(run, p, (i, inputs.len()), 1, &mut outs);
                drop(outs);
                for (rep, _) in &done {
                    run.progress.messages(&capture_messages(rep));
                }
                let mut d = docs.lock().unwrap_or_else(|e| e.into_inner());
                for (doc, buf) in d.iter_mut().zip(bufs) {
                    doc.put(i, buf);
                }
                run.progress.done();
                done.into_iter()
                    .map(|(rep, failing)| (failing, rep))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    }
}

/// The end of every document of the run (`dests`, with their JUnit
/// counts): the groups and the total of its captures; the errors writing them.
fn end_documents(
    docs: Vec<Document>,
    (dests, junit): (&[destinations::Destination], &[Counts]),
    groups: BatchGroups,
    outcomes: &[(bool, CaptureReport)],
) -> Vec<UsageError> {
    let not_grouped = groups.not_grouped;
    let groups = groups.finish();
    let mut total = BatchTotal::default();
    for (_, c) in outcomes {
        total.add(c);
    }
    let end = document::End {
        groups: &groups,
        not_grouped,
        total: &total,
    };
    let mut problems = Vec::new();
    for ((doc, d), counts) in docs.into_iter().zip(dests).zip(junit) {
        if let Some(e) = doc.end(&end, counts) {
            problems.push(UsageError::Output {
                path: d.label.clone(),
                source: e,
            });
        }
    }
    problems
}

/// Runs the command line; the exit code of the contract.
pub fn run(cli: &Cli) -> Result<u8, UsageError> {
    if let Some(what) = cli.generate {
        generate::generate(what)?;
        return Ok(0);
    }
    let (opts, gates) = options(cli)?;
    let mut errors = Vec::new();
    let inputs = collect_inputs(&cli.captures, &mut errors);
    let dests = destinations::destinations(cli, color::wanted(cli))?;
    destinations::check(&dests, &inputs)?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // On a terminal unless --quiet; --progress forces it (plain lines off a terminal).
    let progress = Progress::new(cli.progress || (!cli.quiet && tty), tty);
    for e in &errors {
        progress.message(e);
    }
    let export = match &cli.export_certs {
        Some(dir) => Some(Mutex::new(CertExporter::new(dir, inputs.len() > 1).map_err(|e| {
            UsageError::Output {
                path: dir.display().to_string(),
                source: e,
            }
        })?)),
        None => None,
    };
    let tool = Tool {
        name: "pcap-tls-audit",
        version: env!("CARGO_PKG_VERSION"),
    };
    let store = TrustStoreInfo {
        source: opts.chains.store.source.clone(),
        anchors: opts.chains.store.len(),
        files: opts.chains.store.files.clone(),
    };
    let groups = Mutex::new(BatchGroups::default());
    let run_store_label = opts.chains.store.label();
    let run = Run {
        cli,
        opts,
        settings: Settings {
            text: pcap_tls_audit::report::TextStyle {
                verbose: cli.verbose,
                store: run_store_label.clone(),
            },
            gates: &gates,
            only_failed: cli.only_failed,
            export: export.as_ref(),
            groups: &groups,
        },
        reports: dests.iter().map(|d| (d.report, d.label.clone())).collect(),
        annotate: annotate::target(cli, &inputs)?,
        junit: Mutex::new(vec![Counts::default(); dests.len()]),
        progress: &progress,
        errors: Mutex::new(Vec::new()),
    };
    let mut docs = Vec::with_capacity(dests.len());
    for d in &dests {
        docs.push(Document::begin(destinations::open(d)?, d.report, &tool, &store));
    }
    let docs = Mutex::new(docs);
    // Per capture: failing a gate, its facts (without connections).
    let outcomes = analyze_all(&run, &inputs, dests.len(), &docs);
    if let Some(log) = &run.opts.keylog {
        for m in keylog::unused(log) {
            progress.message(&pcap_tls_audit::escape::text(m.as_bytes()));
        }
    }
    progress.clear();
    let docs = docs.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut problems = run.errors.into_inner().unwrap_or_else(|e| e.into_inner());
    let junit = run.junit.into_inner().unwrap_or_else(|e| e.into_inner());
    let groups = std::mem::take(&mut *groups.lock().unwrap_or_else(|e| e.into_inner()));
    problems.extend(end_documents(docs, (&dests, &junit), groups, &outcomes));
    if let (Some(x), Some(dir)) = (&export, &cli.export_certs)
        && let Err(e) = x
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))
            .and_then(|mut x| x.finish())
    {
        problems.push(UsageError::Output {
            path: dir.display().to_string(),
            source: e,
        });
    }
    // A closed pipe ends the writing quietly; any other error is the run's.
    if let Some(e) = problems.into_iter().find(|e| !is_broken_pipe(e)) {
        return Err(e);
    }
    let unreadable = !errors.is_empty() || outcomes.iter().any(|(_, rep)| rep.error.is_some());
    let failing = outcomes.iter().any(|(failing, _)| *failing);
    Ok(if unreadable {
        2
    } else if failing {
        1
    } else {
        0
    })
}

fn is_broken_pipe(e: &UsageError) -> bool {
    matches!(e, UsageError::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_stream_leaves_a_core_to_its_reading_thread_unless_jobs_is_given() -> Result<(), Box<dyn std::error::Error>> {
        let gzip = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&[0xd4, 0xc3, 0xb2, 0xa1])?;
            e.finish()?
        };
        let stream = CaptureFile::from_bytes("x.pcap.gz", gzip)?;
        let whole = CaptureFile::from_bytes("x.pcap", vec![0xd4, 0xc3, 0xb2, 0xa1])?;
        let default = Cli::parse_from(["pcap-tls-audit", "x"]);
        let given = Cli::parse_from(["pcap-tls-audit", "--jobs", "2", "x"]);
        assert_eq!(stream_workers(&default, &stream, 2), 1);
        assert_eq!(stream_workers(&default, &stream, 1), 1);
        assert_eq!(stream_workers(&default, &stream, 8), 7);
        assert_eq!(stream_workers(&given, &stream, 2), 2);
        assert_eq!(stream_workers(&default, &whole, 2), 2);
        Ok(())
    }
}
