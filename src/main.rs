//! Command line of pcap-tls-audit: parses arguments, runs the library on each
//! capture, prints the report and sets the exit code of the contract.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, ValueEnum};

use pcap_tls_audit::analyze::{Options, analyze_capture_with_progress};
use pcap_tls_audit::capture::{CaptureFile, looks_like_capture};
use pcap_tls_audit::chain::{Chains, read_certificates};
use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::export::export_certs;
use pcap_tls_audit::report::{CaptureReport, Document, Tool, TrustStoreInfo, render_text};
use pcap_tls_audit::timefmt;
use pcap_tls_audit::trust::TrustStore;
use pcap_tls_audit::trust::keystore::read_keystore;
use pcap_tls_audit::vocabulary::{FindingCode, Gate, Status};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
    Jsonl,
}

/// Reads packet captures and says, per TCP connection, whether the TLS
/// handshake succeeded, who gave up, at which frame, why, and which
/// certificate chain the server sent.
#[derive(Parser, Debug)]
#[command(name = "pcap-tls-audit", version, about, long_about = None)]
struct Cli {
    /// pcap or pcapng files (also .gz), directories (walked recursively), or - for standard input.
    #[arg(required = true, value_name = "CAPTURE")]
    captures: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Host name the client meant to reach (for name checks; overrides the SNI).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// Trust store: PEM bundle or DER certificate (repeatable). Replaces the built-in Mozilla roots.
    #[arg(long = "ca-file", value_name = "PEM")]
    ca_file: Vec<PathBuf>,
    /// Every PEM/DER certificate in DIR is a trust anchor (repeatable).
    #[arg(long = "ca-dir", value_name = "DIR")]
    ca_dir: Vec<PathBuf>,
    /// Java (JKS) or PKCS#12 trust store, as a gateway uses it (repeatable); its trusted entries are anchors.
    #[arg(long, value_name = "FILE.jks|FILE.p12")]
    keystore: Vec<PathBuf>,
    /// Password of --keystore (default: "changeit", then none, are tried).
    #[arg(long, value_name = "PASSWORD")]
    keystore_password: Option<String>,
    /// Report RSA keys larger than N bits (some gateways refuse keys over 2048).
    #[arg(long, value_name = "N")]
    max_key_bits: Option<u32>,
    /// Validate certificates at this time (RFC 3339) instead of the capture time.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// List only connections whose status is not ok.
    #[arg(long)]
    only_failed: bool,
    /// Write every distinct certificate as DIR/<sha256>.pem and each chain as DIR/chain-<id>.pem.
    #[arg(long, value_name = "DIR")]
    export_certs: Option<PathBuf>,
    /// Statuses and finding codes that make the exit code 1.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "failed,no_connection",
        value_delimiter = ','
    )]
    fail_on: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// No progress display.
    #[arg(short, long)]
    quiet: bool,
    /// Force the progress display.
    #[arg(long, conflicts_with = "quiet")]
    progress: bool,
}

/// Files larger than this show a progress percentage on a terminal.
const PROGRESS_MIN_BYTES: usize = 64 * 1024 * 1024;

/// The inputs named on the command line, directories walked (symbolic links
/// followed, loops detected). Every file or directory that cannot be read,
/// and every input that yields no capture, is a message in `errors`.
fn collect_inputs(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut found = Vec::new();
        for ent in walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name() {
            let ent = match ent {
                Ok(e) => e,
                Err(e) => {
                    errors.push(walk_error(&e));
                    continue;
                }
            };
            if !ent.file_type().is_file() {
                continue;
            }
            let mut head = [0u8; 4];
            match std::fs::File::open(ent.path()).and_then(|mut f| std::io::Read::read(&mut f, &mut head)) {
                Ok(n) if looks_like_capture(&head[..n]) => found.push(ent.into_path()),
                Ok(_) => {}
                Err(e) => errors.push(format!("{}: cannot read: {e}", shown(ent.path()))),
            }
        }
        if found.is_empty() {
            errors.push(format!(
                "{}: no pcap, pcapng or gzip capture found in this directory",
                shown(p)
            ));
        }
        out.extend(found);
    }
    out
}

fn walk_error(e: &walkdir::Error) -> String {
    let path = e.path().map(shown).unwrap_or_else(|| "?".into());
    if let Some(anc) = e.loop_ancestor() {
        return format!("{path}: symbolic link loop back to {}; not followed", shown(anc));
    }
    match e.io_error() {
        Some(io) => format!("{path}: cannot read: {io}"),
        None => format!("{path}: cannot read"),
    }
}

/// A path for a message, control characters escaped.
fn shown(p: &Path) -> String {
    pcap_tls_audit::escape::text(p.display().to_string().as_bytes())
}

/// The progress display on stderr: one line redrawn in place on a terminal,
/// plain lines (no escape codes) when forced elsewhere; erased before any
/// message so that the two never mix.
struct Progress {
    on: bool,
    tty: bool,
    drawn: std::cell::Cell<bool>,
    last: std::cell::Cell<Option<std::time::Instant>>,
}

impl Progress {
    fn new(on: bool, tty: bool) -> Progress {
        Progress {
            on,
            tty,
            drawn: std::cell::Cell::new(false),
            last: std::cell::Cell::new(None),
        }
    }

    /// Shows a line; `always` for a new file, else at most every 200 ms (5 s off a terminal).
    fn show(&self, line: &str, always: bool) {
        let every = if self.tty { 200 } else { 5000 };
        if !self.on || (!always && self.last.get().is_some_and(|t| t.elapsed().as_millis() < every)) {
            return;
        }
        self.last.set(Some(std::time::Instant::now()));
        if self.tty {
            eprint!("\r{line}\x1b[K");
            self.drawn.set(true);
        } else {
            eprintln!("{line}");
        }
    }

    fn clear(&self) {
        if self.drawn.replace(false) {
            eprint!("\r\x1b[K");
        }
    }

    fn message(&self, m: &str) {
        self.clear();
        eprintln!("pcap-tls-audit: {m}");
    }
}

fn trust_store(cli: &Cli) -> Result<TrustStore, UsageError> {
    if cli.ca_file.is_empty() && cli.ca_dir.is_empty() && cli.keystore.is_empty() {
        return Ok(TrustStore::mozilla());
    }
    let mut ders = Vec::new();
    for k in &cli.keystore {
        let err = |message: String| UsageError::TrustStore {
            path: k.display().to_string(),
            message,
        };
        let bytes = std::fs::read(k).map_err(|e| err(e.to_string()))?;
        let ks = read_keystore(&bytes, cli.keystore_password.as_deref()).map_err(err)?;
        if let Some(r) = ks.remark {
            eprintln!("pcap-tls-audit: {}: warning: {r}", k.display());
        }
        if ks.certificates.is_empty() {
            return Err(err("no trusted certificate in it".into()));
        }
        ders.extend(ks.certificates);
    }
    for f in &cli.ca_file {
        let bytes = std::fs::read(f).map_err(|e| UsageError::TrustStore {
            path: f.display().to_string(),
            message: e.to_string(),
        })?;
        let certs = read_certificates(&bytes);
        if certs.is_empty() {
            return Err(UsageError::TrustStore {
                path: f.display().to_string(),
                message: "no certificate in it (expected PEM or DER)".into(),
            });
        }
        ders.extend(certs);
    }
    for d in &cli.ca_dir {
        let rd = std::fs::read_dir(d).map_err(|e| UsageError::TrustStore {
            path: d.display().to_string(),
            message: e.to_string(),
        })?;
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            if let Ok(bytes) = std::fs::read(&f) {
                ders.extend(read_certificates(&bytes));
            }
        }
    }
    TrustStore::from_certificates(&ders).map_err(|message| UsageError::TrustStore {
        path: cli
            .ca_file
            .iter()
            .chain(cli.ca_dir.iter())
            .chain(cli.keystore.iter())
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        message,
    })
}

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("pcap-tls-audit: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<u8, UsageError> {
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
    let store = trust_store(cli)?;
    let mut chains = Chains::new(store);
    chains.max_key_bits = cli.max_key_bits;
    let chains = Arc::new(chains);
    let opts = Options {
        chains: chains.clone(),
        at,
        host: cli.host.clone(),
    };
    let mut errors = Vec::new();
    let inputs = collect_inputs(&cli.captures, &mut errors);
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // On a terminal unless --quiet; --progress forces it (plain lines off a terminal).
    let progress = Progress::new(cli.progress || (!cli.quiet && tty), tty);
    let mut unreadable = !errors.is_empty();
    for e in &errors {
        progress.message(e);
    }
    let mut captures = Vec::new();
    for (i, p) in inputs.iter().enumerate() {
        let name = shown(p);
        if inputs.len() > 1 {
            progress.show(&format!("[{}/{}] {name}", i + 1, inputs.len()), true);
        }
        let rep = match CaptureFile::open(p) {
            Ok(cf) => {
                // Large files show how far the reading got.
                let big = cli.progress || cf.data().len() > PROGRESS_MIN_BYTES;
                let report = |done: u64, total: u64| {
                    if big {
                        progress.show(
                            &format!(
                                "[{}/{}] {name}: {}% of {} MB",
                                i + 1,
                                inputs.len(),
                                done * 100 / total.max(1),
                                total / 1_000_000
                            ),
                            false,
                        );
                    }
                };
                analyze_capture_with_progress(&cf, &opts, &report)
            }
            Err(e) => CaptureReport {
                path: p.display().to_string(),
                error: Some(e.to_string()),
                ..CaptureReport::default()
            },
        };
        if let Some(e) = &rep.error {
            unreadable = true;
            progress.message(&pcap_tls_audit::escape::text(e.as_bytes()));
        }
        // --quiet silences the progress display only: warnings always reach stderr.
        for w in &rep.warnings {
            progress.message(&format!(
                "{}: warning: {w}",
                pcap_tls_audit::escape::text(rep.path.as_bytes())
            ));
        }
        captures.push(rep);
    }
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
            source: chains.store.source.clone(),
            anchors: chains.store.len(),
        },
        captures,
    };
    let text = match cli.format {
        Format::Text => render_text(&doc),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&doc).map_err(|e| UsageError::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Jsonl => {
            let mut s = String::new();
            for c in &doc.captures {
                for conn in &c.connections {
                    let mut v = serde_json::to_value(conn).map_err(|e| UsageError::Invalid(e.to_string()))?;
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("capture".into(), serde_json::Value::String(c.path.clone()));
                    }
                    s.push_str(&v.to_string());
                    s.push('\n');
                }
            }
            s
        }
    };
    let write_result = match &cli.output {
        Some(p) => std::fs::write(p, text.as_bytes()).map_err(|e| UsageError::Output {
            path: p.display().to_string(),
            source: e,
        }),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) ends the run quietly.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(UsageError::Output {
                    path: "standard output".into(),
                    source: e,
                }),
            }
        }
    };
    write_result?;
    Ok(if unreadable {
        2
    } else if failing {
        1
    } else {
        0
    })
}
