//! The report builder (close facts, handshake entries, history, findings)
//! and the text renderer's grouping, on traces written by hand.

use super::build::{ConnectionFacts, connection};
use super::*;
use crate::capture::Timestamp;
use crate::connection::{Event, EventKind, Mark, Side, Timing, Trace};
use crate::diagnose::{Blame, Failure, Verdict};
use crate::tls::TlsMsg;
use crate::vocabulary::{Cause, NamedCause, Status};

fn at(secs: i64) -> Timestamp {
    Timestamp { secs, nanos: 0 }
}

fn trace() -> Trace {
    let ev = |frame, from, kind| Event { frame, from, kind };
    Trace {
        events: vec![
            ev(1, Side::Client, EventKind::Syn),
            ev(2, Side::Server, EventKind::SynAck),
            ev(4, Side::Client, EventKind::Tls(TlsMsg::ChangeCipherSpec)),
            ev(
                5,
                Side::Server,
                EventKind::Tls(TlsMsg::Alert {
                    level: 2,
                    description: 48,
                }),
            ),
            ev(6, Side::Client, EventKind::Rst),
        ],
        client_bytes: 517,
        server_bytes: 4210,
        timing: Timing {
            start: at(100),
            end: at(103),
            data_tail: [
                None,
                Some(Mark {
                    frame: 5,
                    from: Side::Server,
                    ts: at(101),
                }),
            ],
            data_before_close: Some(Mark {
                frame: 5,
                from: Side::Server,
                ts: at(101),
            }),
            data_before_close_prev: None,
            first_fin: None,
            first_rst: Some(Mark {
                frame: 6,
                from: Side::Client,
                ts: at(103),
            }),
        },
        ..Trace::default()
    }
}

fn failed_report(t: &Trace, client_port: u16) -> ConnectionReport {
    let verdict = Verdict {
        status: Status::Failed,
        failure: Some(Failure {
            cause: Cause::Named(NamedCause::ServerAborted),
            side: Blame::Server,
            frame: Some(5),
            alert: None,
            explanation: "x".into(),
        }),
        note: None,
        findings: Vec::new(),
        partial: None,
    };
    connection(ConnectionFacts::bare(t, client_port, 1, at(100), verdict))
}

#[test]
fn the_builder_writes_the_close_the_handshake_and_the_history() {
    let t = trace();
    let c = failed_report(&t, 40000);
    assert_eq!(c.close.ended_by, "client");
    assert_eq!(c.close.how, "rst");
    assert_eq!(c.close.duration_s, 3.0);
    assert_eq!(c.close.idle_before_close_s, Some(2.0));
    assert_eq!((c.close.bytes.client, c.close.bytes.server), (517, 4210));
    assert_eq!(c.history, "ShIaR", "upper case from the client");
    let alert = &c.handshake[3];
    assert_eq!((&*alert.message, alert.from), ("Alert", "server"));
    assert_eq!(alert.detail.as_deref(), Some("fatal unknown_ca (48)"));
    assert_eq!(
        c.wireshark_filter,
        "ip.addr==10.0.0.1 && tcp.port==40000 && ip.addr==10.0.0.2 && tcp.port==443"
    );
}

#[test]
fn the_text_report_groups_the_same_failure() {
    let t = trace();
    let conns: Vec<ConnectionReport> = (0..3)
        .map(|i| {
            let mut c = failed_report(&t, 40000 + i);
            c.id = i as u64 + 1;
            c
        })
        .collect();
    let doc = Document {
        tool: Tool {
            name: "pcap-tls-audit",
            version: "test",
        },
        trust_store: TrustStoreInfo {
            source: "files".into(),
            anchors: 1,
            files: Vec::new(),
        },
        captures: vec![CaptureReport {
            path: "x.pcap".into(),
            summary: Summary {
                connections: 3,
                failed: 3,
                ..Summary::default()
            },
            connections: conns,
            ..CaptureReport::default()
        }],
        groups: Vec::new(),
    };
    let text = render_text(&doc);
    assert!(text.contains("FAILED x3"), "{text}");
    assert!(text.contains("the same failure 3 times"), "{text}");
    assert_eq!(
        text.matches("server_aborted").count(),
        2,
        "the group line and the first connection's block: {text}"
    );
}

#[test]
fn batch_groups_are_the_same_in_any_order_of_captures_and_connections() {
    let t = trace();
    // 3 captures of 4 connections each; the second server differs.
    let conns: Vec<(usize, ConnectionReport)> = (0..12)
        .map(|i| {
            let mut c = failed_report(&t, 40000 + i as u16);
            c.id = (i % 4) as u64 + 1;
            if i % 4 == 3 {
                c.server = "10.0.0.3:443".into();
            }
            (i / 4, c)
        })
        .collect();
    let build = |order: &mut dyn Iterator<Item = usize>| {
        let mut all = BatchGroups::default();
        let mut parts: Vec<BatchGroups> = (0..3).map(|_| BatchGroups::default()).collect();
        for i in order {
            let (cap, c) = &conns[i];
            parts[*cap].name(*cap, &format!("cap{cap}.pcap"));
            parts[*cap].add(*cap, c);
        }
        for p in parts.into_iter().rev() {
            all.merge(p);
        }
        all.finish()
    };
    let forward = build(&mut (0..12));
    let backward = build(&mut (0..12).rev());
    assert_eq!(forward, backward);
    assert_eq!(forward.len(), 2);
    assert_eq!((forward[0].connections, forward[0].captures), (9, 3));
    let ex: Vec<(&str, u64)> = forward[0].examples.iter().map(|e| (e.capture.as_str(), e.id)).collect();
    assert_eq!(ex, [("cap0.pcap", 1), ("cap0.pcap", 2), ("cap0.pcap", 3)]);
    assert_eq!(forward[1].server, "10.0.0.3:443");
    let text = render_groups(&forward, 3, 0);
    assert!(
        text.starts_with("ACROSS 3 CAPTURES: 2 groups of failures and findings\n"),
        "{text}"
    );
    assert!(
        text.contains("  10.0.0.2:443 server_aborted: 9 connections in 3 captures, e.g. cap0.pcap frame 5,"),
        "{text}"
    );
}
