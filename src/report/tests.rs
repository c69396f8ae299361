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
    connection(ConnectionFacts {
        trace: t,
        client: format!("10.0.0.1:{client_port}").parse().unwrap(),
        server: "10.0.0.2:443".parse().unwrap(),
        first_frame: 1,
        start: at(100),
        nanos: false,
        client_hello: None,
        server_hello: None,
        server_chain: None,
        client_chain: None,
        key_check: None,
        verdict: Verdict {
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
        },
    })
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
    assert_eq!((alert.message.as_str(), alert.from), ("Alert", "server"));
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
