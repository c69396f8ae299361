//! `--format ecs`: a connection's report as one Elastic Common Schema
//! document (ECS field names and types, checked by `tests/ecs.rs` against
//! ECS's own field list), with what ECS has no field for under
//! `pcap_tls_audit.*`; and one document per capture with its facts. The
//! mapping is in docs/ecs.md.

use std::net::SocketAddr;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{CaptureReport, ChainReport, ConnectionReport};
use crate::chain::CertInfo;
use crate::vocabulary::Status;

/// The ECS version the documents follow.
pub const ECS_VERSION: &str = "8.11.0";
/// The namespace of the fields ECS has no place for.
pub const NAMESPACE: &str = "pcap_tls_audit";

/// Inserts `v` unless it is null or an empty array.
fn put(m: &mut Map<String, Value>, k: &str, v: Value) {
    let empty = v.is_null() || v.as_array().is_some_and(|a| a.is_empty());
    if !empty {
        m.insert(k.to_string(), v);
    }
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        put(&mut m, k, v.clone());
    }
    Value::Object(m)
}

/// ECS's `tls.version`, `tls.version_protocol` from "TLS 1.2" / "SSL 3.0".
fn version(v: &str) -> (Value, Value) {
    match v.split_once(' ') {
        Some((p, n)) if p == "TLS" || p == "SSL" => (json!(n), json!(p.to_ascii_lowercase())),
        _ => (Value::Null, Value::Null),
    }
}

fn endpoint(addr: &str, bytes: u64, domain: Option<&String>) -> Value {
    let Ok(a) = addr.parse::<SocketAddr>() else {
        return obj(&[("address", json!(addr))]);
    };
    obj(&[
        ("address", json!(a.ip().to_string())),
        ("ip", json!(a.ip().to_string())),
        ("port", json!(a.port())),
        ("bytes", json!(bytes)),
        ("domain", json!(domain)),
    ])
}

fn event(c: &ConnectionReport) -> Value {
    let outcome = match c.status {
        Status::Ok => "success",
        Status::Failed | Status::NoConnection => "failure",
        Status::Incomplete | Status::NotTls => "unknown",
    };
    let mut types = vec!["connection", "protocol"];
    if outcome == "failure" {
        types.push("error");
    }
    // The verdict in a few words; the explanation is error.message.
    let reason = match &c.failure {
        Some(f) => Some(match f.frame {
            Some(fr) => format!("{}: {} gave up, frame {fr}", f.cause, f.side),
            None => format!("{}: {} gave up", f.cause, f.side),
        }),
        None => c.note.clone(),
    };
    obj(&[
        ("kind", json!("event")),
        ("category", json!(["network"])),
        ("type", json!(types)),
        ("outcome", json!(outcome)),
        ("reason", json!(reason)),
        ("action", json!(format!("tls-{}", c.status))),
        ("dataset", json!("pcap_tls_audit.connection")),
        ("module", json!(NAMESPACE)),
        ("start", json!(c.start)),
        ("duration", json!((c.close.duration_s * 1e9).round() as i64)),
    ])
}

/// The leaf certificate as ECS's `x509` object.
fn x509(cert: &CertInfo) -> Value {
    if cert.parse_error.is_some() {
        return Value::Null;
    }
    let names: Vec<&str> = cert
        .san
        .iter()
        .map(|s| s.split_once(':').map_or(s.as_str(), |(_, n)| n))
        .collect();
    obj(&[
        ("subject", obj(&[("distinguished_name", json!(cert.subject))])),
        ("issuer", obj(&[("distinguished_name", json!(cert.issuer))])),
        ("not_before", json!(cert.not_before)),
        ("not_after", json!(cert.not_after)),
        (
            "serial_number",
            json!(cert.serial.replace(':', "").to_ascii_uppercase()),
        ),
        ("alternative_names", json!(names)),
        ("public_key_algorithm", json!(cert.key.algorithm)),
        ("public_key_size", json!(cert.key.bits)),
        ("signature_algorithm", json!(cert.signature_algorithm)),
    ])
}

/// `tls.server` or `tls.client`: the leaf's hashes and x509, the chain.
fn side(chain: Option<&ChainReport>, mut extra: Vec<(&str, Value)>) -> Value {
    if let Some(ch) = chain {
        let b64 = base64::engine::general_purpose::STANDARD;
        let pems: Vec<String> = ch.der.iter().map(|d| b64.encode(d)).collect();
        extra.push(("certificate_chain", json!(pems)));
        if let Some(leaf) = ch.certificates.first() {
            let hash = obj(&[
                ("sha256", json!(leaf.sha256.to_ascii_uppercase())),
                ("sha1", json!(leaf.sha1.to_ascii_uppercase())),
            ]);
            extra.push(("hash", hash));
            if leaf.parse_error.is_none() {
                extra.push(("subject", json!(leaf.subject)));
                extra.push(("issuer", json!(leaf.issuer)));
                extra.push(("not_before", json!(leaf.not_before)));
                extra.push(("not_after", json!(leaf.not_after)));
            }
            extra.push(("x509", x509(leaf)));
        }
    }
    obj(&extra)
}

fn tls(c: &ConnectionReport) -> Value {
    let (v, proto) = c.tls_version.as_deref().map_or((Value::Null, Value::Null), version);
    let ch = c.client_hello.as_ref();
    let client = side(
        c.client_chain.as_ref(),
        vec![
            ("server_name", json!(c.sni)),
            ("ja3", json!(c.ja3)),
            ("supported_ciphers", json!(ch.map(|h| &h.cipher_suites))),
        ],
    );
    let server = side(c.server_chain.as_ref(), vec![("ja3s", json!(c.ja3s))]);
    obj(&[
        ("version", v),
        ("version_protocol", proto),
        ("cipher", json!(c.cipher_suite)),
        ("established", json!(c.status == Status::Ok)),
        ("next_protocol", json!(c.alpn)),
        ("client", client),
        ("server", server),
    ])
}

/// The finding codes of a connection and its chains, once each.
fn codes(c: &ConnectionReport) -> Vec<&'static str> {
    let chains = [&c.server_chain, &c.client_chain].into_iter().flatten();
    let mut v: Vec<&'static str> = c
        .findings
        .iter()
        .chain(chains.flat_map(|ch| ch.findings.iter()))
        .map(|f| f.code.as_str())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What ECS has no field for, under the tool's namespace.
fn own(c: &ConnectionReport, capture: &str) -> Value {
    let f = c.failure.as_ref();
    let chain = c.server_chain.as_ref();
    let ja4x: Vec<&String> = chain
        .into_iter()
        .flat_map(|ch| ch.certificates.iter())
        .filter_map(|x| x.ja4x.as_ref())
        .collect();
    obj(&[
        ("capture", json!(capture)),
        ("id", json!(c.id)),
        ("first_frame", json!(c.first_frame)),
        ("status", json!(c.status)),
        ("cause", json!(f.map(|f| f.cause))),
        ("side", json!(f.map(|f| f.side))),
        ("frame", json!(f.and_then(|f| f.frame))),
        ("alert", json!(f.and_then(|f| f.alert.as_ref()))),
        ("codes", json!(codes(c))),
        ("findings", json!(c.findings)),
        (
            "server_chain",
            json!(chain.map(|ch| json!({"trust": ch.trust, "findings": ch.findings}))),
        ),
        ("ja4", json!(c.ja4)),
        ("ja4s", json!(c.ja4s)),
        ("ja4x", json!(ja4x)),
        ("wireshark_filter", json!(c.wireshark_filter)),
        ("history", json!(c.history)),
        ("handshake", json!(c.handshake)),
    ])
}

/// One connection as an ECS document.
pub fn connection(c: &ConnectionReport, capture: &str) -> Value {
    let client_ip = c.client.parse::<SocketAddr>().ok().map(|a| a.ip());
    let server_ip = c.server.parse::<SocketAddr>().ok().map(|a| a.ip());
    let ips: Vec<String> = [client_ip, server_ip]
        .into_iter()
        .flatten()
        .map(|i| i.to_string())
        .collect();
    let hashes: Vec<&String> = [&c.ja3, &c.ja3s].into_iter().flatten().collect();
    let message = match &c.failure {
        Some(f) => format!("{} {} -> {}: {}", c.status, c.client, c.server, f.cause),
        None => format!("{} {} -> {}", c.status, c.client, c.server),
    };
    let error = c
        .failure
        .as_ref()
        .map(|f| json!({"code": f.cause, "message": f.explanation}));
    obj(&[
        ("@timestamp", json!(c.start)),
        ("message", json!(message)),
        ("ecs", json!({"version": ECS_VERSION})),
        ("event", event(c)),
        ("source", endpoint(&c.client, c.close.bytes.client, None)),
        ("destination", endpoint(&c.server, c.close.bytes.server, c.sni.as_ref())),
        ("network", network(c, server_ip)),
        ("tls", tls(c)),
        ("error", json!(error)),
        (
            "related",
            obj(&[
                ("ip", json!(ips)),
                ("hosts", json!(c.sni.iter().collect::<Vec<_>>())),
                ("hash", json!(hashes)),
            ]),
        ),
        (NAMESPACE, own(c, capture)),
    ])
}

fn network(c: &ConnectionReport, ip: Option<std::net::IpAddr>) -> Value {
    let kind = ip.map(|i| if i.is_ipv4() { "ipv4" } else { "ipv6" });
    let tls = c.client_hello.is_some() || c.tls_version.is_some();
    obj(&[
        ("transport", json!("tcp")),
        ("iana_number", json!("6")),
        ("type", json!(kind)),
        ("protocol", json!(tls.then_some("tls"))),
        ("bytes", json!(c.close.bytes.client + c.close.bytes.server)),
    ])
}

/// One capture's facts as an ECS document (after its connections).
pub fn capture(rep: &CaptureReport) -> Value {
    let damaged = rep.error.is_some() || rep.read_stopped_early;
    let time = rep.first_packet.clone().unwrap_or_else(crate::timefmt::now);
    let facts = json!({
        "path": rep.path, "format": rep.format, "link_types": rep.link_types,
        "packets": rep.packets, "bytes": rep.bytes, "first_packet": rep.first_packet,
        "last_packet": rep.last_packet, "error": rep.error,
        "read_stopped_early": rep.read_stopped_early, "warnings": rep.warnings,
        "summary": rep.summary,
    });
    obj(&[
        ("@timestamp", json!(time)),
        (
            "message",
            json!(format!(
                "capture {}: {} TCP connections",
                rep.path, rep.summary.connections
            )),
        ),
        ("ecs", json!({"version": ECS_VERSION})),
        (
            "event",
            obj(&[
                ("kind", json!("event")),
                ("category", json!(["network"])),
                ("type", json!(["info"])),
                ("outcome", json!(if damaged { "failure" } else { "success" })),
                ("dataset", json!("pcap_tls_audit.capture")),
                ("module", json!(NAMESPACE)),
            ]),
        ),
        ("error", json!(rep.error.as_ref().map(|e| json!({"message": e})))),
        (NAMESPACE, json!({ "capture": rep.path, "capture_report": facts })),
    ])
}
