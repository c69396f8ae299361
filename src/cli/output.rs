//! The report document written in the chosen format, to a file or standard
//! output (a closed pipe ends the run quietly).

use std::io::Write;
use std::path::Path;

use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::report::{Document, render_text};

use super::flags::Format;

/// The document in the chosen format.
pub fn render(doc: &Document, format: Format) -> Result<String, UsageError> {
    let err = |e: serde_json::Error| UsageError::Invalid(e.to_string());
    Ok(match format {
        Format::Text => render_text(doc),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(doc).map_err(err)?;
            s.push('\n');
            s
        }
        Format::Jsonl => {
            let mut s = String::new();
            for c in &doc.captures {
                for conn in &c.connections {
                    let mut v = serde_json::to_value(conn).map_err(err)?;
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("capture".into(), serde_json::Value::String(c.path.clone()));
                    }
                    s.push_str(&v.to_string());
                    s.push('\n');
                }
            }
            s
        }
    })
}

/// Writes the report to `path`, or to standard output.
pub fn write(text: &str, path: Option<&Path>) -> Result<(), UsageError> {
    match path {
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
    }
}
