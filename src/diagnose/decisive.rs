//! The event that ended a handshake that did not complete: an alert, a
//! non-TLS answer, a FIN or RST, or (TLS 1.3) the encrypted record of alert
//! size that can only be one.

use super::established::ALERT_RECORD_MAX;
use super::*;
use crate::tls::wire::AlertDescription;

/// TLS 1.3: the server answered the client's encrypted flight only with an
/// alert-sized record and then closed: it rejected the flight. Returns that record.
pub(super) fn tls13_server_rejection<'a>(v: &View<'a>, shi: usize) -> Option<(usize, &'a Event)> {
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
pub(super) fn decisive_event<'a>(
    v: &View<'a>,
    from: usize,
    sh: Option<(usize, &Event)>,
    tls13: bool,
) -> Option<(usize, &'a Event)> {
    let mut close: Option<(usize, &Event)> = None;
    for (i, e) in v.ev.iter().enumerate().skip(from) {
        match &e.kind {
            EventKind::Tls(TlsMsg::Alert { level, description }) => {
                if *level == 2
                    || matches!(
                        AlertDescription::from(*description),
                        AlertDescription::CloseNotify | AlertDescription::UserCanceled
                    )
                {
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

pub(super) fn gap_before(v: &View, di: usize) -> Option<String> {
    let missed = super::evidence::Missed::in_events(&v.ev[..di.min(v.ev.len())]);
    let total = missed.total();
    (total > 0).then(|| {
        format!(
            "Note: the capture missed {} byte{} of this connection before that point (frame {}); they were sent but not captured, so part of the handshake is not visible.",
            total,
            if total == 1 { "" } else { "s" },
            missed.frames()
        )
    })
}
