//! One connection: its trace, its chains, the key-exchange check, what the
//! chain stage tells the diagnosis, the verdict; then the report is built.

use crate::chain::{ChainAnalysis, Defect, FindingCode, Purpose, TrustVerdict};
use crate::connection::{Event, EventKind, Side, Trace, Tracer};
use crate::diagnose::{ChainContext, Status, diagnose};
use crate::flow::Flow;
use crate::keyexchange::SkeCheck;
use crate::names::{cipher_name, is_tls13};
use crate::report::ConnectionReport;
use crate::report::build::{ConnectionFacts, connection};
use crate::tls::{ClientHello, ServerHello, TlsMsg};

use super::Options;

fn tls_of(e: &Event) -> Option<&TlsMsg> {
    match &e.kind {
        EventKind::Tls(m) => Some(m),
        _ => None,
    }
}

/// A message and the frame that completed it.
type Framed<'a, T> = Option<(u64, &'a T)>;

/// The first ClientHello and (non-retry) ServerHello, with their frames.
fn hellos(t: &Trace) -> (Framed<'_, ClientHello>, Framed<'_, ServerHello>) {
    let ch = t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ClientHello(c)) if e.from == Side::Client => Some((e.frame, c.as_ref())),
        _ => None,
    });
    let sh = t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ServerHello(s)) if e.from == Side::Server && !s.hello_retry => Some((e.frame, s.as_ref())),
        _ => None,
    });
    (ch, sh)
}

/// The first non-empty chain a side sent, analysed at `at` (the server's with the host name).
fn chain_of(t: &Trace, side: Side, at: i64, host: Option<&str>, opts: &Options) -> Option<ChainAnalysis> {
    let purpose = match side {
        Side::Server => Purpose::Server,
        Side::Client => Purpose::Client,
    };
    t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::Certificate(c)) if e.from == side && !c.is_empty() => {
            Some(
                opts.chains
                    .analyze(c, e.frame, at, host.filter(|_| side == Side::Server), purpose),
            )
        }
        _ => None,
    })
}

/// Judges one connection that is over and builds its report.
pub(super) fn analyze_flow(f: &Flow, tracer: Tracer, nanos: bool, opts: &Options) -> ConnectionReport {
    if tracer.is_left_out() {
        return ConnectionReport::left_out(f.first_frame);
    }
    let t: Trace = tracer.finish(f);
    let (client, server) = if t.client_is_a { (f.a, f.b) } else { (f.b, f.a) };
    let (ch, sh) = hellos(&t);
    if !opts.filters.is_empty() {
        let sni = ch.and_then(|(_, c)| c.sni.as_ref()).map(|s| String::from_utf8_lossy(s));
        if !opts.filters.keeps(client, server, sni.as_deref()) {
            return ConnectionReport::left_out(f.first_frame);
        }
    }
    // The SNI, escaped as every field shows it (an invalid byte as \xff:
    // such a name matches no certificate name either way); --host only
    // for a ClientHello without SNI (a Java client given an IP address).
    let host = (ch.and_then(|(_, c)| c.sni.as_ref()).map(|s| crate::escape::text(s)))
        .or_else(|| opts.host.as_deref().map(|h| crate::escape::text(h.as_bytes())));
    let at = opts.at.unwrap_or(f.start.secs);
    let mut server_chain = chain_of(&t, Side::Server, at, host.as_deref(), opts);
    let client_chain = chain_of(&t, Side::Client, at, None, opts);
    if let (Some(c), Some((_, s))) = (server_chain.as_mut(), sh) {
        key_usage_check(c, s);
    }
    let reason = server_chain.as_ref().and_then(chain_problem).cloned();
    let mut ctx = ChainContext {
        problem: reason.as_ref().map(Defect::explanation),
        rejected_after_handshake: server_chain.as_ref().is_some_and(post_handshake_rejectable),
        trusted: server_chain
            .as_ref()
            .is_some_and(|c| c.trust.verdict == TrustVerdict::Trusted),
        checked: server_chain.is_some(),
        key_mismatch: None,
    };
    let mut verdict = diagnose(&t, &ctx);
    // The ServerKeyExchange signature can only change the verdict of a
    // handshake that did not complete: only then is it verified (ring).
    let key_check = if verdict.status == Status::Ok {
        server_key_exchange(&t).map(|_| SkeCheck::NotChecked("the handshake completed".into()))
    } else {
        check_key_exchange(&t, ch.map(|(_, c)| c), sh.map(|(_, s)| s), server_chain.as_ref())
    };
    if let Some(SkeCheck::Mismatch(m)) = &key_check {
        ctx.key_mismatch = Some(m.clone());
        verdict = diagnose(&t, &ctx);
    }
    connection(ConnectionFacts {
        trace: &t,
        client,
        server,
        first_frame: f.first_frame,
        start: f.start,
        nanos,
        client_hello: ch,
        server_hello: sh,
        server_chain,
        client_chain,
        key_check,
        verdict,
        reason,
        stores: &opts.stores,
    })
}

/// The server's ServerKeyExchange, if it sent one.
fn server_key_exchange(t: &Trace) -> Option<&Vec<u8>> {
    t.events.iter().find_map(|e| match tls_of(e) {
        Some(TlsMsg::ServerKeyExchange(b)) if e.from == Side::Server => Some(b),
        _ => None,
    })
}

/// Checks the ServerKeyExchange signature against the leaf the server sent.
fn check_key_exchange(
    t: &Trace,
    ch: Option<&ClientHello>,
    sh: Option<&ServerHello>,
    chain: Option<&ChainAnalysis>,
) -> Option<SkeCheck> {
    let ske = server_key_exchange(t)?;
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

/// Adds wrong_key_usage when the leaf's keyUsage forbids the negotiated key exchange.
fn key_usage_check(c: &mut ChainAnalysis, sh: &ServerHello) {
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
        c.defects.push(f);
    }
}

/// True when the visible chain has, on its path, a finding such a client rejects.
fn post_handshake_rejectable(c: &ChainAnalysis) -> bool {
    c.defects
        .iter()
        .any(|d| d.code().rejected_after_handshake() && on_path(c, d))
}

fn on_path(c: &ChainAnalysis, d: &Defect) -> bool {
    d.cert_index()
        .is_none_or(|i| c.on_path.get(i).copied().unwrap_or(false))
}

/// Why a client would reject this chain, for the failure's explanation: the
/// first defect on the path in this order (a defect off the path, such as an
/// expired cross-sign, never explains a failure), in the defect's own words.
fn chain_problem(c: &ChainAnalysis) -> Option<&Defect> {
    use FindingCode::*;
    let pick = |codes: &[FindingCode]| {
        codes
            .iter()
            .find_map(|code| c.defects.iter().find(|d| d.code() == *code && on_path(c, d)))
    };
    let reason = pick(&[UnparsableCertificate])
        .or_else(|| pick(&[HostnameMismatch]))
        .or_else(|| pick(&[Expired, NotYetValid]))
        .or_else(|| pick(&[WrongKeyUsage]))
        .or_else(|| pick(&[UntrustedRoot, IncompleteChain]))
        .or_else(|| pick(&[WeakKey, WeakSignatureAlgorithm, BadSignature]))
        .or_else(|| {
            (c.trust.verdict != TrustVerdict::Trusted)
                .then(|| pick(&[VerificationFailed]))
                .flatten()
        })?;
    Some(reason)
}
