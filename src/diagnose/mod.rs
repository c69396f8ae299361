//! The verdict: a pure function from a connection's events to its status and,
//! for a failure, the cause, the side that gave up, the decisive frame and an
//! explanation a support engineer can paste into a case.
//!
//! Every status is derived here and nowhere else, so that the report can never
//! say two contradictory things about one connection.

//!
//! One pass over the events gathers the evidence (`evidence`); the
//! explanation is written per failure class: TCP (`diagnose` itself), answers
//! that are not TLS (`not_tls`), a completed handshake and what followed it
//! (`complete`, `established`), the decisive event (`decisive`), alerts
//! (`alerts`), encrypted failures (`encrypted`), closes (`closes`), and a
//! capture that does not show the end (`incomplete`).

use crate::chain::Finding;
use crate::connection::{Event, EventKind, Trace};
use crate::names::{alert_meaning, alert_name, is_tls13, version_name};
use crate::tls::TlsMsg;
pub use crate::vocabulary::{Blame, Cause, NamedCause, Partial, Side, Status};

mod alerts;
mod closes;
mod complete;
mod decisive;
mod encrypted;
pub mod established;
mod evidence;
mod incomplete;
mod not_tls;
mod partial;

use complete::{completed, established};
use decisive::{decisive_event, gap_before};
use evidence::Before;
use incomplete::incomplete;
use not_tls::not_tls;

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
    /// The capture shows only part of the connection (then `incomplete`).
    pub partial: Option<Partial>,
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

pub(crate) struct View<'a> {
    pub(crate) ev: &'a [Event],
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
    let any_tls = t
        .events
        .iter()
        .any(|e| matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));

    // 1. The TCP handshake.
    if let Some(verdict) = tcp_handshake(t, &v) {
        return verdict;
    }

    // 2. A capture that shows only part of the connection: never a failure.
    if let Some(verdict) = partial::partial(t, &v) {
        return verdict;
    }

    let ch = v.first(|e| is_msg(e, Side::Client, |m| matches!(m, TlsMsg::ClientHello(_))));
    // 3. Not TLS at all, or plaintext from the client that a TLS server answered.
    let client_spoke_tls = t
        .events
        .iter()
        .any(|e| e.from == Side::Client && matches!(tls(e), Some(m) if !matches!(m, TlsMsg::NotTls { .. })));
    let client_plaintext = t
        .events
        .iter()
        .any(|e| e.from == Side::Client && matches!(tls(e), Some(TlsMsg::NotTls { .. })));
    if !any_tls && let Some(verdict) = incomplete::all_missed(t, &v) {
        return verdict;
    }
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

    // 4. Did the handshake complete? Then what followed it.
    if let Some((note, done)) = completed(&v, sh, tls13, sslv2) {
        return established(t, chain, note, done, sh, tls13);
    }

    // 5. The decisive evidence of a failure, from the ClientHello on.
    let from = ch.map(|(i, _)| i).unwrap_or(0);
    let decisive = decisive_event(&v, from, sh, tls13);
    let Some((di, d)) = decisive else {
        return incomplete(t, ch.is_some(), &v);
    };
    let gap_note = gap_before(&v, di);
    let before = Before::gather(&v, t, di, d, ch, sh, tls13);
    let mut verdict = explain(&before, chain);
    if let (Some(f), Some(g)) = (verdict.failure.as_mut(), gap_note) {
        f.explanation.push(' ');
        f.explanation.push_str(&g);
    }
    verdict
}

/// The TCP handshake never completed: refused, or no answer to the SYN.
fn tcp_handshake(t: &Trace, v: &View) -> Option<Verdict> {
    let syn = v.first(|e| e.kind == EventKind::Syn);
    let synack = v.first(|e| e.kind == EventKind::SynAck);
    if let Some((_, syn_ev)) = syn
        && synack.is_none()
        && t.server_bytes == 0
        && t.client_bytes == 0
    {
        if let Some((_, rst)) = v.first(|e| e.kind == EventKind::Rst && e.from == Side::Server) {
            return Some(failure(
                Status::NoConnection,
                NamedCause::TcpRefused,
                Blame::Server,
                Some(rst.frame),
                None,
                format!(
                    "The server refused the TCP connection: the SYN (frame {}) was answered by a RST (frame {}). Nothing listens on that port, or a firewall rejects it: check the target port and that the service is running.",
                    syn_ev.frame, rst.frame
                ),
            ));
        }
        let retries = t.syn_count.saturating_sub(1);
        return Some(failure(
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
        ));
    }
    None
}

/// A failed handshake whose decisive evidence is no plaintext alert.
fn failed(cause: impl Into<Cause>, side: impl Into<Blame>, frame: u64, explanation: String) -> Verdict {
    failure(Status::Failed, cause, side.into(), Some(frame), None, explanation)
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
        partial: None,
    }
}

/// The failure that the decisive event shows, by class of event.
fn explain(b: &Before, chain: &ChainContext) -> Verdict {
    match &b.d.kind {
        EventKind::Tls(TlsMsg::NotTls { preview, len }) => not_tls::answer(b, preview, *len),
        EventKind::Tls(TlsMsg::Alert { level, description }) => alerts::explain(b, *level, *description, chain),
        EventKind::Tls(TlsMsg::Encrypted { .. }) if b.tls13 && b.d.from == Side::Server => {
            encrypted::server_rejected_flight(b)
        }
        EventKind::Tls(TlsMsg::EncryptedAlert { .. }) | EventKind::Tls(TlsMsg::Encrypted { .. }) => {
            encrypted::encrypted_alert(b, chain)
        }
        EventKind::Fin | EventKind::Rst => closes::explain(b, chain),
        _ => incomplete(b.t, b.ch.is_some(), b.v),
    }
}

/// What the chain stage adds to a client's rejection of the chain.
fn chain_sentence(chain: &ChainContext) -> String {
    match (&chain.problem, chain.checked, chain.trusted) {
        (Some(p), _, _) => format!(" {p}"),
        (None, true, true) => " The chain verifies against the trust store given, so the client's trust store differs from it (or the client checks something else: host name, revocation, key size).".to_string(),
        _ => String::new(),
    }
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
                vec![version_name(c.legacy_version).into_owned()]
            } else {
                c.supported_versions
                    .iter()
                    .filter(|v| !crate::names::is_grease(**v))
                    .map(|v| version_name(*v).into_owned())
                    .collect()
            };
            format!(" the client offered ({})", vs.join(", "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod field_tests;
#[cfg(test)]
mod order_tests;
#[cfg(test)]
mod tests;
