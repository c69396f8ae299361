//! The evidence before the decisive event, gathered in one pass over the
//! connection's events: what each explanation needs (the server's
//! Certificate, a CertificateRequest, the client's Certificate, the
//! ServerKeyExchange, whether the server answered, whether encryption began).

use super::*;

/// What happened before the decisive event `d` (at index `di`).
pub(super) struct Before<'a> {
    pub v: &'a View<'a>,
    pub t: &'a Trace,
    pub di: usize,
    pub d: &'a Event,
    /// The events before the decisive one.
    pub before: &'a [Event],
    pub ch: Option<(usize, &'a Event)>,
    pub sh: Option<(usize, &'a Event)>,
    pub tls13: bool,
    /// The last server Certificate before `d`.
    pub server_cert: Option<&'a Event>,
    pub cert_req: Option<&'a Event>,
    /// The client's first Certificate: its frame and how many certificates it held.
    pub client_cert: Option<(u64, usize)>,
    pub ske: Option<&'a Event>,
    /// The server sent TLS after the ClientHello.
    pub server_answered: bool,
    /// A ChangeCipherSpec came before `d`.
    pub ccs_before: bool,
    /// " (frame N)" of the ClientHello, or nothing.
    pub ch_ref: String,
}

impl<'a> Before<'a> {
    /// Gathers the evidence in one pass over the events before `di`.
    pub fn gather(
        v: &'a View<'a>,
        t: &'a Trace,
        di: usize,
        d: &'a Event,
        ch: Option<(usize, &'a Event)>,
        sh: Option<(usize, &'a Event)>,
        tls13: bool,
    ) -> Before<'a> {
        let before = &v.ev[..di.min(v.ev.len())];
        let mut b = Before {
            v,
            t,
            di,
            d,
            before,
            ch,
            sh,
            tls13,
            server_cert: None,
            cert_req: None,
            client_cert: None,
            ske: None,
            server_answered: false,
            ccs_before: false,
            ch_ref: ch.map(|(_, e)| format!(" (frame {})", e.frame)).unwrap_or_default(),
        };
        let ci = ch.map(|(i, _)| i);
        for (i, e) in before.iter().enumerate() {
            let Some(m) = tls(e) else { continue };
            match (e.from, m) {
                (Side::Server, TlsMsg::Certificate(_)) => b.server_cert = Some(e),
                (Side::Server, TlsMsg::CertificateRequest(_)) => {
                    b.cert_req = b.cert_req.or(Some(e));
                }
                (Side::Server, TlsMsg::ServerKeyExchange(_)) => b.ske = b.ske.or(Some(e)),
                (Side::Client, TlsMsg::Certificate(c)) => {
                    b.client_cert = b.client_cert.or(Some((e.frame, c.len())));
                }
                _ => {}
            }
            if e.from == Side::Server && ci.is_some_and(|c| i > c) && !matches!(m, TlsMsg::NotTls { .. }) {
                b.server_answered = true;
            }
            if *m == TlsMsg::ChangeCipherSpec {
                b.ccs_before = true;
            }
        }
        b
    }
}

/// Bytes the capture missed (a snap length, drops) in some events, per
/// side, and the first frames that showed it.
pub(super) struct Missed {
    pub client: u64,
    pub server: u64,
    pub frames: Vec<u64>,
}

impl Missed {
    pub fn in_events(events: &[Event]) -> Missed {
        let mut m = Missed {
            client: 0,
            server: 0,
            frames: Vec::new(),
        };
        for e in events {
            if let EventKind::Gap(n) = e.kind {
                match e.from {
                    Side::Client => m.client += n,
                    Side::Server => m.server += n,
                }
                if m.frames.len() < 3 {
                    m.frames.push(e.frame);
                }
            }
        }
        m
    }

    pub fn of(&self, side: Side) -> u64 {
        match side {
            Side::Client => self.client,
            Side::Server => self.server,
        }
    }

    pub fn total(&self) -> u64 {
        self.client + self.server
    }

    /// "4, 6, 8": the first frames that showed it.
    pub fn frames(&self) -> String {
        let v: Vec<String> = self.frames.iter().map(u64::to_string).collect();
        v.join(", ")
    }
}
