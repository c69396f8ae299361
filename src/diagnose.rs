//! The verdict: a pure function from a connection's events to its status and,
//! for a failure, the cause, the side that gave up, the decisive frame and an
//! explanation a support engineer can paste into a case.
//!
//! Every status is derived here and nowhere else, so that the report can never
//! say two contradictory things about one connection.

use crate::chain::Finding;
use crate::connection::{Event, EventKind, Trace};
use crate::established::{ALERT_RECORD_MAX, Handshake, after_handshake, tls13_flight};
use crate::names::{alert_meaning, alert_name, is_tls13, version_name};
use crate::tls::TlsMsg;
pub use crate::vocabulary::{Blame, Cause, NamedCause, Side, Status};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertSeen {
    pub level: u8,
    pub description: u8,
    pub from: Side,
    pub frame: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub cause: Cause,
    pub side: Blame,
    pub frame: Option<u64>,
    pub alert: Option<AlertSeen>,
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub failure: Option<Failure>,
    /// For ok, incomplete and not_tls: one sentence on what the capture shows.
    pub note: Option<String>,
    /// Connection findings the verdict came with (what followed the handshake).
    pub findings: Vec<Finding>,
}

/// What the chain stage says about the server's chain, for explanations.
#[derive(Clone, Debug, Default)]
pub struct ChainContext {
    /// A sentence on why the chain would be rejected, if it would be.
    pub problem: Option<String>,
    /// The chain has a finding that a client verifying after the handshake rejects.
    pub rejected_after_handshake: bool,
    /// True when the chain verified against the trust store given.
    pub trusted: bool,
    pub checked: bool,
    /// The ServerKeyExchange signature did not verify with the leaf's key.
    pub key_mismatch: Option<String>,
}

/// Ports where a plaintext request can only be a mistake.
const TLS_PORTS: &[u16] = &[
    443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 4443, 5061, 5986, 6697, 8443, 9443, 10443,
];

fn is_cert_alert(d: u8) -> bool {
    matches!(d, 42..=46 | 48 | 49)
}

fn tls(e: &Event) -> Option<&TlsMsg> {
    match &e.kind {
        EventKind::Tls(m) => Some(m),
        _ => None,
    }
}

fn frames_of<'a>(evs: impl Iterator<Item = &'a Event>) -> String {
    let v: Vec<String> = evs.map(|e| e.frame.to_string()).collect();
    v.join(", ")
}

struct View<'a> {
    ev: &'a [Event],
}

impl<'a> View<'a> {
    fn first(&self, pred: impl Fn(&Event) -> bool) -> Option<(usize, &'a Event)> {
        self.ev.iter().enumerate().find(|(_, e)| pred(e))
    }
    fn any_after(&self, i: usize, pred: impl Fn(&Event) -> bool) -> bool {
        self.ev.iter().skip(i + 1).any(pred)
    }
}

fn is_msg(e: &Event, side: Side, f: impl Fn(&TlsMsg) -> bool) -> bool {
    e.from == side && tls(e).is_some_and(f)
}

/// Diagnoses one connection.
pub fn diagnose(t: &Trace, chain: &ChainContext) -> Verdict {
    let v = View { ev: &t.events };
    let syn = v.first(|e| e.kind == EventKind::Syn);
    let synack = v.first(|e| e.kind == EventKind::SynAck);
    let any_tls = t
        .events
        .iter()
        .any(|e| matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));

    // 1. The TCP handshake.
    if let Some((_, syn_ev)) = syn
        && synack.is_none()
        && t.server_bytes == 0
        && t.client_bytes == 0
    {
        if let Some((_, rst)) = v.first(|e| e.kind == EventKind::Rst && e.from == Side::Server) {
            return failure(
                Status::NoConnection,
                NamedCause::TcpRefused,
                Blame::Server,
                Some(rst.frame),
                None,
                format!(
                    "The server refused the TCP connection: the SYN (frame {}) was answered by a RST (frame {}). Nothing listens on that port, or a firewall rejects it: check the target port and that the service is running.",
                    syn_ev.frame, rst.frame
                ),
            );
        }
        let retries = t.syn_count.saturating_sub(1);
        return failure(
            Status::NoConnection,
            NamedCause::TcpNoResponse,
            Blame::Network,
            None,
            None,
            format!(
                "No answer to the client's SYN (frame {}{}): the TCP connection was never established. A firewall, security group or route drops the traffic, or nothing is at that address (\"Connection timed out\"); TLS was never reached.",
                syn_ev.frame,
                if retries > 0 {
                    format!(", retransmitted {retries} time{}", if retries == 1 { "" } else { "s" })
                } else {
                    String::new()
                }
            ),
        );
    }

    let ch = v.first(|e| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::ClientHello(_))));
    // 2. Not TLS at all, or plaintext from the client that a TLS server answered.
    let client_spoke_tls = t
        .events
        .iter()
        .any(|e| e.from == Side::Client && matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));
    let client_plaintext = t
        .events
        .iter()
        .any(|e| e.from == Side::Client && matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    if !any_tls || (ch.is_none() && client_plaintext && !client_spoke_tls) {
        return not_tls(t, &v);
    }

    let sh = v.first(|e| {
        is_msg(
            e,
            Side::Server,
            |m| matches!(m, TlsMsg::ServerHello(s) if !s.hello_retry),
        )
    });
    let version = sh.and_then(|(_, e)| match tls(e) {
        Some(TlsMsg::ServerHello(s)) => Some(s.version()),
        _ => None,
    });
    let tls13 = version.is_some_and(is_tls13);
    let sslv2 = version == Some(0x0002);

    // 3. Did the handshake complete? Then what followed it.
    if let Some((note, done)) = completed(&v, sh, tls13, sslv2) {
        return established(t, chain, note, done, sh, tls13);
    }

    // 4. The decisive evidence of a failure, from the ClientHello on.
    let from = ch.map(|(i, _)| i).unwrap_or(0);
    let decisive = decisive_event(&v, from, sh, tls13);
    let Some((di, d)) = decisive else {
        return incomplete(t, ch.is_some(), &v);
    };
    let gap_note = gap_before(&v, di);
    let mut verdict = explain(&v, t, di, d, ch, sh, tls13, chain);
    if let (Some(f), Some(g)) = (verdict.failure.as_mut(), gap_note) {
        f.explanation.push(' ');
        f.explanation.push_str(&g);
    }
    verdict
}

fn failure(
    status: Status,
    cause: impl Into<Cause>,
    side: Blame,
    frame: Option<u64>,
    alert: Option<AlertSeen>,
    explanation: String,
) -> Verdict {
    Verdict {
        status,
        failure: Some(Failure {
            cause: cause.into(),
            side,
            frame,
            alert,
            explanation,
        }),
        note: None,
        findings: Vec::new(),
    }
}

fn not_tls(t: &Trace, v: &View) -> Verdict {
    let client_plain = v.first(|e| e.from == Side::Client && matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    let server_tls =
        v.first(|e| e.from == Side::Server && matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));
    if let Some((_, c)) = client_plain {
        let server_answered = v.any_after(0, |e| {
            e.from == Side::Server && matches!(tls(e), Some(TlsMsg::NotTls { .. }))
        });
        if let Some((_, s)) = server_tls {
            return failure(
                Status::Failed,
                NamedCause::ClientNotTls,
                Blame::Client,
                Some(s.frame),
                None,
                format!(
                    "The client sent plaintext (frame {}) to a TLS server, which answered with TLS (frame {}): the client must use TLS (https://) for this port.",
                    c.frame, s.frame
                ),
            );
        }
        if !server_answered
            && TLS_PORTS.contains(&t.server_port)
            && let Some((_, close)) = v.first(|e| {
                e.from == Side::Server && matches!(e.kind, EventKind::Fin | EventKind::Rst) && e.frame >= c.frame
            })
        {
            return failure(
                Status::Failed,
                NamedCause::ClientNotTls,
                Blame::Server,
                Some(close.frame),
                None,
                format!(
                    "The client sent plaintext (frame {}) to port {}, a TLS port, and the server closed the connection (frame {}) without answering: the client must use TLS (https://) here.",
                    c.frame, t.server_port, close.frame
                ),
            );
        }
    }
    let note = if t.client_bytes == 0 && t.server_bytes == 0 {
        "TCP connection without payload: no TLS was attempted.".to_string()
    } else {
        "The connection carried no TLS.".to_string()
    };
    Verdict {
        status: Status::NotTls,
        failure: None,
        note: Some(note),
        findings: Vec::new(),
    }
}

fn suite_of(e: &Event) -> u16 {
    match tls(e) {
        Some(TlsMsg::ServerHello(s)) => s.cipher_suite,
        _ => 0,
    }
}

/// The verdict of a completed handshake: `ok` with what followed it, or a
/// client that verified the chain after the handshake and rejected it.
fn established(
    t: &Trace,
    chain: &ChainContext,
    note: String,
    done: usize,
    sh: Option<(usize, &Event)>,
    tls13: bool,
) -> Verdict {
    let (shi, she) = sh.unwrap_or((0, &t.events[0]));
    let h = Handshake {
        done,
        tls13,
        cipher_suite: suite_of(she),
        server_hello: shi,
    };
    let after = after_handshake(t, h, chain.rejected_after_handshake);
    if let Some(close) = after.rejected_at {
        let mut v = failure(
            Status::Failed,
            NamedCause::CertificateRejectedByClient,
            Blame::Client,
            Some(close.frame),
            None,
            format!(
                "{note} Then the client closed the connection (frame {}) without sending a request: this client verifies the server's certificate after the handshake (nginx's proxy_ssl_verify and the gateways built on nginx, Node.js, a browser showing a certificate warning) and rejected it; a gateway reports a 502 (\"upstream SSL certificate verify error\").{}",
                close.frame,
                chain.problem.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
            ),
        );
        v.findings = after.findings;
        return v;
    }
    Verdict {
        status: Status::Ok,
        failure: None,
        note: Some(note),
        findings: after.findings,
    }
}

/// Whether the handshake completed: a sentence saying so, and the index of
/// the event that completed it.
fn completed(v: &View, sh: Option<(usize, &Event)>, tls13: bool, sslv2: bool) -> Option<(String, usize)> {
    let (shi, she) = sh?;
    if sslv2 {
        let c =
            v.ev.iter()
                .skip(shi)
                .filter(|e| is_msg(e, Side::Client, |m| *m == TlsMsg::Sslv2Record))
                .count();
        let s =
            v.ev.iter()
                .skip(shi)
                .filter(|e| is_msg(e, Side::Server, |m| *m == TlsMsg::Sslv2Record))
                .count();
        return (c >= 2 && s >= 1).then(|| {
            (
                format!("SSL 2.0 handshake completed (server hello in frame {}).", she.frame),
                shi,
            )
        });
    }
    if tls13 {
        return tls13_completed(v, shi, she);
    }
    let done = |side: Side| -> Option<usize> {
        let (ci, _) =
            v.ev.iter()
                .enumerate()
                .find(|(_, e)| is_msg(e, side, |m| *m == TlsMsg::ChangeCipherSpec))?;
        v.ev.iter()
            .enumerate()
            .skip(ci + 1)
            .find(|(_, e)| is_msg(e, side, |m| *m == TlsMsg::EncryptedHandshake))
            .map(|(i, _)| i)
    };
    if let (Some(c), Some(s)) = (done(Side::Client), done(Side::Server)) {
        return Some((
            format!(
                "Handshake completed: Finished from the client in frame {} and from the server in frame {}.",
                v.ev[c].frame, v.ev[s].frame
            ),
            c.max(s),
        ));
    }
    // Application data both ways can only follow a completed handshake, even
    // when part of it could not be read.
    let data = |side: Side| {
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .find(|(_, e)| is_msg(e, side, |m| matches!(m, TlsMsg::Encrypted { .. })))
            .map(|(i, _)| i)
    };
    let (c, s) = (data(Side::Client)?, data(Side::Server)?);
    Some((
        format!(
            "Handshake completed: application data from the client (frame {}) and from the server (frame {}).",
            v.ev[c].frame, v.ev[s].frame
        ),
        c.min(s),
    ))
}

/// TLS 1.3: the client's encrypted flight answered (or followed by its data),
/// and no alert-sized answer rejecting a client certificate.
fn tls13_completed(v: &View, shi: usize, she: &Event) -> Option<(String, usize)> {
    let client_enc: Vec<usize> =
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .filter(|(_, e)| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::Encrypted { .. })))
            .map(|(i, _)| i)
            .collect();
    let first = *client_enc.first()?;
    let server_after =
        v.ev.iter()
            .skip(first + 1)
            .any(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::Encrypted { .. })));
    // The client's data after its Finished, with no client certificate in its
    // flight, proves completion: the server's small answer is data, not a rejection.
    let flight = tls13_flight(v.ev, shi, suite_of(she));
    let proven = flight.finished.is_some() && flight.certificate_records == 0 && flight.data_after_finished.is_some();
    if !proven && tls13_server_rejection(v, shi).is_some() {
        return None;
    }
    if client_enc.len() >= 2 || server_after {
        let fin = flight.finished.unwrap_or(first);
        return Some((
            format!(
                "TLS 1.3 handshake completed: ServerHello in frame {}, the client's encrypted Finished in frame {}.",
                she.frame, v.ev[fin].frame
            ),
            fin,
        ));
    }
    None
}

/// TLS 1.3: the server answered the client's encrypted flight only with an
/// alert-sized record and then closed: it rejected the flight. Returns that record.
fn tls13_server_rejection<'a>(v: &View<'a>, shi: usize) -> Option<(usize, &'a Event)> {
    let first_client =
        v.ev.iter()
            .enumerate()
            .skip(shi)
            .find(|(_, e)| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::Encrypted { .. })))?
            .0;
    let mut alert: Option<(usize, &Event)> = None;
    for (i, e) in v.ev.iter().enumerate().skip(first_client + 1) {
        if e.from != Side::Server {
            continue;
        }
        match &e.kind {
            EventKind::Tls(TlsMsg::Encrypted { len }) if *len <= ALERT_RECORD_MAX && alert.is_none() => {
                alert = Some((i, e))
            }
            // A larger record before any alert-sized one: the server went on normally.
            EventKind::Tls(TlsMsg::Encrypted { .. }) | EventKind::Tls(TlsMsg::EncryptedAlert { .. }) => {
                alert?;
            }
            EventKind::Fin | EventKind::Rst => return alert,
            _ => {}
        }
    }
    None
}

/// The first event that ends the handshake: an alert, a non-TLS answer, a
/// FIN or RST, or (TLS 1.3) the client's lone encrypted record before a close.
fn decisive_event<'a>(
    v: &View<'a>,
    from: usize,
    sh: Option<(usize, &Event)>,
    tls13: bool,
) -> Option<(usize, &'a Event)> {
    let mut close: Option<(usize, &Event)> = None;
    for (i, e) in v.ev.iter().enumerate().skip(from) {
        match &e.kind {
            EventKind::Tls(TlsMsg::Alert { level, description }) => {
                if *level == 2 || matches!(description, 0 | 90) {
                    return Some((i, e));
                }
                // A warning is decisive only if its sender says nothing more
                // than other warnings (a later fatal alert decides instead).
                let more = v.any_after(i, |x| {
                    x.from == e.from
                        && matches!(x.kind, EventKind::Tls(ref m) if !matches!(m, TlsMsg::Alert { level: 1, .. }))
                });
                if !more {
                    return Some((i, e));
                }
            }
            EventKind::Tls(TlsMsg::EncryptedAlert { .. }) => return Some((i, e)),
            EventKind::Tls(TlsMsg::NotTls { .. }) if e.from == Side::Server && i > from => return Some((i, e)),
            EventKind::Fin | EventKind::Rst => {
                close = Some((i, e));
                break;
            }
            _ => {}
        }
    }
    if tls13
        && let Some((shi, _)) = sh
        && let Some(r) = tls13_server_rejection(v, shi)
    {
        return Some(r);
    }
    let (ci, ce) = close?;
    if tls13
        && let Some((shi, _)) = sh
        && shi < ci
    {
        // The client's only encrypted record before the server gives up can only be an alert.
        let client_enc: Vec<(usize, &Event)> =
            v.ev.iter()
                .enumerate()
                .skip(shi)
                .take(ci - shi)
                .filter(|(_, e)| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::Encrypted { .. })))
                .collect();
        if client_enc.len() == 1 {
            let (ei, ee) = client_enc[0];
            let server_after =
                v.ev.get(ei + 1..ci)
                    .unwrap_or(&[])
                    .iter()
                    .any(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::Encrypted { .. })));
            if !server_after {
                return Some((ei, ee));
            }
        }
    }
    Some((ci, ce))
}

fn gap_before(v: &View, di: usize) -> Option<String> {
    let gaps: Vec<&Event> = v.ev[..di.min(v.ev.len())]
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Gap(_)))
        .collect();
    if gaps.is_empty() {
        return None;
    }
    let total: u64 = gaps
        .iter()
        .map(|e| match e.kind {
            EventKind::Gap(n) => n,
            _ => 0,
        })
        .sum();
    Some(format!(
        "Note: the capture missed {} byte{} of this connection before that point (frame {}); they were sent but not captured, so part of the handshake is not visible.",
        total,
        if total == 1 { "" } else { "s" },
        frames_of(gaps.into_iter().take(3))
    ))
}

/// The alert's meaning, with "the sender" and "the peer" named.
fn meaning_for(d: u8, sender: Side) -> String {
    alert_meaning(d)
        .replace("the sender", &format!("the {}", sender.name()))
        .replace("the peer", &format!("the {}", sender.other().name()))
}

fn alert_text(level: u8, d: u8) -> String {
    format!(
        "{} {} ({})",
        if level == 2 { "fatal" } else { "warning" },
        alert_name(d),
        d
    )
}

#[allow(clippy::too_many_arguments)]
fn explain(
    v: &View,
    t: &Trace,
    di: usize,
    d: &Event,
    ch: Option<(usize, &Event)>,
    sh: Option<(usize, &Event)>,
    tls13: bool,
    chain: &ChainContext,
) -> Verdict {
    let before = &v.ev[..di.min(v.ev.len())];
    let server_cert = before
        .iter()
        .rev()
        .find(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::Certificate(_))));
    let cert_req = before
        .iter()
        .find(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::CertificateRequest(_))));
    let client_cert = before.iter().find_map(|e| match tls(e) {
        Some(TlsMsg::Certificate(c)) if e.from == Side::Client => Some((e.frame, c.len())),
        _ => None,
    });
    let ske = before
        .iter()
        .find(|e| is_msg(e, Side::Server, |m| matches!(m, TlsMsg::ServerKeyExchange(_))));
    let server_answered = before.iter().any(|e| {
        e.from == Side::Server
            && ch.is_some_and(|(ci, _)| v.ev.iter().position(|x| std::ptr::eq(x, e)).unwrap_or(0) > ci)
            && matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. }))
    });
    let ccs_before = before.iter().any(|e| tls(e) == Some(&TlsMsg::ChangeCipherSpec));
    let ch_frame = ch.map(|(_, e)| e.frame);
    let ch_ref = ch_frame.map(|f| format!(" (frame {f})")).unwrap_or_default();
    let chain_sentence = || -> String {
        match (&chain.problem, chain.checked, chain.trusted) {
            (Some(p), _, _) => format!(" {p}"),
            (None, true, true) => " The chain verifies against the trust store given, so the client's trust store differs from it (or the client checks something else: host name, revocation, key size).".to_string(),
            _ => String::new(),
        }
    };

    match &d.kind {
        EventKind::Tls(TlsMsg::NotTls { preview, len }) => {
            let text = crate::escape::preview(preview);
            failure(
                Status::Failed,
                NamedCause::ServerNotTls,
                Blame::Server,
                Some(d.frame),
                None,
                format!(
                    "The server answered the ClientHello{ch_ref} with {len} bytes that are not TLS (frame {}): \"{text}\". The port serves another protocol (plain HTTP?) or TLS is terminated elsewhere (\"Not a valid protocol version\"): point the client at the TLS port or enable TLS on the server.",
                    d.frame
                ),
            )
        }
        EventKind::Tls(TlsMsg::Alert { level, description }) => {
            let a = AlertSeen {
                level: *level,
                description: *description,
                from: d.from,
                frame: d.frame,
            };
            let who = d.from.name();
            let other = d.from.other().name();
            let at = alert_text(*level, *description);
            let base = format!(
                "The {who} sent alert {at} in frame {}: {}.",
                d.frame,
                meaning_for(*description, d.from)
            );
            let key_mismatch_explains =
                d.from == Side::Client && ske.is_some() && chain.key_mismatch.is_some() && !is_cert_alert(*description);
            let (cause, text): (Cause, String) = match *description {
                _ if key_mismatch_explains => (
                    Cause::Named(NamedCause::ServerKeyMismatch),
                    format!(
                        "{base} {}. A gateway reports this as \"Cannot verify ECDH ServerKeyExchange signature\": install the private key that belongs to the server's certificate.",
                        chain.key_mismatch.clone().unwrap_or_default()
                    ),
                ),
                70 => (
                    Cause::Named(NamedCause::NoSharedVersion),
                    format!(
                        "{base} The {who} does not accept the TLS version{}{}: enable a common version (TLS 1.2 or 1.3) on both ends.",
                        ch.map(|(_, e)| offered_versions(e)).unwrap_or_default(),
                        ch_ref
                    ),
                ),
                40 | 71 if d.from == Side::Server && sh.is_none() => (
                    Cause::Named(NamedCause::NoSharedCipher),
                    format!(
                        "{base} The server accepted none of the {} cipher suites the client offered{ch_ref}: enable a common cipher suite (and signature algorithm / group) on one side.",
                        ch.map(|(_, e)| offered_count(e)).unwrap_or(0)
                    ),
                ),
                // Go and Java servers answer a missing client certificate with bad_certificate (42).
                40 | 42 | 71 | 116
                    if d.from == Side::Server && cert_req.is_some() && client_cert.is_none_or(|(_, n)| n == 0) =>
                {
                    (
                        Cause::Named(NamedCause::ClientCertificateRequired),
                        format!(
                            "{base} The server asked for a client certificate (CertificateRequest, frame {}) and the client sent {}: configure the client (gateway) with a client certificate and key the server accepts.",
                            cert_req.map(|e| e.frame).unwrap_or(0),
                            match client_cert {
                                Some((f, _)) => format!("an empty Certificate (frame {f})"),
                                None => "none".into(),
                            }
                        ),
                    )
                }
                116 => (
                    Cause::Named(NamedCause::ClientCertificateRequired),
                    format!("{base} Configure the client with a certificate the server accepts."),
                ),
                112 => (
                    Cause::Named(NamedCause::SniRejected),
                    format!(
                        "{base} The server does not serve the name the client asked for{}: fix the host name the client uses, or add it to the server's configuration.",
                        ch.and_then(|(_, e)| sni_of(e))
                            .map(|s| format!(" (SNI \"{s}\")"))
                            .unwrap_or_default()
                    ),
                ),
                d2 if (is_cert_alert(d2) || d2 == 40)
                    && d.from == Side::Server
                    && client_cert.is_some_and(|(_, n)| n > 0) =>
                {
                    (
                        Cause::Named(NamedCause::ClientCertificateRejected),
                        format!(
                            "{base} The server rejected the client certificate the client sent in frame {}: the server's trust store must hold the CA of the client's certificate, and the certificate must be valid.",
                            client_cert.map(|(f, _)| f).unwrap_or(0)
                        ),
                    )
                }
                d2 if is_cert_alert(d2) && d.from == Side::Client => (
                    Cause::Named(NamedCause::CertificateRejectedByClient),
                    format!(
                        "The client rejected the server's certificate chain{} with alert {at} in frame {}: {}.{}",
                        server_cert
                            .map(|e| format!(" (sent in frame {})", e.frame))
                            .unwrap_or_default(),
                        d.frame,
                        meaning_for(d2, Side::Client),
                        chain_sentence()
                    ),
                ),
                0 | 90 => (
                    Cause::aborted(d.from),
                    format!("{base} The {who} ended the handshake before it completed; the {other} had not failed it."),
                ),
                _ => (Cause::Alert(*description), base),
            };
            failure(Status::Failed, cause, d.from.into(), Some(d.frame), Some(a), text)
        }
        EventKind::Tls(TlsMsg::Encrypted { .. }) if tls13 && d.from == Side::Server => {
            // The client's flight after the ServerHello, by record sizes: OpenSSL-like
            // stacks send each handshake message in its own record.
            let shi = sh.map(|(i, _)| i).unwrap_or(0);
            let flight: Vec<usize> =
                v.ev.get(shi..di)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::Tls(TlsMsg::Encrypted { len }) if e.from == Side::Client => Some(*len),
                        _ => None,
                    })
                    .collect();
            // With the client's Finished found by its size, the records before it are
            // its Certificate (and CertificateVerify), whatever follows; else by count.
            let f = tls13_flight(v.ev, shi, sh.map(|(_, e)| suite_of(e)).unwrap_or(0));
            let (empty_cert, with_cert) = if f.finished.is_some() {
                (
                    f.empty_certificate && f.certificate_records == 1,
                    f.certificate_records >= 2 && flight.first().is_some_and(|&l| l > 200),
                )
            } else {
                (
                    flight.len() == 2 && flight[0] <= 40,
                    flight.len() == 3 && flight[0] > 200,
                )
            };
            let (cause, why) = if empty_cert {
                (
                    NamedCause::ClientCertificateRequired,
                    format!(
                        "The client's encrypted flight was two records, the first of {} bytes: an empty Certificate (no client certificate) and its Finished (inferred from record sizes). The server requires a client certificate: configure the client with one the server accepts.",
                        flight[0]
                    ),
                )
            } else if with_cert {
                (
                    NamedCause::ClientCertificateRejected,
                    format!(
                        "The client's encrypted flight was a Certificate of {} bytes, a CertificateVerify and a Finished (inferred from record sizes): the server rejected the client certificate. Its CA must be in the server's trust store.",
                        flight[0]
                    ),
                )
            } else {
                (
                    NamedCause::HandshakeFailedEncrypted,
                    "A server that gives up here most often rejected or missed the client's certificate; only the session keys (an SSLKEYLOGFILE) would show it, and this version does not decrypt yet.".to_string(),
                )
            };
            failure(
                Status::Failed,
                cause,
                Blame::Server,
                Some(d.frame),
                None,
                format!(
                    "The server answered the client's encrypted flight with an encrypted record of alert size in frame {} and closed the connection: it rejected the handshake (TLS 1.3 encrypts the alert). {why}",
                    d.frame
                ),
            )
        }
        EventKind::Tls(TlsMsg::EncryptedAlert { .. }) | EventKind::Tls(TlsMsg::Encrypted { .. }) => {
            let who = d.from.name();
            let phase = if tls13 {
                "TLS 1.3 encrypts everything after the ServerHello".to_string()
            } else {
                "the alert was sent after ChangeCipherSpec and is encrypted".to_string()
            };
            let hint = if d.from == Side::Client && tls13 {
                " A client that gives up here most often rejected the server's certificate chain (an encrypted certificate alert); only the session keys (an SSLKEYLOGFILE) would show it, and this version does not decrypt yet."
            } else if d.from == Side::Server && tls13 {
                " A server that gives up here most often rejected or missed the client's certificate, or the client's Finished; only the session keys (an SSLKEYLOGFILE) would show it, and this version does not decrypt yet."
            } else {
                ""
            };
            failure(
                Status::Failed,
                NamedCause::HandshakeFailedEncrypted,
                d.from.into(),
                Some(d.frame),
                None,
                format!(
                    "The {who} ended the handshake with an encrypted alert in frame {} ({phase}), so its reason is not visible without keys.{hint}",
                    d.frame
                ),
            )
        }
        EventKind::Fin | EventKind::Rst => {
            let how = if d.kind == EventKind::Fin { "FIN" } else { "RST" };
            let who = d.from;
            if who == Side::Server && !server_answered {
                let cause = if d.kind == EventKind::Rst {
                    NamedCause::ServerReset
                } else {
                    NamedCause::ServerClosed
                };
                return failure(
                    Status::Failed,
                    cause,
                    Blame::Server,
                    Some(d.frame),
                    None,
                    format!(
                        "The server {} the connection (frame {}) right after the ClientHello{ch_ref} without any TLS answer. The server (or a load balancer or firewall before it) refuses this client's TLS: check the server's TLS configuration and logs, the protocols and cipher suites it allows, and SNI routing{}.",
                        if d.kind == EventKind::Rst { "reset" } else { "closed" },
                        d.frame,
                        ch.and_then(|(_, e)| sni_of(e))
                            .map(|s| format!(" (SNI \"{s}\")"))
                            .unwrap_or_else(|| " (the ClientHello carries no SNI)".into())
                    ),
                );
            }
            if tls13 && sh.is_some_and(|(i, _)| i < di) {
                return failure(
                    Status::Failed,
                    NamedCause::HandshakeFailedEncrypted,
                    who.into(),
                    Some(d.frame),
                    None,
                    format!(
                        "The {} closed the connection ({how}, frame {}) after the TLS 1.3 ServerHello (frame {}); everything after the ServerHello is encrypted, so the reason is not visible without keys (only the session keys, an SSLKEYLOGFILE, would show it).",
                        who.name(),
                        d.frame,
                        sh.map(|(_, e)| e.frame).unwrap_or(0)
                    ),
                );
            }
            if ccs_before {
                return failure(
                    Status::Failed,
                    NamedCause::HandshakeFailedEncrypted,
                    who.into(),
                    Some(d.frame),
                    None,
                    format!(
                        "The {} closed the connection ({how}, frame {}) after encryption began (ChangeCipherSpec), before the handshake completed: the reason is not visible without keys.",
                        who.name(),
                        d.frame
                    ),
                );
            }
            if who == Side::Client
                && ske.is_some()
                && let Some(m) = &chain.key_mismatch
            {
                return failure(
                    Status::Failed,
                    NamedCause::ServerKeyMismatch,
                    Blame::Client,
                    Some(d.frame),
                    None,
                    format!(
                        "The client closed the connection ({how}, frame {}) after the ServerKeyExchange (frame {}). {m}. A gateway reports this as \"Cannot verify ECDH ServerKeyExchange signature\": install the private key that belongs to the server's certificate.",
                        d.frame,
                        ske.map(|e| e.frame).unwrap_or(0)
                    ),
                );
            }
            if who == Side::Client
                && let Some(sc) = server_cert
            {
                let client_after = before
                    .iter()
                    .skip_while(|e| !std::ptr::eq(*e, sc))
                    .any(|e| e.from == Side::Client && matches!(e.kind, EventKind::Tls(_)));
                if !client_after {
                    return failure(
                        Status::Failed,
                        NamedCause::CertificateRejectedByClient,
                        Blame::Client,
                        Some(d.frame),
                        None,
                        format!(
                            "The client closed the connection ({how}, frame {}) right after the server's Certificate (frame {}) without an alert: it did not accept the chain (what a Java client reports as \"PKIX path building failed\").{}",
                            d.frame,
                            sc.frame,
                            chain_sentence()
                        ),
                    );
                }
            }
            if who == Side::Server
                && let Some(cr) = cert_req
                && client_cert.is_none_or(|(_, n)| n == 0)
                && before
                    .iter()
                    .any(|e| e.from == Side::Client && e.frame > cr.frame && matches!(e.kind, EventKind::Tls(_)))
            {
                return failure(
                    Status::Failed,
                    NamedCause::ClientCertificateRequired,
                    Blame::Server,
                    Some(d.frame),
                    None,
                    format!(
                        "The server asked for a client certificate (frame {}), the client sent none, and the server closed the connection ({how}, frame {}): configure the client with a certificate the server accepts.",
                        cr.frame, d.frame
                    ),
                );
            }
            let stage = last_stage(before);
            let cause = Cause::aborted(who);
            let extra = if who == Side::Client && sh.is_none() {
                " before the server answered the ClientHello: the client gave up waiting (timeout) or was stopped"
            } else {
                ""
            };
            failure(
                Status::Failed,
                cause,
                who.into(),
                Some(d.frame),
                None,
                format!(
                    "The {} closed the connection ({how}, frame {}) in the middle of the handshake{}{extra}, without a TLS alert; its logs should say why.",
                    who.name(),
                    d.frame,
                    stage.map(|s| format!(" (last message: {s})")).unwrap_or_default()
                ),
            )
        }
        _ => incomplete(t, ch.is_some(), v),
    }
}

fn last_stage(before: &[Event]) -> Option<String> {
    before.iter().rev().find_map(|e| match tls(e) {
        Some(m) if !matches!(m, TlsMsg::NotTls { .. } | TlsMsg::Malformed(_)) => {
            Some(format!("{} from the {}, frame {}", m.name(), e.from.name(), e.frame))
        }
        _ => None,
    })
}

fn incomplete(t: &Trace, saw_ch: bool, v: &View) -> Verdict {
    let note = if !saw_ch {
        let enc = t.encrypted_counts[0] > 0 && t.encrypted_counts[1] > 0;
        if enc {
            "The capture starts after the handshake: encrypted data flows both ways, so it had succeeded before the capture began.".to_string()
        } else {
            "The capture starts in the middle of the handshake (no ClientHello): nothing shows how it began."
                .to_string()
        }
    } else {
        let last = v.ev.iter().rev().find(|e| matches!(e.kind, EventKind::Tls(_)));
        format!(
            "The capture ends (frame {}) before the handshake completed{}; nothing shows who gave up. Capture longer, or check the capture filter and that it ran on the right host.",
            t.last_frame,
            last.map(|e| format!(
                ", last message {} from the {} in frame {}",
                tls(e).map(TlsMsg::name).unwrap_or_default(),
                e.from.name(),
                e.frame
            ))
            .unwrap_or_default()
        )
    };
    Verdict {
        status: Status::Incomplete,
        failure: None,
        note: Some(note),
        findings: Vec::new(),
    }
}

fn sni_of(e: &Event) -> Option<String> {
    match tls(e) {
        Some(TlsMsg::ClientHello(c)) => c.sni.as_ref().map(|s| crate::escape::text(s)),
        _ => None,
    }
}

fn offered_count(e: &Event) -> usize {
    match tls(e) {
        Some(TlsMsg::ClientHello(c)) => c.cipher_suites.iter().filter(|s| !crate::names::is_grease(**s)).count(),
        _ => 0,
    }
}

fn offered_versions(e: &Event) -> String {
    match tls(e) {
        Some(TlsMsg::ClientHello(c)) => {
            let vs: Vec<String> = if c.supported_versions.is_empty() {
                vec![version_name(c.legacy_version)]
            } else {
                c.supported_versions
                    .iter()
                    .filter(|v| !crate::names::is_grease(**v))
                    .map(|v| version_name(*v))
                    .collect()
            };
            format!(" the client offered ({})", vs.join(", "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    //! One test per cause of the contract, then the tricky orders.
    use super::*;
    use crate::tls::{ClientHello, ServerHello};

    use Side::{Client as C, Server as S};

    fn e(frame: u64, from: Side, kind: EventKind) -> Event {
        Event { frame, from, kind }
    }
    fn m(frame: u64, from: Side, msg: TlsMsg) -> Event {
        e(frame, from, EventKind::Tls(msg))
    }
    fn ch(frame: u64) -> Event {
        m(
            frame,
            C,
            TlsMsg::ClientHello(Box::new(ClientHello {
                legacy_version: 0x0303,
                cipher_suites: vec![0xc02f, 0xc030],
                sni: Some(b"backend.company.com".to_vec()),
                ..ClientHello::default()
            })),
        )
    }
    fn sh(frame: u64, version: u16, hrr: bool) -> Event {
        m(
            frame,
            S,
            TlsMsg::ServerHello(Box::new(ServerHello {
                legacy_version: 0x0303,
                selected_version: (version == 0x0304).then_some(0x0304),
                cipher_suite: 0xc02f,
                hello_retry: hrr,
                ..ServerHello::default()
            })),
        )
    }
    fn alert(frame: u64, from: Side, level: u8, description: u8) -> Event {
        m(frame, from, TlsMsg::Alert { level, description })
    }
    fn enc(frame: u64, from: Side, len: usize) -> Event {
        m(frame, from, TlsMsg::Encrypted { len })
    }
    fn tcp(frames: &[(u64, Side, EventKind)]) -> Vec<Event> {
        frames.iter().map(|(f, s, k)| e(*f, *s, k.clone())).collect()
    }
    fn run_with(events: Vec<Event>, ctx: &ChainContext) -> Verdict {
        diagnose(&trace_of(events), ctx)
    }
    fn trace_of(events: Vec<Event>) -> Trace {
        let syn_count = events.iter().filter(|x| x.kind == EventKind::Syn).count() as u32;
        let last_frame = events.iter().map(|x| x.frame).max().unwrap_or(0);
        let has_data = events.iter().any(|x| matches!(x.kind, EventKind::Tls(_)));
        Trace {
            events,
            syn_count,
            last_frame,
            client_bytes: if has_data { 100 } else { 0 },
            server_bytes: if has_data { 100 } else { 0 },
            server_port: 443,
            client_is_a: true,
            encrypted_counts: [0, 0],
            events_not_listed: 0,
            timing: Default::default(),
        }
    }
    fn run(events: Vec<Event>) -> Verdict {
        run_with(events, &ChainContext::default())
    }
    fn handshake_start() -> Vec<Event> {
        tcp(&[(1, C, EventKind::Syn), (2, S, EventKind::SynAck)])
    }
    fn tls12_server_flight(at: u64) -> Vec<Event> {
        vec![
            sh(at, 0x0303, false),
            m(at, S, TlsMsg::Certificate(vec![vec![1, 2, 3]])),
            m(at, S, TlsMsg::ServerKeyExchange(vec![])),
            m(at, S, TlsMsg::ServerHelloDone),
        ]
    }
    /// A complete TLS 1.2 handshake: Finished both ways by frame 9.
    fn tls12_ok_handshake() -> Vec<Event> {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
        ev.push(m(8, C, TlsMsg::EncryptedHandshake));
        ev.push(m(9, S, TlsMsg::ChangeCipherSpec));
        ev.push(m(9, S, TlsMsg::EncryptedHandshake));
        ev
    }

    fn cause(v: &Verdict) -> (&'static str, &str, Option<u64>) {
        let f = v.failure.as_ref().expect("a failure");
        (Box::leak(f.cause.word().into_boxed_str()), f.side.name(), f.frame)
    }

    #[test]
    fn tcp_no_response() {
        let mut ev = tcp(&[(1, C, EventKind::Syn)]);
        let v = run_with(ev.clone(), &ChainContext::default());
        assert_eq!(v.status, Status::NoConnection);
        assert_eq!(cause(&v), ("tcp_no_response", "network", None));
        ev.push(e(2, C, EventKind::Syn));
        assert!(run(ev).failure.unwrap().explanation.contains("frame 1"));
    }

    #[test]
    fn tcp_refused() {
        let v = run(tcp(&[(1, C, EventKind::Syn), (2, S, EventKind::Rst)]));
        assert_eq!(v.status, Status::NoConnection);
        assert_eq!(cause(&v), ("tcp_refused", "server", Some(2)));
    }

    #[test]
    fn server_reset_and_server_closed() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(e(6, S, EventKind::Rst));
        assert_eq!(cause(&run(ev.clone())), ("server_reset", "server", Some(6)));
        ev.pop();
        ev.push(e(6, S, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("server_closed", "server", Some(6)));
    }

    #[test]
    fn server_not_tls() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(m(
            6,
            S,
            TlsMsg::NotTls {
                preview: b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
                len: 120,
            },
        ));
        ev.push(e(7, S, EventKind::Fin));
        let v = run(ev);
        assert_eq!(cause(&v), ("server_not_tls", "server", Some(6)));
        assert!(
            v.failure
                .unwrap()
                .explanation
                .contains("HTTP/1.1 400 Bad Request\\r\\n")
        );
    }

    #[test]
    fn client_not_tls() {
        let mut ev = handshake_start();
        ev.push(m(
            4,
            C,
            TlsMsg::NotTls {
                preview: b"GET / HTTP/1.1\r\n".to_vec(),
                len: 80,
            },
        ));
        ev.push(alert(6, S, 2, 10));
        assert_eq!(cause(&run(ev)), ("client_not_tls", "client", Some(6)));
    }

    #[test]
    fn no_shared_version_and_cipher_and_sni() {
        for (d, want) in [
            (70, "no_shared_version"),
            (40, "no_shared_cipher"),
            (71, "no_shared_cipher"),
            (112, "sni_rejected"),
        ] {
            let mut ev = handshake_start();
            ev.push(ch(4));
            ev.push(alert(6, S, 2, d));
            ev.push(e(7, C, EventKind::Fin));
            let v = run(ev);
            assert_eq!(cause(&v), (want, "server", Some(6)), "alert {d}");
            assert_eq!(v.failure.unwrap().alert.unwrap().description, d);
        }
    }

    #[test]
    fn certificate_rejected_by_client_with_and_without_alert() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        let mut with_alert = ev.clone();
        with_alert.push(alert(8, C, 2, 46));
        with_alert.push(e(9, S, EventKind::Fin));
        assert_eq!(
            cause(&run(with_alert)),
            ("certificate_rejected_by_client", "client", Some(8))
        );
        // The FIELD-GUIDE pattern: FIN then RST from the client, no alert.
        ev.push(e(8, C, EventKind::Fin));
        ev.push(e(9, C, EventKind::Rst));
        let v = run(ev);
        assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(8)));
        assert!(v.failure.unwrap().explanation.contains("frame 6"));
    }

    #[test]
    fn server_key_mismatch_when_proven_only() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(alert(8, C, 2, 51));
        let proven = ChainContext {
            key_mismatch: Some("The ServerKeyExchange signature does not verify".into()),
            ..ChainContext::default()
        };
        assert_eq!(
            cause(&run_with(ev.clone(), &proven)),
            ("server_key_mismatch", "client", Some(8))
        );
        assert_eq!(cause(&run(ev)), ("alert_decrypt_error", "client", Some(8)));
    }

    #[test]
    fn client_certificate_required_tls12() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.insert(ev.len() - 1, m(6, S, TlsMsg::CertificateRequest(vec![])));
        ev.push(m(8, C, TlsMsg::Certificate(vec![])));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
        ev.push(m(8, C, TlsMsg::EncryptedHandshake));
        ev.push(alert(9, S, 2, 40));
        assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(9)));
    }

    fn tls13_until_client_flight(client_records: &[usize]) -> Vec<Event> {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh(6, 0x0304, false));
        ev.push(m(6, S, TlsMsg::ChangeCipherSpec));
        ev.push(enc(6, S, 23));
        ev.push(enc(8, S, 2400));
        ev.push(enc(10, S, 281));
        ev.push(enc(10, S, 69));
        ev.push(m(12, C, TlsMsg::ChangeCipherSpec));
        for &l in client_records {
            ev.push(enc(12, C, l));
        }
        ev
    }

    fn sh13(frame: u64, suite: u16) -> Event {
        m(
            frame,
            S,
            TlsMsg::ServerHello(Box::new(ServerHello {
                legacy_version: 0x0303,
                selected_version: Some(0x0304),
                cipher_suite: suite,
                ..ServerHello::default()
            })),
        )
    }

    /// TLS 1.3 with TLS_AES_256_GCM_SHA384 (Finished record: 69 bytes) up to the client's flight.
    fn tls13_sha384(client_records: &[(u64, usize)]) -> Vec<Event> {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh13(6, 0x1302));
        ev.push(enc(6, S, 23));
        ev.push(enc(8, S, 2400));
        ev.push(enc(8, S, 281));
        ev.push(enc(8, S, 69));
        for &(f, l) in client_records {
            ev.push(enc(f, C, l));
        }
        ev
    }

    #[test]
    fn tls13_a_short_answer_to_the_clients_request_is_ok() {
        // Finished, then a request; the server answers 3 bytes (20-byte record) and closes, no ticket.
        let mut ev = tls13_sha384(&[(10, 69), (10, 95)]);
        ev.push(enc(11, S, 20));
        ev.push(e(11, S, EventKind::Fin));
        let v = run(ev);
        assert_eq!(v.status, Status::Ok, "{:?}", v.failure);
        // The same sizes after an empty Certificate: the server rejected the missing certificate.
        let mut ev = tls13_sha384(&[(10, 25), (10, 69), (10, 95)]);
        ev.push(enc(11, S, 19));
        ev.push(e(11, S, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(11)));
    }

    #[test]
    fn tls13_client_closing_without_a_request() {
        // Finished then a close_notify-sized record and FIN: closed_without_request (chain encrypted).
        let mut ev = tls13_sha384(&[(10, 69), (12, 19)]);
        ev.push(e(12, C, EventKind::Fin));
        ev.push(enc(13, S, 19));
        let v = run(ev);
        assert_eq!(v.status, Status::Ok);
        assert_eq!(
            v.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            vec!["closed_without_request"]
        );
    }

    #[test]
    fn post_handshake_rejection_tls12() {
        let mut ev = tls12_ok_handshake();
        ev.push(m(10, C, TlsMsg::EncryptedAlert { len: 26 }));
        ev.push(e(11, C, EventKind::Fin));
        ev.push(m(12, S, TlsMsg::EncryptedAlert { len: 26 }));
        let rejecting = ChainContext {
            rejected_after_handshake: true,
            checked: true,
            problem: Some("The chain does not lead to a trusted root: X.".into()),
            ..ChainContext::default()
        };
        let v = run_with(ev.clone(), &rejecting);
        assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(10)));
        let f = v.failure.unwrap();
        assert!(
            f.explanation
                .contains("verifies the server's certificate after the handshake"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("trusted root: X."), "{}", f.explanation);
        // Without a finding such a client rejects: ok, closed_without_request.
        let v = run(ev);
        assert_eq!(v.status, Status::Ok);
        assert_eq!(v.findings[0].code.as_str(), "closed_without_request");
    }

    #[test]
    fn no_post_handshake_rejection_when_the_server_closes_first_or_the_client_sends_data() {
        let rejecting = ChainContext {
            rejected_after_handshake: true,
            ..ChainContext::default()
        };
        let mut ev = tls12_ok_handshake();
        ev.push(m(10, S, TlsMsg::EncryptedAlert { len: 26 }));
        ev.push(e(11, S, EventKind::Fin));
        ev.push(e(12, C, EventKind::Fin));
        let v = run_with(ev, &rejecting);
        assert_eq!(v.status, Status::Ok);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        let mut ev = tls12_ok_handshake();
        ev.push(enc(10, C, 120));
        ev.push(e(11, C, EventKind::Fin));
        let mut t = trace_of(ev);
        t.encrypted_counts = [1, 0];
        let v = diagnose(&t, &rejecting);
        assert_eq!(v.status, Status::Ok);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
    }

    #[test]
    fn bad_certificate_after_an_empty_certificate_is_client_certificate_required() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.insert(ev.len() - 1, m(6, S, TlsMsg::CertificateRequest(vec![])));
        ev.push(m(8, C, TlsMsg::Certificate(vec![])));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(alert(9, S, 2, 42));
        assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(9)));
    }

    #[test]
    fn a_plaintext_alert_after_a_tls13_server_hello_is_that_alert() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh13(6, 0x1301));
        ev.push(alert(8, C, 2, 47));
        ev.push(e(8, C, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("alert_illegal_parameter", "client", Some(8)));
    }

    #[test]
    fn client_certificate_required_and_rejected_tls13() {
        let mut ev = tls13_until_client_flight(&[25, 69]);
        ev.push(enc(13, S, 19));
        ev.push(e(14, S, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("client_certificate_required", "server", Some(13)));
        let mut ev = tls13_until_client_flight(&[900, 280, 69]);
        ev.push(enc(13, S, 19));
        ev.push(e(14, S, EventKind::Rst));
        assert_eq!(cause(&run(ev)), ("client_certificate_rejected", "server", Some(13)));
    }

    #[test]
    fn client_certificate_rejected_tls12() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(m(8, C, TlsMsg::Certificate(vec![vec![9; 10]])));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(alert(9, S, 2, 48));
        assert_eq!(cause(&run(ev)), ("client_certificate_rejected", "server", Some(9)));
    }

    #[test]
    fn handshake_failed_encrypted() {
        // TLS 1.3: the client's only encrypted record, then the server closes: a client alert.
        let mut ev = tls13_until_client_flight(&[19]);
        ev.push(e(13, S, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("handshake_failed_encrypted", "client", Some(12)));
        // TLS 1.2: an alert after ChangeCipherSpec.
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(m(8, C, TlsMsg::ChangeCipherSpec));
        ev.push(m(8, C, TlsMsg::EncryptedHandshake));
        ev.push(m(9, S, TlsMsg::ChangeCipherSpec));
        ev.push(m(9, S, TlsMsg::EncryptedAlert { len: 26 }));
        assert_eq!(cause(&run(ev)), ("handshake_failed_encrypted", "server", Some(9)));
    }

    #[test]
    fn other_alerts_are_named() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh(6, 0x0303, false));
        ev.push(alert(7, C, 2, 47));
        assert_eq!(cause(&run(ev)), ("alert_illegal_parameter", "client", Some(7)));
    }

    #[test]
    fn client_and_server_aborted() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        let mut c = ev.clone();
        c.push(e(6, C, EventKind::Fin));
        let v = run(c);
        assert_eq!(cause(&v), ("client_aborted", "client", Some(6)));
        assert!(v.failure.unwrap().explanation.contains("before the server answered"));
        ev.extend(tls12_server_flight(6));
        ev.push(m(8, C, TlsMsg::ClientKeyExchange));
        ev.push(e(9, S, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("server_aborted", "server", Some(9)));
    }

    #[test]
    fn tls12_and_tls13_ok() {
        let ev = tls12_ok_handshake();
        assert_eq!(run(ev).status, Status::Ok);
        let mut ev = tls13_until_client_flight(&[53, 300]);
        ev.push(enc(13, S, 250));
        assert_eq!(run(ev).status, Status::Ok);
    }

    // The tricky orders.

    #[test]
    fn alert_and_fin_in_the_same_segment() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(alert(8, C, 2, 48));
        ev.push(e(8, C, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("certificate_rejected_by_client", "client", Some(8)));
    }

    #[test]
    fn rst_from_the_client_after_its_own_alert_and_a_server_fin_first() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        ev.push(alert(8, C, 2, 46));
        ev.push(e(9, S, EventKind::Fin));
        ev.push(e(10, C, EventKind::Rst));
        let v = run(ev);
        // The server's FIN came first, but it only answered the client's alert.
        assert_eq!(cause(&v), ("certificate_rejected_by_client", "client", Some(8)));
    }

    #[test]
    fn retransmitted_alert_counts_once() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(alert(6, S, 2, 40));
        ev.push(alert(8, S, 2, 40));
        assert_eq!(cause(&run(ev)), ("no_shared_cipher", "server", Some(6)));
    }

    #[test]
    fn capture_starting_after_the_client_hello() {
        let mut ev = tls12_server_flight(3);
        ev.push(alert(5, C, 2, 48));
        ev.push(e(6, C, EventKind::Fin));
        assert_eq!(cause(&run(ev)), ("certificate_rejected_by_client", "client", Some(5)));
    }

    #[test]
    fn capture_ending_right_after_the_certificate_is_incomplete() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.extend(tls12_server_flight(6));
        let v = run(ev);
        assert_eq!(v.status, Status::Incomplete);
        assert!(v.failure.is_none());
        assert!(v.note.unwrap().contains("nothing shows who gave up"));
    }

    #[test]
    fn renegotiation_after_an_ok_handshake_stays_ok() {
        let mut ev = tls12_ok_handshake();
        ev.push(enc(10, C, 300));
        // A renegotiation is encrypted: handshake records after ChangeCipherSpec.
        ev.push(m(11, S, TlsMsg::EncryptedHandshake));
        ev.push(m(12, C, TlsMsg::EncryptedHandshake));
        ev.push(enc(13, S, 800));
        ev.push(e(20, C, EventKind::Fin));
        assert_eq!(run(ev).status, Status::Ok);
    }

    #[test]
    fn hello_retry_request_then_ok() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh(6, 0x0304, true));
        ev.push(ch(8));
        ev.push(sh(10, 0x0304, false));
        ev.push(enc(10, S, 2000));
        ev.push(enc(12, C, 53));
        ev.push(enc(12, C, 100));
        ev.push(enc(13, S, 250));
        let v = run(ev);
        assert_eq!(v.status, Status::Ok);
        assert!(v.note.unwrap().contains("frame 10"));
    }

    #[test]
    fn close_notify_from_the_server_during_the_handshake() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh(6, 0x0303, false));
        ev.push(m(6, S, TlsMsg::Certificate(vec![vec![1]])));
        ev.push(alert(7, S, 1, 0));
        ev.push(e(7, S, EventKind::Fin));
        let v = run(ev);
        assert_eq!(cause(&v), ("server_aborted", "server", Some(7)));
        assert_eq!(v.failure.unwrap().alert.unwrap().description, 0);
    }

    #[test]
    fn a_close_before_a_tls13_server_hello_does_not_panic() {
        // Found by the pipeline fuzzer: a FIN ordered before the ServerHello.
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(e(5, C, EventKind::Fin));
        ev.push(sh(6, 0x0304, false));
        ev.push(enc(7, C, 19));
        assert_eq!(cause(&run(ev)), ("client_aborted", "client", Some(5)));
    }

    #[test]
    fn a_gap_is_named_not_blamed() {
        let mut ev = handshake_start();
        ev.push(ch(4));
        ev.push(sh(6, 0x0303, false));
        ev.push(e(7, S, EventKind::Gap(1448)));
        ev.push(e(9, C, EventKind::Fin));
        let v = run(ev);
        let f = v.failure.unwrap();
        assert!(
            f.explanation.contains("the capture missed 1448 bytes"),
            "{}",
            f.explanation
        );
    }
}
