//! A connection's JSON with its handshake list written here rather than
//! through serde: the list is a third of a connection's JSON and three
//! fifths of the time to write it (callgrind), most of it serde_json
//! escaping the same four keys of every entry again. The keys and the
//! side are written as the constant bytes they are; every value goes
//! through serde_json (numbers, strings and their escaping), so the bytes
//! are the same as serde_json's for the whole report
//! (`same_bytes_as_serde_json`).

use super::{ConnectionReport, HandshakeEntry};

/// Writes `c` as serde_json's compact JSON onto `out`.
pub fn connection(out: &mut Vec<u8>, mut c: ConnectionReport) -> serde_json::Result<()> {
    let entries = std::mem::take(&mut c.handshake);
    let start = out.len();
    serde_json::to_writer(&mut *out, &c)?;
    // The first `"handshake":[]` is the field: a quote inside a string is
    // written `\"`, and no field before it has an object with that key.
    const EMPTY: &[u8] = b"\"handshake\":[]";
    let Some(at) = memchr::memmem::find(&out[start..], EMPTY) else {
        // Not found (a report without the field): serde_json writes it all.
        out.truncate(start);
        c.handshake = entries;
        return serde_json::to_writer(&mut *out, &c);
    };
    let tail = out.split_off(start + at + EMPTY.len() - 1);
    entries_into(out, &entries)?;
    out.extend_from_slice(&tail);
    Ok(())
}

/// The entries of a handshake list, between its brackets.
fn entries_into(out: &mut Vec<u8>, entries: &[HandshakeEntry]) -> serde_json::Result<()> {
    for (i, e) in entries.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"{\"frame\":" } else { b",{\"frame\":" });
        serde_json::to_writer(&mut *out, &e.frame)?;
        match e.from {
            "client" => out.extend_from_slice(b",\"from\":\"client\""),
            "server" => out.extend_from_slice(b",\"from\":\"server\""),
            other => {
                out.extend_from_slice(b",\"from\":");
                serde_json::to_writer(&mut *out, other)?;
            }
        }
        out.extend_from_slice(b",\"message\":");
        serde_json::to_writer(&mut *out, &e.message)?;
        if let Some(d) = &e.detail {
            out.extend_from_slice(b",\"detail\":");
            serde_json::to_writer(&mut *out, d)?;
        }
        if let Some(t) = e.t {
            out.extend_from_slice(b",\"t\":");
            serde_json::to_writer(&mut *out, &t)?;
        }
        out.push(b'}');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::build::{self, ConnectionFacts};
    use crate::vocabulary::Status;

    fn entry(frame: u64, from: &'static str, message: &str, detail: Option<&str>, t: Option<f64>) -> HandshakeEntry {
        HandshakeEntry {
            frame,
            from,
            message: message.to_string().into(),
            detail: detail.map(str::to_string),
            t,
        }
    }

    #[test]
    fn same_bytes_as_serde_json() {
        let lists = [
            vec![],
            vec![entry(1, "client", "SYN", None, Some(0.0))],
            vec![
                entry(1, "client", "SYN", None, Some(0.0)),
                entry(2, "server", "SYN-ACK", None, Some(1e-7)),
                entry(
                    u64::MAX,
                    "client",
                    "NotTLS",
                    Some("5 bytes: \"GET /\\\u{1}\u{7f}é\""),
                    Some(12345.678901),
                ),
                entry(9, "server", "Alert", Some("fatal unknown_ca (48)"), None),
                entry(10, "client", "we\"ird\n", None, Some(f64::MAX)),
                entry(11, "a \"side\"", "ServerHello", Some(""), Some(-0.5)),
            ],
        ];
        for list in lists {
            let trace = crate::connection::Trace::default();
            let verdict = crate::diagnose::Verdict {
                status: Status::Failed,
                failure: None,
                note: Some("a \"note\"".into()),
                findings: Vec::new(),
                partial: None,
            };
            let mut c = build::connection(ConnectionFacts::bare(&trace, 1234, 7, Default::default(), verdict));
            c.handshake = list;
            c.sni = Some("a\"\\\"handshake\":[]".into());
            let want = serde_json::to_vec(&c).unwrap();
            let mut got = b"prefix".to_vec();
            connection(&mut got, c).unwrap();
            assert_eq!(String::from_utf8_lossy(&got[6..]), String::from_utf8_lossy(&want));
            assert_eq!(&got[..6], b"prefix");
        }
    }
}
