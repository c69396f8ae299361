//! One connection in the text report: the verdict and its fix, the
//! evidence (offer, handshake ladder with times, chain with its findings),
//! or the one line of a good connection; lines wrapped for a ticket.

use std::fmt::Write as _;

use super::text::plural;
use super::*;
use crate::vocabulary::{Blame, FindingCode, Status};

/// How the text is written: `--verbose`, and the trust store's label.
#[derive(Clone, Debug, Default)]
pub struct Style {
    /// Fingerprints, and the chains of good connections.
    pub verbose: bool,
    /// The trust store that judged the chains: `mozilla-builtin (146 roots)`.
    pub store: String,
}

pub(super) fn label(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::Incomplete => "INCOMPLETE",
        Status::NotTls => "not TLS",
        Status::NoConnection => "NO CONNECTION",
    }
}

pub(super) fn render_other(o: &mut String, conn: &ConnectionReport, style: &Style) {
    let _ = writeln!(o, "{}", one_line(conn));
    if conn.status == Status::Incomplete
        && let Some(n) = &conn.note
    {
        let _ = writeln!(o, "    {n}");
    }
    // With --verbose the chain's findings are at its certificates.
    render_findings(o, conn, !style.verbose);
    if style.verbose {
        let mut more = String::new();
        render_fingerprints(&mut more, conn);
        if let Some(ch) = &conn.server_chain {
            render_chain(&mut more, "server certificate chain", ch, style, None);
        }
        if let Some(ch) = &conn.client_chain {
            render_chain(&mut more, "client certificate chain", ch, style, None);
        }
        // Under the connection's line, one step further in.
        for l in more.lines() {
            let _ = writeln!(o, "  {l}");
        }
    }
}

/// Findings matter on good connections too (a chain in the wrong order, a certificate about to expire).
pub(super) fn render_findings(o: &mut String, conn: &ConnectionReport, with_chain: bool) {
    let chain_findings = (conn.server_chain.iter())
        .filter(|_| with_chain)
        .flat_map(|c| c.findings.iter());
    for f in conn.findings.iter().chain(chain_findings) {
        let at = f.cert_index.map(|i| format!(" (certificate {i})")).unwrap_or_default();
        let _ = writeln!(o, "    ! {}{at}: {}", f.code, f.message);
    }
}

/// " SNI name", or " (no SNI)".
pub(super) fn sni_label(c: &ConnectionReport) -> String {
    match &c.sni {
        Some(s) => format!(" SNI {s}"),
        None => " (no SNI)".into(),
    }
}

pub(super) fn endpoint_line(c: &ConnectionReport) -> String {
    format!("#{} {} -> {}{}", c.id, c.client, c.server, sni_label(c))
}

pub(super) fn one_line(c: &ConnectionReport) -> String {
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
        let resumed = c
            .handshake
            .iter()
            .any(|h| h.from == "server" && h.message == "Finished")
            && c.decryption.as_ref().is_some_and(|d| d.records > 0);
        let _ = write!(
            s,
            "{}",
            if resumed {
                "  no certificate (session resumed)"
            } else {
                "  chain encrypted (TLS 1.3)"
            }
        );
    }
    if let Some(ch) = &c.client_chain
        && let Some(leaf) = ch.certificates.first()
    {
        let _ = write!(s, "  client cert {} [{}]", leaf.subject, ch.trust.verdict);
    }
    let _ = write!(s, "  (frame {})", c.first_frame);
    s
}

/// One line with the hello fingerprints, for matching a client or server
/// against a JA4+ or JA3 database.
fn render_fingerprints(o: &mut String, c: &ConnectionReport) {
    let parts: Vec<String> = [("ja4", &c.ja4), ("ja4s", &c.ja4s), ("ja3", &c.ja3), ("ja3s", &c.ja3s)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    if !parts.is_empty() {
        let _ = writeln!(o, "  fingerprints: {}", parts.join(", "));
    }
}

pub(super) fn render_failed(o: &mut String, c: &ConnectionReport, style: &Style) {
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
    let _ = writeln!(o, "  fix: [{}] {}", f.fix.who, f.fix.summary);
    for cmd in &f.fix.commands {
        let _ = writeln!(o, "    $ {cmd}");
    }
    let _ = writeln!(o, "  {}", f.explanation);
    if let Some(ch) = &c.client_hello {
        let _ = writeln!(o, "  client offered: {}", offer(ch));
    }
    if style.verbose {
        render_fingerprints(o, c);
    }
    if let Some(d) = &c.decryption {
        let _ = writeln!(o, "  {}", decryption(d));
    }
    render_ladder(o, c);
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
        render_chain(o, "server certificate chain", ch, style, f.because);
    } else if let Some(n) = &c.note {
        let _ = writeln!(o, "  {n}");
    }
    if let Some(ch) = &c.client_chain {
        render_chain(o, "client certificate chain", ch, style, None);
    }
    let _ = writeln!(o, "  wireshark: {}", c.wireshark_filter);
}

/// The handshake as a ladder: frame, time from the first packet, side,
/// message and detail.
fn render_ladder(o: &mut String, c: &ConnectionReport) {
    let _ = writeln!(o, "  handshake:");
    for h in &c.handshake {
        let t = h.t.map(|t| format!("+{t:.3} s")).unwrap_or_default();
        let _ = writeln!(
            o,
            "    frame {:>6}  {t:>9}  {:<6}  {}{}",
            h.frame,
            h.from,
            h.message,
            h.detail.as_ref().map(|d| format!("  {d}")).unwrap_or_default()
        );
    }
}

/// A chain as `openssl s_client -showcerts` lists it, with the findings at
/// the certificate they concern; `because`: the finding the verdict above
/// already gives (referred to, not said twice).
fn render_chain(o: &mut String, title: &str, ch: &ChainReport, style: &Style, because: Because) {
    let by = if style.store.is_empty() {
        String::new()
    } else {
        format!(" by {}", style.store)
    };
    let mut trust = format!("judged{by}: {}", ch.trust.verdict);
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
        let ja4x = (cert.ja4x.as_ref())
            .filter(|_| style.verbose)
            .map(|j| format!("  ja4x {j}"))
            .unwrap_or_default();
        let _ = writeln!(o, "     sha256 {}{ja4x}", cert.sha256);
        for f in ch.findings.iter().filter(|f| f.cert_index == Some(cert.index)) {
            let _ = writeln!(o, "     ! {}: {}", f.code, said(f, because));
        }
    }
    for f in ch.findings.iter().filter(|f| f.cert_index.is_none()) {
        let _ = writeln!(o, "   ! {}: {}", f.code, said(f, because));
    }
}

/// The finding that explains a failure, as its code and certificate.
type Because = Option<(FindingCode, Option<usize>)>;

/// A finding's message, or a reference to the verdict that already gives it.
fn said(f: &Finding, because: Because) -> &str {
    if because == Some((f.code, f.cert_index)) {
        "the verdict above (its explanation and fix)"
    } else {
        &f.message
    }
}

/// Lines longer than `WIDTH` columns wrapped at spaces (a ticket's width),
/// the rest of a line indented two more than its start; words are never
/// split (a fingerprint, a filter's terms), and a fix's command (`$ `) is
/// never wrapped.
pub(super) fn wrapped(text: &str) -> String {
    const WIDTH: usize = 100;
    let mut o = String::with_capacity(text.len() + text.len() / 50);
    for line in text.lines() {
        // A command is pasted into a shell: never wrapped.
        if line.chars().count() <= WIDTH || line.trim_start().starts_with("$ ") {
            o.push_str(line);
            o.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let rest = " ".repeat(indent + 2);
        let opts = textwrap::Options::new(WIDTH)
            .subsequent_indent(&rest)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        for part in textwrap::wrap(line, opts) {
            o.push_str(&part);
            o.push('\n');
        }
    }
    o
}

/// What the client offered, in a few words: its versions, how many suites,
/// its ALPN (the text and the page say it alike).
pub(super) fn offer(ch: &ClientHelloReport) -> String {
    let vs = if ch.supported_versions.is_empty() {
        ch.legacy_version.to_string()
    } else {
        ch.supported_versions.join(", ")
    };
    let alpn = if ch.alpn.is_empty() {
        String::new()
    } else {
        format!("; ALPN {}", ch.alpn.join(","))
    };
    format!("{vs}; {} cipher suites{alpn}", ch.cipher_suites.len())
}

/// Whether the connection's records were decrypted, and with what.
pub(super) fn decryption(d: &DecryptionReport) -> String {
    match (&d.keys, d.decrypted) {
        (Some(k), true) => format!("decrypted: {} records opened with the secrets of {k}", d.records),
        _ => format!(
            "not decrypted: {}",
            d.problem.as_deref().unwrap_or("no secrets for this session")
        ),
    }
}
