//! Builds the report of one connection (the contract's CONNECTION) from
//! what the analysis found: the trace, the chains, the key-exchange check
//! and the verdict.

use std::borrow::Cow;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::capture::Timestamp;
use crate::chain::{ChainAnalysis, Defect, Finding, FindingCode};
use crate::connection::{Event, EventKind, Side, Trace, seconds_between};
use crate::diagnose::Verdict;
use crate::keyexchange::SkeCheck;
use crate::memo::{self, Seen};
use crate::names::{alert_name, cipher_is_weak, cipher_name, is_tls13, version_name};
use crate::timefmt;
use crate::tls::{ClientHello, ServerHello, TlsMsg};
use crate::vocabulary::Status;

use super::*;

/// What the report of one connection is built from.
pub struct ConnectionFacts<'a> {
    pub trace: &'a Trace,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first_frame: u64,
    pub start: Timestamp,
    /// The capture has nanosecond timestamps.
    pub nanos: bool,
    pub client_hello: Option<(u64, &'a ClientHello)>,
    pub server_hello: Option<(u64, &'a ServerHello)>,
    pub server_chain: Option<ChainAnalysis>,
    pub client_chain: Option<ChainAnalysis>,
    pub key_check: Option<SkeCheck>,
    pub verdict: Verdict,
    /// The server chain's defect that explains a rejection, if one does.
    pub reason: Option<crate::chain::Defect>,
    /// The run's trust stores, for the fix's commands.
    pub stores: &'a crate::fix::Stores,
}

#[cfg(test)]
impl<'a> ConnectionFacts<'a> {
    /// For tests: a connection from 10.0.0.1:`client_port` to 10.0.0.2:443
    /// with `trace` and `verdict`, no hello, no chain, microsecond times.
    pub fn bare(trace: &'a Trace, client_port: u16, first_frame: u64, start: Timestamp, verdict: Verdict) -> Self {
        let client = std::net::SocketAddr::from(([10, 0, 0, 1], client_port));
        ConnectionFacts {
            trace,
            client,
            server: std::net::SocketAddr::from(([10, 0, 0, 2], 443)),
            first_frame,
            start,
            nanos: false,
            client_hello: None,
            server_hello: None,
            server_chain: None,
            client_chain: None,
            key_check: None,
            verdict,
            reason: None,
            stores: Box::leak(Box::default()),
        }
    }
}

/// The report of one connection (`id` is set by the caller, by first frame).
pub fn connection(f: ConnectionFacts) -> ConnectionReport {
    let t = f.trace;
    let (ch, sh) = (f.client_hello, f.server_hello);
    let version = sh.map(|(_, s)| s.version());
    let suite = sh.map(|(_, s)| cipher_name(s.cipher_suite));
    let findings = connection_findings(&f, version, suite.as_deref());
    let warnings = warnings(t);
    let note = note(&f, version);
    let close = close_report(t);
    let acceptable_client_cas = client_cas(t);
    let failure = failure_report(&f, &acceptable_client_cas);
    let verdict = f.verdict;
    let (client, server) = (f.client, f.server);
    let (server_chain, client_chain, key_check) = (f.server_chain, f.client_chain, f.key_check);
    let (nanos, first_frame, start) = (f.nanos, f.first_frame, f.start);
    let sni = ch.and_then(|(_, c)| c.sni.as_ref()).map(|s| crate::escape::text(s));
    let client_stack = ch.map(|(_, c)| stacks::client(c));
    let server_stack = sh.map(|(_, s)| stacks::server(s));
    ConnectionReport {
        id: 0,
        client: endpoint(client),
        server: endpoint(server),
        first_frame,
        start: timefmt::timestamp(start, nanos),
        wireshark_filter: wireshark_filter(client, server),
        sni,
        ja3: client_stack.as_ref().and_then(|c| c.ja3.clone()),
        ja3s: server_stack.as_ref().map(|s| s.ja3s.clone()),
        ja4: client_stack.as_ref().and_then(|c| c.ja4.clone()),
        ja4s: server_stack.map(|s| s.ja4s),
        status: verdict.status,
        partial: verdict.partial,
        tls_version: version.map(version_name),
        cipher_suite: suite,
        alpn: sh.and_then(|(_, s)| s.alpn.as_deref()).map(crate::escape::text),
        client_hello: ch.zip(client_stack).map(|((frame, c), stack)| ClientHelloReport {
            frame,
            legacy_version: stack.legacy_version,
            supported_versions: stack.supported_versions,
            cipher_suites: stack.cipher_suites,
            alpn: stack.alpn,
            sni: c.sni.as_ref().map(|s| crate::escape::text(s)),
            sslv2_format: c.sslv2_format,
        }),
        handshake: {
            let syn = syn_detail(t);
            t.events
                .iter()
                .map(|e| entry(e, offset(t, e.frame), syn.as_ref()))
                .collect()
        },
        failure,
        findings,
        server_chain: server_chain.map(chain_report),
        client_chain: client_chain.map(chain_report),
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
        decryption: t.decryption.as_ref().map(|d| DecryptionReport {
            decrypted: d.records > 0,
            keys: d.keys.as_ref().map(|k| crate::escape::text(k.as_bytes())),
            records: d.records,
            problem: d.problem.clone(),
        }),
        left_out: false,
    }
}

/// The CA names of the server's CertificateRequest.
fn client_cas(t: &Trace) -> Vec<String> {
    (t.events.iter())
        .find_map(|e| match tls_of(e) {
            Some(TlsMsg::CertificateRequest(c)) => Some(dn_names(c)),
            _ => None,
        })
        .unwrap_or_default()
}

/// The contract's `failure`, with its fix, of a connection that failed.
fn failure_report(f: &ConnectionFacts, client_cas: &[String]) -> Option<FailureReport> {
    let fl = f.verdict.failure.clone()?;
    let ch = f.client_hello.map(|(_, c)| c);
    // The root the server sent and the store lacks, as `--export-certs` names it.
    let root_sha256 = match (&f.reason, &f.server_chain) {
        (Some(crate::chain::Defect::RootNotTrusted { index, .. }), Some(c)) => {
            c.certificates.get(*index).map(|x| x.sha256.clone())
        }
        _ => None,
    };
    let rejected = fl.cause == Cause::Named(crate::vocabulary::NamedCause::CertificateRejectedByClient);
    Some(FailureReport {
        fix: crate::fix::of_failure(
            &fl,
            (&endpoint(f.server), ch),
            (f.reason.as_ref(), root_sha256.as_deref()),
            client_cas,
            f.stores,
        ),
        because: (f.reason.as_ref())
            .filter(|_| rejected)
            .map(|d| (d.code(), d.cert_index())),
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
    })
}

/// The contract's CHAIN of an analysed chain: findings in the defects' words.
pub fn chain_report(c: ChainAnalysis) -> ChainReport {
    ChainReport {
        der: c.der,
        frame: c.frame,
        certificates: c.certificates,
        trust: TrustReport {
            verdict: c.trust.verdict,
            anchor: c.trust.anchor,
            missing_issuer: c.trust.missing_issuer,
            reason: c.trust.reason,
        },
        findings: findings_of(&c.defects),
    }
}

thread_local! {
    /// The findings of the defects of the chains a thread has seen.
    static FINDINGS: RefCell<Seen<Vec<Defect>, Arc<[Finding]>>> = RefCell::new(Seen::new());
}

/// The findings of a chain's defects, in their words: written once per
/// distinct list of defects on a thread (the connections to one backend
/// share it), and shared.
fn findings_of(defects: &[Defect]) -> Arc<[Finding]> {
    let hash = memo::hash_of(defects);
    FINDINGS.with_borrow_mut(|seen| {
        seen.get(
            hash,
            |k| k[..] == *defects,
            || {
                let found: Arc<[Finding]> = defects.iter().map(Defect::finding).collect();
                // A hostile chain's findings are written each time, not kept.
                let size: usize = found.iter().map(|f| f.message.len()).sum();
                ((size <= 16 * 1024).then(|| defects.to_vec()), found)
            },
        )
    })
}

/// Connection findings: the verdict's, then no SNI, a key mismatch, the negotiated version and suite.
fn connection_findings(f: &ConnectionFacts, version: Option<u16>, suite: Option<&str>) -> Vec<Finding> {
    let (ch, verdict) = (f.client_hello, &f.verdict);
    let key_mismatch = match &f.key_check {
        Some(SkeCheck::Mismatch(m)) => Some(m.clone()),
        _ => None,
    };
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
    if let Some(s) = suite
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

    findings
}

/// What could not be read in this connection.
fn warnings(t: &Trace) -> Vec<String> {
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
    warnings
}

/// The verdict's note, and that a TLS 1.3 chain is encrypted.
fn note(f: &ConnectionFacts, version: Option<u16>) -> Option<String> {
    let (server_chain, verdict) = (&f.server_chain, &f.verdict);
    let mut note = verdict.note.clone();
    // The server's Finished opened and no Certificate before it: a session
    // resumed with a pre-shared key sends none.
    let resumed = f.trace.events.iter().any(|e| {
        e.from == crate::connection::Side::Server
            && matches!(
                e.kind,
                crate::connection::EventKind::Tls(crate::tls::TlsMsg::Handshake(20))
            )
    });
    if server_chain.is_none() && version.is_some_and(is_tls13) && resumed {
        let s = "TLS 1.3, decrypted: the session was resumed (a pre-shared key), so the server sent no certificate.";
        note = Some(match note {
            Some(n) => format!("{n} {s}"),
            None => s.to_string(),
        });
    } else if server_chain.is_none() && version.is_some_and(is_tls13) && verdict.status != Status::NoConnection {
        let s = match &f.trace.decryption {
            Some(d) => format!(
                "TLS 1.3: the server's certificate chain is encrypted, and the key log given did not open it ({}).",
                d.problem.as_deref().unwrap_or("no secrets for this session")
            ),
            None => "TLS 1.3: the server's certificate chain is encrypted; the session keys (the client's SSLKEYLOGFILE given with --keylog, or a pcapng holding the secrets; docs/decryption.md says where each gateway writes them) would show it.".to_string(),
        };
        note = Some(match note {
            Some(n) => format!("{n} {s}"),
            None => s,
        });
    }

    note
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
    // A close_notify in front of the close is part of it, not data.
    let last_data = match tm.data_before_close {
        Some(m) if crate::diagnose::established::is_close_record(t, m) => tm.data_before_close_prev,
        other => other,
    }
    .or(tm.data_tail[1])
    .map(|m| m.ts);
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

// The three below write as `Display` does, into a string of the right size
// at once, an IPv4 address and a port digit by digit (`Display` for an
// address goes through a padding formatter: over a thousand instructions
// for each of a report's four addresses, callgrind).
fn endpoint(a: SocketAddr) -> String {
    let mut s = String::with_capacity(if a.is_ipv6() { 48 } else { 24 });
    if a.is_ipv6() {
        s.push('[');
        push_ip(&mut s, a.ip());
        s.push(']');
    } else {
        push_ip(&mut s, a.ip());
    }
    s.push(':');
    crate::digits::push(&mut s, u64::from(a.port()), 0);
    s
}

fn wireshark_filter(c: SocketAddr, s: SocketAddr) -> String {
    let mut out = String::with_capacity(128);
    for (i, a) in [c, s].into_iter().enumerate() {
        out.push_str(match (i, a.is_ipv6()) {
            (0, false) => "ip.addr==",
            (0, true) => "ipv6.addr==",
            (_, false) => " && ip.addr==",
            (_, true) => " && ipv6.addr==",
        });
        push_ip(&mut out, a.ip());
        out.push_str(" && tcp.port==");
        crate::digits::push(&mut out, u64::from(a.port()), 0);
    }
    out
}

fn push_ip(out: &mut String, ip: std::net::IpAddr) {
    match ip {
        std::net::IpAddr::V4(a) => {
            for (i, o) in a.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                crate::digits::push(out, u64::from(o), 0);
            }
        }
        std::net::IpAddr::V6(a) => {
            use std::fmt::Write;
            let _ = write!(out, "{a}");
        }
    }
}

/// The parts one after the other, in a string of their size (`format!`
/// grows its string as it goes; a handshake entry's detail is built this
/// way for most of a report's entries).
fn joined(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// A number and what it counts, in a string of their size.
fn counted(n: usize, what: &str) -> String {
    let mut s = String::with_capacity(20 + what.len());
    crate::digits::push(&mut s, n as u64, 0);
    s.push_str(what);
    s
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
            TlsMsg::Encrypted { .. } | TlsMsg::ApplicationData { .. } => 'e',
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

/// Seconds from the connection's start to frame `frame` (or the last frame
/// before it that brought events), to the microsecond.
fn offset(t: &Trace, frame: u64) -> Option<f64> {
    let i = t.frame_times.partition_point(|(f, _)| *f <= frame).checked_sub(1)?;
    let (_, ts) = t.frame_times[i];
    let start = t.timing.start;
    let d = (ts.secs - start.secs) as f64 + (ts.nanos as f64 - start.nanos as f64) / 1e9;
    Some((d.max(0.0) * 1e6).round() / 1e6)
}

/// The SYN's detail when it was sent again: how often, and when last.
fn syn_detail(t: &Trace) -> Option<String> {
    let last = t
        .last_syn
        .map(|l| crate::connection::seconds_between(t.timing.start, l));
    (t.syn_count > 1).then(|| match last {
        Some(l) => format!("sent {} times, the last at +{l:.3} s", t.syn_count),
        None => format!("sent {} times", t.syn_count),
    })
}

/// The highest version a ClientHello offers (supported_versions, GREASE
/// left out; its legacy version without them).
fn highest_offered(c: &ClientHello) -> u16 {
    (c.supported_versions.iter().copied())
        .filter(|v| !crate::names::is_grease(*v))
        .max()
        .unwrap_or(c.legacy_version)
}

fn entry(e: &Event, t: Option<f64>, syn: Option<&String>) -> HandshakeEntry {
    let (message, detail): (Cow<'static, str>, Option<String>) = match &e.kind {
        EventKind::Syn => ("SYN".into(), syn.cloned()),
        EventKind::SynAck => ("SYN-ACK".into(), None),
        EventKind::Fin => ("FIN".into(), None),
        EventKind::Rst => ("RST".into(), None),
        EventKind::Gap(n) => ("Gap".into(), Some(format!("the capture missed {n} bytes"))),
        EventKind::Tls(m) => {
            let name = m.name();
            let detail = match m {
                TlsMsg::ClientHello(c) => {
                    let mut d = version_name(highest_offered(c)).into_owned();
                    if let Some(s) = &c.sni {
                        d.push_str(", SNI ");
                        d.push_str(&crate::escape::text(s));
                    }
                    Some(d)
                }
                TlsMsg::ServerHello(s) => Some(joined(&[
                    &version_name(s.version()),
                    ", ",
                    &cipher_name(s.cipher_suite),
                ])),
                TlsMsg::Certificate(c) => Some(counted(
                    c.len(),
                    if c.len() == 1 { " certificate" } else { " certificates" },
                )),
                TlsMsg::CertificateRequest(c) => Some(counted(c.len(), " acceptable CA names")),
                TlsMsg::Alert { level, description } => Some(format!(
                    "{} {} ({})",
                    if *level == 2 { "fatal" } else { "warning" },
                    alert_name(*description),
                    description
                )),
                // The contract's exact detail; the size is in the text report's evidence only.
                TlsMsg::EncryptedAlert { .. } => Some("encrypted alert".to_string()),
                TlsMsg::Encrypted { len } => Some(counted(*len, " bytes")),
                TlsMsg::ApplicationData { len } => Some(counted(*len, " bytes, decrypted")),
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
        t,
    }
}

fn dn_names(ders: &[Vec<u8>]) -> Vec<String> {
    ders.iter()
        .map(|d| crate::dn::der_name_text(d).unwrap_or_else(|| format!("(unreadable name, {} bytes)", d.len())))
        .collect()
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn addresses_as_display_writes_them() {
        let addrs: Vec<SocketAddr> = [
            "0.0.0.0:0",
            "10.1.0.197:10197",
            "255.255.255.255:65535",
            "192.0.2.7:443",
            "[::1]:443",
            "[2001:db8::1]:8443",
            "[::ffff:10.0.0.1]:1",
            "[fe80::1:2:3:4]:65535",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        for &c in &addrs {
            let want = match c {
                SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
                SocketAddr::V6(v) => format!("[{}]:{}", v.ip(), v.port()),
            };
            assert_eq!(endpoint(c), want);
            for &s in &addrs {
                let f = |a: SocketAddr| if a.is_ipv6() { "ipv6.addr" } else { "ip.addr" };
                let want = format!(
                    "{}=={} && tcp.port=={} && {}=={} && tcp.port=={}",
                    f(c),
                    c.ip(),
                    c.port(),
                    f(s),
                    s.ip(),
                    s.port()
                );
                assert_eq!(wireshark_filter(c, s), want);
            }
        }
    }
}
