//! The text report, for people: per capture a summary, failures first with
//! their evidence (the same failure repeated is one block), then one line
//! per other connection.

use std::fmt::Write as _;

use super::*;
use crate::vocabulary::{Blame, Status};

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders the text report.
pub fn render_text(doc: &Document) -> String {
    let mut o = String::new();
    for c in &doc.captures {
        render_capture(&mut o, c);
    }
    o
}

fn render_capture(o: &mut String, c: &CaptureReport) {
    if let Some(e) = &c.error {
        let _ = writeln!(o, "{}: ERROR: {}", crate::escape::text(c.path.as_bytes()), e);
        return;
    }
    let s = &c.summary;
    let mut parts = vec![];
    for (n, name) in [
        (s.failed, "failed"),
        (s.incomplete, "incomplete"),
        (s.no_connection, "no connection"),
        (s.ok, "ok"),
        (s.not_tls, "not TLS"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {name}"));
        }
    }
    let _ = writeln!(
        o,
        "{}{}: {} {}, {}, {}: {}",
        if c.read_stopped_early { "INCOMPLETE READ " } else { "" },
        crate::escape::text(c.path.as_bytes()),
        c.format.as_deref().unwrap_or("?"),
        c.link_types.join("/"),
        plural(c.packets, "packet", "packets"),
        plural(s.connections, "TCP connection", "TCP connections"),
        if parts.is_empty() {
            "nothing to report".into()
        } else {
            parts.join(", ")
        }
    );
    if let (Some(a), Some(b)) = (&c.first_packet, &c.last_packet) {
        let _ = writeln!(o, "  captured {a} .. {b}");
    }
    for w in &c.warnings {
        let _ = writeln!(o, "  warning: {w}");
    }
    // Problems first (the same failure repeated is one block), then the rest.
    let failed: Vec<&ConnectionReport> = c.connections.iter().filter(|x| x.failure.is_some()).collect();
    for group in group_by(&failed, failure_key) {
        o.push('\n');
        if group.len() == 1 {
            render_failed(o, group[0]);
        } else {
            render_failed_group(o, &group);
        }
    }
    let others: Vec<&ConnectionReport> = c.connections.iter().filter(|x| x.failure.is_none()).collect();
    if !others.is_empty() {
        o.push('\n');
    }
    if others.len() <= MAX_LISTED {
        for conn in others {
            render_other(o, conn);
        }
    } else {
        // Hundreds of good connections: one line per server and outcome.
        for group in group_by(&others, other_key) {
            if group.len() == 1 {
                render_other(o, group[0]);
                continue;
            }
            let first = group[0];
            let ids: Vec<String> = group.iter().take(5).map(|x| format!("#{}", x.id)).collect();
            let _ = writeln!(
                o,
                "{} x{}  -> {}{}{}{}  (connections {}{}; first frame {})",
                label(first.status),
                group.len(),
                first.server,
                sni_label(first),
                first.tls_version.as_ref().map(|v| format!("  {v}")).unwrap_or_default(),
                first.cipher_suite.as_ref().map(|v| format!(" {v}")).unwrap_or_default(),
                ids.join(", "),
                if group.len() > 5 { ", ..." } else { "" },
                first.first_frame
            );
            render_findings(o, first);
        }
    }
}

/// Connections listed one line each; beyond this, grouped.
const MAX_LISTED: usize = 20;

/// Groups items by key, in the order each key first appears.
fn group_by<'a, K: std::hash::Hash + Eq>(
    items: &[&'a ConnectionReport],
    key: impl Fn(&ConnectionReport) -> K,
) -> Vec<Vec<&'a ConnectionReport>> {
    // A map from key to group: a capture of 200 000 distinct failures must not
    // make this quadratic.
    let mut index: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<&ConnectionReport>> = Vec::new();
    for it in items {
        let k = key(it);
        match index.get(&k) {
            Some(&i) => groups[i].push(it),
            None => {
                index.insert(k, groups.len());
                groups.push(vec![it]);
            }
        }
    }
    groups
}

/// The leaf's fingerprint, to tell chains apart.
fn leaf_of(c: &ConnectionReport) -> &str {
    c.server_chain
        .as_ref()
        .and_then(|ch| ch.certificates.first().map(|x| x.sha256.as_str()))
        .unwrap_or("-")
}

/// Same server, same cause, same side, same alert, same chain: the same failure.
fn failure_key(c: &ConnectionReport) -> String {
    let f = c.failure.as_ref();
    format!(
        "{}|{:?}|{}|{}|{:?}|{}",
        c.server,
        c.sni,
        f.map(|f| f.cause.word()).unwrap_or_default(),
        f.map(|f| f.side.as_str()).unwrap_or(""),
        f.and_then(|f| f.alert.as_ref().map(|a| a.code)),
        leaf_of(c)
    )
}

fn other_key(c: &ConnectionReport) -> String {
    format!(
        "{}|{}|{:?}|{:?}|{:?}|{}",
        c.status,
        c.server,
        c.sni,
        c.tls_version,
        c.cipher_suite,
        leaf_of(c)
    )
}

fn render_failed_group(o: &mut String, group: &[&ConnectionReport]) {
    let first = group[0];
    let Some(f) = &first.failure else { return };
    let clients: std::collections::BTreeSet<&str> = group
        .iter()
        .map(|c| c.client.rsplit_once(':').map_or(c.client.as_str(), |(h, _)| h))
        .collect();
    let _ = writeln!(
        o,
        "{} x{}  -> {}{}  {}: {}, the same failure {} times from {} client address{}",
        if first.status == Status::NoConnection {
            "NO CONNECTION"
        } else {
            "FAILED"
        },
        group.len(),
        first.server,
        sni_label(first),
        f.cause,
        if f.side == Blame::Network {
            "no answer".to_string()
        } else {
            format!("{} gave up", f.side)
        },
        group.len(),
        clients.len(),
        if clients.len() == 1 { "" } else { "es" }
    );
    let shown: Vec<String> = group
        .iter()
        .take(5)
        .map(|c| match c.failure.as_ref().and_then(|f| f.frame) {
            Some(fr) => format!("#{} (frame {fr})", c.id),
            None => format!("#{} (from frame {})", c.id, c.first_frame),
        })
        .collect();
    let _ = writeln!(
        o,
        "  connections {}{}; the first one in full:",
        shown.join(", "),
        if group.len() > 5 {
            format!(" and {} more", group.len() - 5)
        } else {
            String::new()
        }
    );
    render_failed(o, first);
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::Incomplete => "INCOMPLETE",
        Status::NotTls => "not TLS",
        Status::NoConnection => "NO CONNECTION",
    }
}

fn render_other(o: &mut String, conn: &ConnectionReport) {
    let _ = writeln!(o, "{}", one_line(conn));
    if conn.status == Status::Incomplete
        && let Some(n) = &conn.note
    {
        let _ = writeln!(o, "    {n}");
    }
    render_findings(o, conn);
}

/// Findings matter on good connections too (a chain in the wrong order, a certificate about to expire).
fn render_findings(o: &mut String, conn: &ConnectionReport) {
    let chain_findings = conn.server_chain.iter().flat_map(|c| c.findings.iter());
    for f in conn.findings.iter().chain(chain_findings) {
        let at = f.cert_index.map(|i| format!(" (certificate {i})")).unwrap_or_default();
        let _ = writeln!(o, "    ! {}{at}: {}", f.code, f.message);
    }
}

/// " SNI name", or " (no SNI)".
fn sni_label(c: &ConnectionReport) -> String {
    match &c.sni {
        Some(s) => format!(" SNI {s}"),
        None => " (no SNI)".into(),
    }
}

fn endpoint_line(c: &ConnectionReport) -> String {
    format!("#{} {} -> {}{}", c.id, c.client, c.server, sni_label(c))
}

fn one_line(c: &ConnectionReport) -> String {
    let mut s = format!("{:<13} {}", label(c.status), endpoint_line(c));
    if let Some(v) = &c.tls_version {
        let _ = write!(s, "  {v}");
    }
    if let Some(cs) = &c.cipher_suite {
        let _ = write!(s, " {cs}");
    }
    if let Some(ch) = &c.server_chain
        && let Some(leaf) = ch.certificates.first()
    {
        let _ = write!(s, "  cert {} [{}]", leaf.subject, ch.trust.verdict);
    }
    if c.server_chain.is_none() && c.tls_version.as_deref().is_some_and(|v| v.starts_with("TLS 1.3")) {
        // Never a blank that reads as "no certificate" (PEER-NOTES: silence on TLS 1.3).
        let _ = write!(s, "  chain encrypted (TLS 1.3)");
    }
    if let Some(ch) = &c.client_chain
        && let Some(leaf) = ch.certificates.first()
    {
        let _ = write!(s, "  client cert {} [{}]", leaf.subject, ch.trust.verdict);
    }
    let _ = write!(s, "  (frame {})", c.first_frame);
    s
}

fn render_failed(o: &mut String, c: &ConnectionReport) {
    let Some(f) = &c.failure else { return };
    let status = if c.status == Status::NoConnection {
        "NO CONNECTION"
    } else {
        "FAILED"
    };
    let at = match f.frame {
        Some(fr) => format!("frame {fr}"),
        None => "no frame".into(),
    };
    let version = c.tls_version.as_ref().map(|v| format!("  {v}")).unwrap_or_default();
    let who = if f.side == Blame::Network {
        "no answer from the network".to_string()
    } else {
        format!("{} gave up", f.side)
    };
    let _ = writeln!(o, "{status} {}{version}  {}: {who}, {at}", endpoint_line(c), f.cause);
    let _ = writeln!(o, "  {}", f.explanation);
    if let Some(ch) = &c.client_hello {
        let vs = if ch.supported_versions.is_empty() {
            ch.legacy_version.clone()
        } else {
            ch.supported_versions.join(", ")
        };
        let _ = writeln!(
            o,
            "  client offered: {}; {} cipher suites{}",
            vs,
            ch.cipher_suites.len(),
            if ch.alpn.is_empty() {
                String::new()
            } else {
                format!("; ALPN {}", ch.alpn.join(","))
            }
        );
    }
    let _ = writeln!(o, "  handshake:");
    for h in &c.handshake {
        let _ = writeln!(
            o,
            "    frame {:>6}  {:<6}  {}{}",
            h.frame,
            h.from,
            h.message,
            h.detail.as_ref().map(|d| format!("  {d}")).unwrap_or_default()
        );
    }
    if !c.acceptable_client_cas.is_empty() {
        let _ = writeln!(
            o,
            "  the server asked for a client certificate issued by: {}",
            c.acceptable_client_cas.join("; ")
        );
    }
    for w in &c.warnings {
        let _ = writeln!(o, "  warning: {w}");
    }
    for fnd in &c.findings {
        let _ = writeln!(o, "  ! {}: {}", fnd.code, fnd.message);
    }
    if let Some(ch) = &c.server_chain {
        render_chain(o, "server certificate chain", ch);
    } else if let Some(n) = &c.note {
        let _ = writeln!(o, "  {n}");
    }
    if let Some(ch) = &c.client_chain {
        render_chain(o, "client certificate chain", ch);
    }
    let _ = writeln!(o, "  wireshark: {}", c.wireshark_filter);
}

fn render_chain(o: &mut String, title: &str, ch: &ChainReport) {
    let mut trust = format!("trust: {}", ch.trust.verdict);
    if let Some(a) = &ch.trust.anchor {
        let _ = write!(trust, " (anchor {a})");
    }
    if let Some(m) = &ch.trust.missing_issuer {
        let _ = write!(trust, " (missing: {m})");
    }
    if let Some(r) = &ch.trust.reason {
        let _ = write!(trust, " ({r})");
    }
    let _ = writeln!(
        o,
        "  {title} (frame {}, {}), {trust}:",
        ch.frame,
        plural(ch.certificates.len() as u64, "certificate", "certificates")
    );
    for cert in ch.certificates.iter() {
        if let Some(e) = &cert.parse_error {
            let _ = writeln!(o, "   {} (unreadable: {e}) sha256 {}", cert.index, cert.sha256);
            continue;
        }
        let _ = writeln!(o, "   {} s:{}", cert.index, cert.subject);
        let _ = writeln!(o, "     i:{}", cert.issuer);
        let key = match cert.key.bits {
            Some(b) => format!("{} {b}", cert.key.algorithm),
            None => cert.key.algorithm.clone(),
        };
        let _ = writeln!(
            o,
            "     valid {} to {}; {}; {}{}",
            cert.not_before,
            cert.not_after,
            key,
            cert.signature_algorithm,
            if cert.is_ca { "; CA" } else { "" }
        );
        if !cert.san.is_empty() {
            let shown: Vec<&str> = cert.san.iter().take(8).map(|s| s.as_str()).collect();
            let more = if cert.san.len() > 8 {
                format!(" (+{} more)", cert.san.len() - 8)
            } else {
                String::new()
            };
            let _ = writeln!(o, "     SAN {}{more}", shown.join(", "));
        }
        let _ = writeln!(o, "     sha256 {}", cert.sha256);
        for f in ch.findings.iter().filter(|f| f.cert_index == Some(cert.index)) {
            let _ = writeln!(o, "     ! {}: {}", f.code, f.message);
        }
    }
    for f in ch.findings.iter().filter(|f| f.cert_index.is_none()) {
        let _ = writeln!(o, "   ! {}: {}", f.code, f.message);
    }
}
