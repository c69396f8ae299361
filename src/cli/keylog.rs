//! `--keylog FILE`: key log files read into one key log. A file that cannot
//! be read is a usage error (exit 2); a line that cannot be used is a
//! warning naming the file and line, and the other lines are still used.

use std::path::PathBuf;

use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::keylog::KeyLog;

/// Largest key log file read (about 2 million sessions).
const MAX_KEYLOG_BYTES: u64 = 1 << 30;

/// Problems reported per file; more are counted.
const MAX_MESSAGES: usize = 20;

pub fn read(files: &[PathBuf]) -> Result<KeyLog, UsageError> {
    let log = KeyLog::new();
    for f in files {
        let shown = pcap_tls_audit::escape::text(f.display().to_string().as_bytes());
        let err = |e: std::io::Error| UsageError::Invalid(format!("--keylog {shown}: {e}"));
        let size = std::fs::metadata(f).map_err(err)?.len();
        if size > MAX_KEYLOG_BYTES {
            return Err(UsageError::Invalid(format!(
                "--keylog {shown}: {size} bytes, over the limit of {MAX_KEYLOG_BYTES}"
            )));
        }
        // Read as a stream, a line at a time: never held whole.
        let file = std::fs::File::open(f).map_err(err)?;
        let problems = log.add_reader(&shown, std::io::BufReader::new(file)).map_err(err)?;
        // A file without a single key log line is not a key log at all.
        if log.usage().last().is_none_or(|u| u.lines == 0) {
            let head = std::fs::File::open(f)
                .and_then(|f| {
                    let mut h = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, 64), &mut h).map(|_| h)
                })
                .unwrap_or_default();
            let what = pcap_tls_audit::capture::compress::what_is(&head)
                .filter(|w| *w != "text")
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            return Err(UsageError::Invalid(format!(
                "--keylog {shown}: no key log line in this file{what} (an SSLKEYLOGFILE has lines \"LABEL CLIENT_RANDOM SECRET\", e.g. CLIENT_RANDOM or CLIENT_HANDSHAKE_TRAFFIC_SECRET)"
            )));
        }
        for p in problems.iter().take(MAX_MESSAGES) {
            eprintln!("pcap-tls-audit: warning: {p}");
        }
        if problems.len() > MAX_MESSAGES {
            eprintln!(
                "pcap-tls-audit: warning: {shown}: {} more messages about lines that could not be used (the last: {})",
                problems.len() - MAX_MESSAGES,
                problems.last().map(String::as_str).unwrap_or_default()
            );
        }
    }
    Ok(log)
}

/// One line per `--keylog` file that opened no connection of the run: its
/// sessions, and that none matches (another client's log, or another
/// time's).
pub fn unused(log: &KeyLog) -> Vec<String> {
    log.usage()
        .into_iter()
        .filter(|u| u.matched == 0 && u.lines > 0)
        .map(|u| {
            format!(
                "--keylog {}: {} session(s), none of them a connection analysed (their client randoms differ: the key log of another client, or of another time?)",
                u.name, u.sessions
            )
        })
        .collect()
}
