//! `--generate`: shell completions (clap_complete) and the man page
//! (clap_mangen), both made from the option definitions in `flags`, as
//! ripgrep's `--generate` does, so they never drift from the options.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use pcap_tls_audit::error::UsageError;

use clap::ValueEnum;

use super::flags::{Cli, Format, Generate};

/// The man page: clap_mangen's sections, then `MAN_SECTIONS`, then the version.
fn man(cmd: clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let m = clap_mangen::Man::new(cmd);
    m.render_title(out)?;
    m.render_name_section(out)?;
    m.render_synopsis_section(out)?;
    m.render_description_section(out)?;
    m.render_options_section(out)?;
    out.extend_from_slice(MAN_SECTIONS.as_bytes());
    m.render_version_section(out)
}

/// Every `--fail-on` word (the alerts by name), for completion only: the
/// options check the words themselves, with a message listing them.
fn gate_words() -> Vec<String> {
    use pcap_tls_audit::vocabulary::{Cause, FindingCode, NamedCause, Status};
    let mut w: Vec<String> = (Status::ALL.iter().map(|s| s.as_str().to_string()))
        .chain(NamedCause::ALL.iter().map(|c| c.as_str().to_string()))
        .chain(FindingCode::ALL.iter().map(|c| c.as_str().to_string()))
        .chain(["damaged", "none"].map(String::from))
        .chain(
            (0..=255u8)
                .map(|d| Cause::Alert(d).word())
                .filter(|w| !w.starts_with("alert_unknown_")),
        )
        .collect();
    w.sort();
    w.dedup();
    w
}

/// The command line as completions see it: `--fail-on` offers its words,
/// `--write` the formats it takes (`junit=` and so on).
fn for_completion(cmd: clap::Command) -> clap::Command {
    let gates = gate_words();
    let writes: Vec<String> = (Format::value_variants().iter())
        .filter_map(|f| f.to_possible_value().map(|p| format!("{}=", p.get_name())))
        .collect();
    cmd.mut_arg("fail_on", |a| {
        a.value_parser(clap::builder::PossibleValuesParser::new(gates))
    })
    .mut_arg("write", |a| {
        a.value_parser(clap::builder::PossibleValuesParser::new(writes))
    })
}

/// The man page's sections beyond the options: exit status, environment,
/// examples, see also (roff).
const MAN_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Every capture was read and no connection matched \fB\-\-fail\-on\fR.
.TP
\fB1\fR
A connection matched \fB\-\-fail\-on\fR (default \fBfailed,no_connection,damaged\fR: a failed handshake, a TCP connection that never came up, or a capture cut short or damaged part way).
.TP
\fB2\fR
Bad usage (an unknown option or \fB\-\-fail\-on\fR word), or an input that could not be read at all (not a capture, unreadable, a directory or archive without captures); the other inputs are still analysed and reported.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, the text report has no colour unless \fB\-\-color always\fR asks for it.
.TP
\fBSSLKEYLOGFILE\fR
Not read by this tool: it is where clients write the key log that \fB\-\-keylog\fR takes (curl, browsers, Python; see docs/decryption.md).
.SH EXAMPLES
.TP
\fBpcap\-tls\-audit gw.pcap\fR
The report of one capture, to paste into a support case.
.TP
\fBpcap\-tls\-audit \-\-sni '*.company.com' \-\-ca\-file gateway\-truststore.pem case.tar.gz\fR
The connections to one upstream, in every capture of an archive, judged with the gateway's trust store.
.TP
\fBpcap\-tls\-audit \-\-format html \-o case\-1234.html gw.pcap.gz\fR
One page to attach to the case.
.TP
\fBpcap\-tls\-audit \-q \-\-only\-failed \-\-write junit=junit.xml \-\-write ecs=report.ecs.ndjson captures/\fR
A CI gate: the failures in the job log, the JUnit and ECS reports from the same run, exit status 1 on a failure.
.SH "SEE ALSO"
\fBtcpdump\fR(8), \fBtshark\fR(1), \fBeditcap\fR(1), \fBopenssl\-s_client\fR(1); the project's docs/report-format.md (the report's fields, statuses, causes and finding codes) and docs/ci.md.
"#;

/// Writes what `what` asks for to standard output.
pub fn generate(what: Generate) -> Result<(), UsageError> {
    let mut cmd = for_completion(Cli::command());
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
        None => man(Cli::command(), &mut out).map_err(|e| UsageError::Output {
            path: "the man page".into(),
            source: e,
        })?,
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
