//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use pcap_tls_audit::filter::{ServerSpec, SniPattern};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    /// One Elastic Common Schema document per line, for Elasticsearch/OpenSearch.
    Ecs,
    /// JUnit XML for CI test reports: a testsuite per capture, a testcase per connection.
    Junit,
    /// One self-contained HTML page for a support case (handshake ladders, chain trees).
    Html,
}

/// The three uses, shown under `--help`.
const EXAMPLES: &str = "\
Examples:
  One capture for a support case (text to paste into the ticket):
    pcap-tls-audit gw.pcap
    pcap-tls-audit --format html -o case-1234.html gw.pcap   # one page to attach to the case
    pcap-tls-audit --host backend.company.com --ca-file gateway-truststore.pem gw.pcap.gz

  A CI job over a folder of captures (exit 1 when a handshake failed):
    pcap-tls-audit --fail-on failed,no_connection,untrusted_root captures/
    pcap-tls-audit --format junit -o junit.xml captures/   # for the CI's test report

  JSON for scripts (one connection per line with jsonl):
    pcap-tls-audit --format jsonl -o report.jsonl captures/
    pcap-tls-audit --format ecs captures/ > ecs.ndjson   # for Elasticsearch/OpenSearch
    tcpdump -w - -i any port 443 | pcap-tls-audit --format json -

Exit status: 0 nothing matched --fail-on, 1 something did, 2 bad usage or an unreadable input.";

/// Reads packet captures and says, per TCP connection, whether the TLS
/// handshake succeeded, who gave up, at which frame, why, and which
/// certificate chain the server sent.
#[derive(Parser, Debug)]
#[command(name = "pcap-tls-audit", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// pcap or pcapng files (also .gz), directories (walked recursively), or - for standard input.
    #[arg(required_unless_present = "generate", value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to FILE instead of standard output (`-`: standard
    /// output; a FILE that is one of the inputs is a usage error).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE, from the same run (repeatable):
    /// `--write junit=junit.xml --write ecs=ecs.ndjson`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_write)]
    pub write: Vec<WriteTo>,
    /// Host name the client meant to reach, for the name checks of
    /// connections whose ClientHello has no SNI (a Java client given an IP).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Filter: connections whose SNI matches (`*` as in a wildcard
    /// certificate name: within one label; `-`: no SNI); repeatable.
    #[arg(long, value_name = "GLOB", help_heading = "Filters")]
    pub sni: Vec<SniPattern>,
    /// Filter: connections to this server (IP, IP:PORT or [IPv6]:PORT); repeatable.
    #[arg(long, value_name = "IP[:PORT]", help_heading = "Filters")]
    pub server: Vec<ServerSpec>,
    /// Filter: connections from this client; repeatable.
    #[arg(long, value_name = "IP", help_heading = "Filters")]
    pub client: Vec<std::net::IpAddr>,
    /// Filter: connections to this server port; repeatable.
    #[arg(long, value_name = "N", help_heading = "Filters")]
    pub port: Vec<u16>,
    /// Trust store: PEM bundle or DER certificate (repeatable). Replaces the built-in Mozilla roots.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
    /// NSS key log (SSLKEYLOGFILE): decrypts TLS 1.3 handshakes and TLS 1.2 Finished and alerts (repeatable).
    #[arg(long, value_name = "FILE")]
    pub keylog: Vec<PathBuf>,
    /// Every PEM/DER certificate in DIR is a trust anchor (repeatable).
    #[arg(long = "ca-dir", value_name = "DIR")]
    pub ca_dir: Vec<PathBuf>,
    /// Java (JKS) or PKCS#12 trust store, as a gateway uses it (repeatable); its trusted entries are anchors.
    #[arg(long, value_name = "FILE.jks|FILE.p12")]
    pub keystore: Vec<PathBuf>,
    /// Password of --keystore (default: "changeit", then none, are tried).
    #[arg(long, value_name = "PASSWORD")]
    pub keystore_password: Option<String>,
    /// Report RSA keys larger than N bits (some gateways refuse keys over 2048).
    #[arg(long, value_name = "N")]
    pub max_key_bits: Option<u32>,
    /// Validate certificates at this time (RFC 3339) instead of the capture time.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Text: also the fingerprints (JA3/JA3S/JA4/JA4S/JA4X) and every good connection's chain.
    #[arg(short, long)]
    pub verbose: bool,
    /// List only connections whose status is not ok.
    #[arg(long)]
    pub only_failed: bool,
    /// Write the capture back as pcapng with the verdicts as packet comments
    /// (Wireshark: frame.comment) and the key log; with several captures OUT
    /// is a directory that gets one file per capture.
    #[arg(long, value_name = "OUT.pcapng")]
    pub annotate: Option<PathBuf>,
    /// Write every distinct certificate as DIR/<sha256>.pem, each chain as
    /// DIR/chain-<id>.pem (chain-<capture>-<id>.pem in a batch), and DIR/index.tsv.
    #[arg(long, value_name = "DIR")]
    pub export_certs: Option<PathBuf>,
    /// Statuses, causes and finding codes that make the exit code 1;
    /// `damaged` for a capture not read to its end, `none` for no gate.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "failed,no_connection,damaged",
        value_delimiter = ','
    )]
    pub fail_on: Vec<String>,
    /// Worker threads (default: all cores; for standard input and gzip, whose
    /// own reading thread takes a core, one fewer).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// Force the progress display.
    #[arg(long, conflicts_with = "quiet")]
    pub progress: bool,
    /// Colour in the text report: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// Print a shell completion script or the man page (from these options) and exit.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub generate: Option<Generate>,
}

/// A report of `--write`: its format and file.
#[derive(Clone, Debug)]
pub struct WriteTo {
    pub format: Format,
    pub path: PathBuf,
}

/// `FORMAT=FILE`, with FORMAT one of `--format`'s words.
fn parse_write(s: &str) -> Result<WriteTo, String> {
    let (f, path) = s
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(|| format!("{s:?} is not FORMAT=FILE (e.g. junit=junit.xml)"))?;
    let format = Format::from_str(f, true).map_err(|_| {
        let words: Vec<String> = (Format::value_variants().iter())
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("{f:?} is not a format ({})", words.join(", "))
    })?;
    Ok(WriteTo {
        format,
        path: PathBuf::from(path),
    })
}

/// When the text report is in colour.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What `--generate` prints.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Generate {
    CompleteBash,
    CompleteZsh,
    CompleteFish,
    CompletePowershell,
    Man,
}
