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
