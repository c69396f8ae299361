//! The pipeline for one capture: frames to connections (sequential, one pass
//! over the file), then each connection analysed on its own (in parallel):
//! trace, chain, verdict, report entry.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use rayon::prelude::*;

use crate::capture::{CaptureFile, Timestamp};
use crate::chain::{ChainReport, Chains, Finding, FindingCode, Purpose, TrustVerdict};
use crate::connection::{Event, EventKind, Side, Trace, seconds_between, trace};
use crate::diagnose::{ChainContext, Status, diagnose};
use crate::flow::{Flow, FlowTable};
use crate::keyexchange::SkeCheck;
use crate::names::{alert_name, cipher_is_weak, cipher_name, is_grease, is_tls13, version_name};
use crate::packet::{self, Skip};
use crate::report::*;
use crate::timefmt;
use crate::tls::TlsMsg;

/// Connections listed in full per capture; the others are counted only.
pub const MAX_LISTED_CONNECTIONS: usize = 200_000;

enum Outcome {
    Listed(Box<ConnectionReport>),
    Counted(Status),
}

/// Settings of a run that the analysis needs.
#[derive(Clone)]
pub struct Options {
    pub chains: Arc<Chains>,
    /// Validate certificates at this time (Unix seconds) instead of the capture's.
    pub at: Option<i64>,
    /// The host the client meant, overriding the SNI for name checks.
    pub host: Option<String>,
}

/// Analyses one opened capture.
pub fn analyze_capture(cf: &CaptureFile, opts: &Options) -> CaptureReport {
    analyze_capture_with_progress(cf, opts, &|_, _| {})
}

/// Reports progress of the pass over the file: (bytes read, bytes in all).
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// Analyses one opened capture, calling `progress` now and then while reading it.
pub fn analyze_capture_with_progress(cf: &CaptureFile, opts: &Options, progress: Progress) -> CaptureReport {
    let mut rep = CaptureReport {
        path: cf.display_path.clone(),
        bytes: cf.data().len() as u64,
        ..CaptureReport::default()
    };
    let mut reader = match cf.frames() {
        Ok(r) => r,
        Err(e) => {
            rep.error = Some(e.to_string());
            return rep;
        }
    };
    let data = cf.data();
    let base = data.as_ptr() as usize;
    let mut table = FlowTable::new();
    let mut first: Option<Timestamp> = None;
    let mut last: Option<Timestamp> = None;
    let mut malformed = 0u64;
    let mut first_malformed = 0u64;
    let mut fragments = 0u64;
    let mut unsupported: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut packets = 0u64;
    let total = data.len() as u64;
    while let Some(frame) = reader.next() {
        packets += 1;
        if packets.is_multiple_of(65_536) {
            progress(reader.position() as u64, total);
        }
        if first.is_none() {
            first = Some(frame.ts);
        }
        last = Some(frame.ts);
        match packet::decode(frame.link_type, frame.data, frame.orig_len) {
            Ok(seg) => {
                // The payload borrows from `data`; an empty one may not (a static empty slice).
                let off = if seg.payload.is_empty() {
                    0
                } else {
                    (seg.payload.as_ptr() as usize).wrapping_sub(base)
                };
                table.add(frame.number, frame.ts, &seg, off);
            }
            Err(Skip::NotTcp) => {}
            Err(Skip::Fragment) => fragments += 1,
            Err(Skip::Malformed) => {
                if malformed == 0 {
                    first_malformed = frame.number;
                }
                malformed += 1;
            }
            Err(Skip::UnsupportedLink) => {
                let e = unsupported.entry(frame.link_type).or_insert((0, frame.number));
                e.0 += 1;
            }
        }
    }
    rep.format = Some(reader.format().name().to_string());
    rep.link_types = reader.link_types.iter().map(|l| packet::linktype_name(*l)).collect();
    rep.packets = packets;
    let nanos = reader.nanosecond;
    rep.first_packet = first.map(|t| timefmt::timestamp(t, nanos));
    rep.last_packet = last.map(|t| timefmt::timestamp(t, nanos));
    if let Some(d) = &reader.damage {
        rep.read_stopped_early = true;
        if packets == 0 {
            // Nothing could be read: an error for this input, never a clean empty capture.
            rep.error = Some(format!("{}: no packet could be read: {d}", cf.display_path));
        } else {
            rep.warnings.push(format!("reading stopped early: {d}"));
        }
    }
    rep.warnings.extend(reader.notes.iter().take(20).cloned());
    if reader.notes.len() > 20 {
        rep.warnings
            .push(format!("{} more notes about damaged blocks", reader.notes.len() - 20));
    }
    if reader.snapped > 0 {
        rep.warnings.push(format!(
            "snap length{}: {} packets cut, TLS payloads may be missing",
            reader.min_snaplen.map(|s| format!(" {s}")).unwrap_or_default(),
            reader.snapped
        ));
    }
    for (lt, (n, fr)) in &unsupported {
        rep.warnings.push(format!(
            "{n} packets of unsupported link type {} (first: frame {fr}) were skipped",
            packet::linktype_name(*lt)
        ));
    }
    if malformed > 0 {
        rep.warnings.push(format!(
            "{malformed} packets with damaged or truncated headers were skipped (first: frame {first_malformed})"
        ));
    }
    if fragments > 0 {
        rep.warnings
            .push(format!("{fragments} IP fragments were skipped (not reassembled)"));
    }
    if table.dropped_connections > 0 {
        rep.warnings.push(format!(
            "more than {} TCP connections: {} more were not analysed",
            crate::flow::MAX_CONNECTIONS,
            table.dropped_connections
        ));
    }

    // Every connection is analysed and counted; the first MAX_LISTED_CONNECTIONS
    // are kept in full, so that a flood (a SYN scan) cannot make the report unbounded.
    let flows = table.into_flows();
    let outcomes: Vec<Outcome> = flows
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let r = analyze_flow(f, data, nanos, opts);
            if i < MAX_LISTED_CONNECTIONS {
                Outcome::Listed(Box::new(r))
            } else {
                Outcome::Counted(r.status)
            }
        })
        .collect();
    let mut s = Summary::default();
    let mut conns = Vec::with_capacity(outcomes.len().min(MAX_LISTED_CONNECTIONS));
    for (i, o) in outcomes.into_iter().enumerate() {
        let status = match o {
            Outcome::Listed(mut c) => {
                c.id = i as u64 + 1;
                let st = c.status;
                conns.push(*c);
                st
            }
            Outcome::Counted(st) => st,
        };
        s.connections += 1;
        match status {
            Status::Ok => s.ok += 1,
            Status::Failed => s.failed += 1,
            Status::Incomplete => s.incomplete += 1,
            Status::NotTls => s.not_tls += 1,
            Status::NoConnection => s.no_connection += 1,
        }
    }
    if s.connections as usize > MAX_LISTED_CONNECTIONS {
        rep.warnings.push(format!(
            "{} TCP connections: all are counted in the summary, the first {} are listed",
            s.connections, MAX_LISTED_CONNECTIONS
        ));
    }
    rep.summary = s;
    rep.connections = conns;
    rep
}

fn endpoint(a: SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("[{}]:{}", v.ip(), v.port()),
    }
}

fn wireshark_filter(c: SocketAddr, s: SocketAddr) -> String {
    let f = |a: SocketAddr| if a.is_ipv6() { "ipv6.addr" } else { "ip.addr" };
    format!(
        "{}=={} && tcp.port=={} && {}=={} && tcp.port=={}",
        f(c),
        c.ip(),
        c.port(),
        f(s),
        s.ip(),
        s.port()
    )
}

fn tls_of(e: &Event) -> Option<&TlsMsg> {
    match &e.kind {
        EventKind::Tls(m) => Some(m),
        _ => None,
    }
}

fn history_letter(e: &Event) -> char {
    let c = match &e.kind {
        EventKind::Syn => 's',
        EventKind::SynAck => 'h',
        EventKind::Fin => 'f',
        EventKind::Rst => 'r',
        EventKind::Gap(_) => 'g',
        EventKind::Tls(m) => match m {
            TlsMsg::ClientHello(_) | TlsMsg::ServerHello(_) => 'h',
            TlsMsg::Certificate(_) => 'c',
            TlsMsg::ServerKeyExchange(_) | TlsMsg::ClientKeyExchange => 'k',
            TlsMsg::CertificateRequest(_) => 'q',
            TlsMsg::ServerHelloDone => 'd',
            TlsMsg::CertificateVerify => 'v',
            TlsMsg::NewSessionTicket => 't',
            TlsMsg::Handshake(_) => 'm',
            TlsMsg::EncryptedHandshake => 'n',
            TlsMsg::ChangeCipherSpec => 'i',
            TlsMsg::Alert { .. } => 'a',
            TlsMsg::EncryptedAlert { .. } => 'b',
            TlsMsg::Encrypted { .. } => 'e',
            TlsMsg::NotTls { .. } => 'p',
            TlsMsg::Sslv2Record => 'e',
            TlsMsg::Malformed(_) => 'x',
        },
    };
    if e.from == Side::Client {
        c.to_ascii_uppercase()
    } else {
        c
    }
}

fn entry(e: &Event) -> HandshakeEntry {
    let (message, detail): (String, Option<String>) = match &e.kind {
        EventKind::Syn => ("SYN".into(), None),
        EventKind::SynAck => ("SYN-ACK".into(), None),
        EventKind::Fin => ("FIN".into(), None),
        EventKind::Rst => ("RST".into(), None),
        EventKind::Gap(n) => ("Gap".into(), Some(format!("the capture missed {n} bytes"))),
        EventKind::Tls(m) => {
            let name = m.name();
            let detail = match m {
                TlsMsg::ClientHello(c) => Some(format!(
                    "{}{}",
                    version_name(c.legacy_version),
                    c.sni
                        .as_ref()
                        .map(|s| format!(", SNI {}", crate::escape::text(s)))
                        .unwrap_or_default()
                )),
                TlsMsg::ServerHello(s) => Some(format!(
                    "{}, {}",
                    version_name(s.version()),
                    cipher_name(s.cipher_suite)
                )),
                TlsMsg::Certificate(c) => Some(format!(
                    "{} certificate{}",
                    c.len(),
                    if c.len() == 1 { "" } else { "s" }
                )),
                TlsMsg::CertificateRequest(c) => Some(format!("{} acceptable CA names", c.len())),
                TlsMsg::Alert { level, description } => Some(format!(
                    "{} {} ({})",
                    if *level == 2 { "fatal" } else { "warning" },
                    alert_name(*description),
                    description
                )),
                // The contract's exact detail; the size is in the text report's evidence only.
                TlsMsg::EncryptedAlert { .. } => Some("encrypted alert".to_string()),
                TlsMsg::Encrypted { len } => Some(format!("{len} bytes")),
                TlsMsg::NotTls { preview, len } => {
                    Some(format!("{len} bytes: \"{}\"", crate::escape::preview(preview)))
                }
                TlsMsg::Malformed(w) => Some(crate::escape::text(w.as_bytes())),
                _ => None,
            };
            (name, detail)
        }
    };
    HandshakeEntry {
        frame: e.frame,
        from: e.from.name(),
        message,
        detail,
    }
}

fn dn_names(ders: &[Vec<u8>]) -> Vec<String> {
    use x509_parser::prelude::FromDer;
    ders.iter()
        .map(|d| match x509_parser::x509::X509Name::from_der(d) {
            Ok((_, n)) => crate::escape::text(n.to_string().as_bytes()),
            Err(_) => format!("(unreadable name, {} bytes)", d.len()),
        })
        .collect()
}

fn analyze_flow(f: &Flow, data: &[u8], nanos: bool, opts: &Options) -> ConnectionReport {
    let t: Trace = trace(f, data);
    let (client, server) = orient(f, &t);

    let ch = t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ClientHello(c)) if e.from == Side::Client => Some((e.frame, c.as_ref())),
        _ => None,
    });
    let sh = t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ServerHello(s)) if e.from == Side::Server && !s.hello_retry => Some((e.frame, s.as_ref())),
        _ => None,
    });
    let sni = ch.and_then(|(_, c)| c.sni.as_ref()).map(|s| crate::escape::text(s));
    let host = opts.host.clone().or_else(|| {
        ch.and_then(|(_, c)| c.sni.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    });
    let at = opts.at.unwrap_or(f.start.secs);

    let chain_of = |side: Side| -> Option<ChainReport> {
        t.events.iter().find_map(|e| match tls_of(e) {
            Some(TlsMsg::Certificate(c)) if e.from == side && !c.is_empty() => Some(opts.chains.analyze(
                c,
                e.frame,
                at,
                if side == Side::Server { host.as_deref() } else { None },
                if side == Side::Server {
                    Purpose::Server
                } else {
                    Purpose::Client
                },
            )),
            _ => None,
        })
    };
    let mut server_chain = chain_of(Side::Server);
    let client_chain = chain_of(Side::Client);
    if let (Some(c), Some((_, s))) = (server_chain.as_mut(), sh) {
        key_usage_check(c, s);
    }

    let key_check = check_key_exchange(&t, ch.map(|(_, c)| c), sh.map(|(_, s)| s), server_chain.as_ref());
    let key_mismatch = match &key_check {
        Some(SkeCheck::Mismatch(m)) => Some(m.clone()),
        _ => None,
    };
    let ctx = ChainContext {
        problem: server_chain.as_ref().and_then(chain_problem),
        rejected_after_handshake: server_chain.as_ref().is_some_and(post_handshake_rejectable),
        trusted: server_chain
            .as_ref()
            .is_some_and(|c| c.trust.verdict == TrustVerdict::Trusted),
        checked: server_chain.is_some(),
        key_mismatch: key_mismatch.clone(),
    };
    let verdict = diagnose(&t, &ctx);

    let mut findings: Vec<Finding> = verdict.findings.clone();
    if let Some((_, c)) = ch
        && c.sni.is_none()
        && verdict.status != Status::NotTls
    {
        findings.push(Finding {
            code: FindingCode::NoSni,
            cert_index: None,
            message: "the ClientHello carries no server name (SNI): a server with several certificates returns its default one. Configure the client to send SNI (Java does not for IP addresses).".into(),
        });
    }
    if let Some(m) = &key_mismatch {
        findings.push(Finding {
            code: FindingCode::ServerKeyMismatch,
            cert_index: None,
            message: format!("{m}: install the private key that belongs to the certificate (or the certificate that belongs to the key)."),
        });
    }
    let version = sh.map(|(_, s)| s.version());
    if let Some(v) = version
        && matches!(v, 0x0002 | 0x0300 | 0x0301 | 0x0302)
    {
        findings.push(Finding {
            code: FindingCode::DeprecatedVersion,
            cert_index: None,
            message: format!(
                "{} was negotiated; it is deprecated (RFC 8996): enable TLS 1.2 or 1.3",
                version_name(v)
            ),
        });
    }
    let suite = sh.map(|(_, s)| cipher_name(s.cipher_suite));
    if let Some(s) = &suite
        && cipher_is_weak(s)
    {
        findings.push(Finding {
            code: FindingCode::WeakCipher,
            cert_index: None,
            message: format!(
                "the weak cipher suite {s} was negotiated: disable RC4, 3DES, NULL, EXPORT and anonymous suites"
            ),
        });
    }

    let mut warnings = Vec::new();
    for e in &t.events {
        if let Some(TlsMsg::Malformed(w)) = tls_of(e) {
            warnings.push(format!("frame {}: {}", e.frame, crate::escape::text(w.as_bytes())));
        }
    }
    if t.events_not_listed > 0 {
        warnings.push(format!(
            "{} more events of kinds already listed (repeated alerts, handshake messages or capture gaps) were counted, not listed",
            t.events_not_listed
        ));
    }
    let mut note = verdict.note.clone();
    if server_chain.is_none() && version.is_some_and(is_tls13) && verdict.status != Status::NoConnection {
        let s = "TLS 1.3: the server's certificate chain is encrypted; only the session keys (an SSLKEYLOGFILE) would show it, and this version does not decrypt yet.".to_string();
        note = Some(match note {
            Some(n) => format!("{n} {s}"),
            None => s,
        });
    }

    let close = close_report(&t);
    let acceptable_client_cas = t
        .events
        .iter()
        .find_map(|e| match tls_of(e) {
            Some(TlsMsg::CertificateRequest(c)) => Some(dn_names(c)),
            _ => None,
        })
        .unwrap_or_default();

    ConnectionReport {
        id: 0,
        client: endpoint(client),
        server: endpoint(server),
        first_frame: f.first_frame,
        start: timefmt::timestamp(f.start, nanos),
        wireshark_filter: wireshark_filter(client, server),
        sni,
        status: verdict.status,
        tls_version: version.map(version_name),
        cipher_suite: suite,
        client_hello: ch.map(|(frame, c)| ClientHelloReport {
            frame,
            legacy_version: version_name(c.legacy_version),
            supported_versions: c.supported_versions.iter().map(|v| version_name(*v)).collect(),
            cipher_suites: c
                .cipher_suites
                .iter()
                .filter(|s| !is_grease(**s))
                .map(|s| cipher_name(*s))
                .collect(),
            alpn: c.alpn.iter().map(|a| crate::escape::text(a)).collect(),
            sni: c.sni.as_ref().map(|s| crate::escape::text(s)),
            sslv2_format: c.sslv2_format,
        }),
        handshake: t.events.iter().map(entry).collect(),
        failure: verdict.failure.map(|fl| FailureReport {
            cause: fl.cause,
            side: fl.side,
            frame: fl.frame,
            alert: fl.alert.map(|a| AlertReport {
                level: if a.level == 2 { "fatal".into() } else { "warning".into() },
                description: alert_name(a.description),
                code: a.description,
                from: a.from.name(),
                frame: a.frame,
            }),
            explanation: fl.explanation,
        }),
        findings,
        server_chain,
        client_chain,
        close,
        note,
        history: t.events.iter().map(history_letter).collect(),
        acceptable_client_cas,
        warnings,
        server_key_exchange: key_check.map(|k| match k {
            SkeCheck::Verified => "verified".to_string(),
            SkeCheck::Mismatch(_) => "mismatch".to_string(),
            SkeCheck::NotChecked(why) => format!("not checked: {why}"),
        }),
    }
}

/// How the connection ended: first FIN and RST, who ended it and how, when,
/// after how long a silence, and the bytes each side sent.
fn close_report(t: &Trace) -> CloseReport {
    let tm = &t.timing;
    let ev = |m: Option<crate::connection::Mark>| {
        m.map(|m| CloseEvent {
            frame: m.frame,
            by: m.from.name(),
        })
    };
    let first = tm.first_close();
    let end = first.map(|(m, _)| m.ts).unwrap_or(tm.end);
    let last_data = tm.data_before_close.or(tm.data_tail[1]).map(|m| m.ts);
    let round = |x: f64| (x * 1e6).round() / 1e6;
    CloseReport {
        first_fin: ev(tm.first_fin),
        first_rst: ev(tm.first_rst),
        ended_by: first.map(|(m, _)| m.from.name()).unwrap_or("capture_end"),
        how: match first {
            Some((_, true)) => "rst",
            Some((_, false)) => "fin",
            None => "capture_end",
        },
        duration_s: round(seconds_between(tm.start, end)),
        idle_before_close_s: last_data.map(|d| round(seconds_between(d, end))),
        bytes: SideBytes {
            client: t.client_bytes,
            server: t.server_bytes,
        },
    }
}

/// Checks the ServerKeyExchange signature against the leaf the server sent.
fn check_key_exchange(
    t: &Trace,
    ch: Option<&crate::tls::ClientHello>,
    sh: Option<&crate::tls::ServerHello>,
    chain: Option<&ChainReport>,
) -> Option<SkeCheck> {
    let ske = t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ServerKeyExchange(b)) if e.from == Side::Server => Some(b),
        _ => None,
    })?;
    let (ch, sh, chain) = (ch?, sh?, chain?);
    let leaf = chain.der.first()?;
    Some(crate::keyexchange::check(
        ske,
        &ch.random,
        &sh.random,
        leaf,
        sh.version(),
        &cipher_name(sh.cipher_suite),
    ))
}

fn orient(f: &Flow, t: &Trace) -> (SocketAddr, SocketAddr) {
    if t.client_is_a { (f.a, f.b) } else { (f.b, f.a) }
}

/// Adds wrong_key_usage when the leaf's keyUsage forbids the negotiated key exchange.
fn key_usage_check(c: &mut ChainReport, sh: &crate::tls::ServerHello) {
    let suite = cipher_name(sh.cipher_suite);
    let signs = if is_tls13(sh.version()) || suite.contains("DHE_") {
        true
    } else if suite.starts_with("TLS_RSA_WITH") {
        false
    } else {
        return;
    };
    if let Some(f) = c
        .leaf_usage
        .and_then(|u| crate::chain::key_usage_finding(u, signs, &suite))
    {
        c.findings.push(f);
    }
}

/// True when the visible chain has, on its path, a finding such a client rejects.
fn post_handshake_rejectable(c: &ChainReport) -> bool {
    c.findings.iter().any(|f| {
        f.code.rejected_after_handshake() && f.cert_index.is_none_or(|i| c.on_path.get(i).copied().unwrap_or(false))
    })
}

/// One sentence on why a client would reject this chain, for the failure's explanation.
fn chain_problem(c: &ChainReport) -> Option<String> {
    // Findings about certificates off the path (an expired cross-sign) never explain a failure.
    let on_path = |f: &&Finding| f.cert_index.is_none_or(|i| c.on_path.get(i).copied().unwrap_or(false));
    let pick = |code: FindingCode| c.findings.iter().filter(on_path).find(|f| f.code == code);
    let cert = |f: &Finding| match f.cert_index {
        Some(i) => format!("Certificate {i} {}", f.message),
        None => f.message.clone(),
    };
    if let Some(f) = pick(FindingCode::UnparsableCertificate) {
        let mut m = f.message.clone();
        if let Some(c) = m.get_mut(..1) {
            c.make_ascii_uppercase();
        }
        return Some(format!("{m}: nothing is claimed about its names or dates."));
    }
    if let Some(f) = pick(FindingCode::HostnameMismatch) {
        return Some(format!("The certificate's names do not match: {}.", f.message));
    }
    if let Some(f) = pick(FindingCode::Expired).or_else(|| pick(FindingCode::NotYetValid)) {
        return Some(format!(
            "{}.",
            cert(f).replace("Certificate 0 ", "The server's certificate ")
        ));
    }
    if let Some(f) = pick(FindingCode::WrongKeyUsage) {
        return Some(format!(
            "The server's certificate has the wrong key usage: {}.",
            f.message
        ));
    }
    if let Some(f) = pick(FindingCode::UntrustedRoot).or_else(|| pick(FindingCode::IncompleteChain)) {
        return Some(format!("The chain does not lead to a trusted root: {}.", f.message));
    }
    if let Some(f) = pick(FindingCode::WeakKey)
        .or_else(|| pick(FindingCode::WeakSignatureAlgorithm))
        .or_else(|| pick(FindingCode::BadSignature))
    {
        return Some(format!("Certificate {}: {}.", f.cert_index.unwrap_or(0), f.message));
    }
    if c.trust.verdict == TrustVerdict::Trusted {
        return None;
    }
    pick(FindingCode::VerificationFailed).map(|f| format!("{}.", f.message))
}
