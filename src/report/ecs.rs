//! `--format ecs`: a connection's report as one Elastic Common Schema
//! document (ECS field names and types, checked by `tests/ecs.rs` against
//! ECS's own field list), with what ECS has no field for under
//! `pcap_tls_audit.*`; and one document per capture with its facts. The
//! mapping is in docs/ecs.md. The documents are structs that borrow from
//! the report and are written straight to JSON.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use base64::Engine as _;
use serde::Serialize;

use super::{AlertReport, CaptureReport, ChainReport, ConnectionReport, HandshakeEntry, TrustReport};
use crate::chain::CertInfo;
use crate::vocabulary::{Blame, Cause, Finding, Status};

/// The ECS version the documents follow.
pub const ECS_VERSION: &str = "8.11.0";
/// The namespace of the fields ECS has no place for.
pub const NAMESPACE: &str = "pcap_tls_audit";

#[derive(Serialize)]
struct Ecs {
    version: &'static str,
}

#[derive(Serialize)]
struct Event<'a> {
    kind: &'static str,
    category: [&'static str; 1],
    #[serde(rename = "type")]
    types: Vec<&'static str>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    dataset: &'static str,
    module: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<i64>,
}

#[derive(Serialize)]
struct Endpoint<'a> {
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<&'a str>,
}

#[derive(Serialize)]
struct Network {
    transport: &'static str,
    iana_number: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<&'static str>,
    bytes: u64,
}

#[derive(Serialize)]
struct Dn<'a> {
    distinguished_name: &'a str,
}

#[derive(Serialize)]
struct X509<'a> {
    subject: Dn<'a>,
    issuer: Dn<'a>,
    not_before: &'a str,
    not_after: &'a str,
    serial_number: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alternative_names: Vec<&'a str>,
    public_key_algorithm: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key_size: Option<u32>,
    signature_algorithm: &'a str,
}

#[derive(Serialize)]
struct Hash {
    sha256: String,
    sha1: String,
}

/// The chain's part of `tls.server` or `tls.client`.
#[derive(Serialize, Default)]
struct Side<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    server_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja3: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja3s: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supported_ciphers: Option<&'a [std::borrow::Cow<'static, str>]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_chain: Option<Arc<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_after: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x509: Option<X509<'a>>,
}

#[derive(Serialize)]
struct Tls<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cipher: Option<&'a str>,
    established: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_protocol: Option<&'a str>,
    client: Side<'a>,
    server: Side<'a>,
}

#[derive(Serialize)]
struct Error<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Cause>,
    message: &'a str,
}

#[derive(Serialize)]
struct Related<'a> {
    ip: Vec<IpAddr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hosts: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hash: Vec<&'a str>,
}

#[derive(Serialize)]
struct ChainFacts<'a> {
    trust: &'a TrustReport,
    findings: &'a [Finding],
}

/// What ECS has no field for.
#[derive(Serialize)]
struct Own<'a> {
    capture: &'a str,
    id: u64,
    first_frame: u64,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Option<Blame>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<&'a AlertReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    codes: Vec<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    server_chain: Option<ChainFacts<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja4: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja4s: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ja4x: Vec<&'a str>,
    wireshark_filter: &'a str,
    history: &'a str,
    handshake: &'a [HandshakeEntry],
}

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: &'a str,
    message: String,
    ecs: Ecs,
    event: Event<'a>,
    source: Endpoint<'a>,
    destination: Endpoint<'a>,
    network: Network,
    tls: Tls<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Error<'a>>,
    related: Related<'a>,
    pcap_tls_audit: Own<'a>,
}

fn event(c: &ConnectionReport) -> Event<'_> {
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
    Event {
        kind: "event",
        category: ["network"],
        types,
        outcome,
        reason,
        action: Some(format!("tls-{}", c.status)),
        dataset: "pcap_tls_audit.connection",
        module: NAMESPACE,
        start: Some(&c.start),
        duration: Some((c.close.duration_s * 1e9).round() as i64),
    }
}

fn endpoint<'a>(addr: &str, bytes: u64, domain: Option<&'a str>) -> Endpoint<'a> {
    let a = addr.parse::<SocketAddr>().ok();
    Endpoint {
        address: a.map_or_else(|| addr.to_string(), |a| a.ip().to_string()),
        ip: a.map(|a| a.ip()),
        port: a.map(|a| a.port()),
        bytes,
        domain,
    }
}

/// The leaf certificate as ECS's `x509` object; None when not parsed.
fn x509(cert: &CertInfo) -> Option<X509<'_>> {
    if cert.parse_error.is_some() {
        return None;
    }
    Some(X509 {
        subject: Dn {
            distinguished_name: &cert.subject,
        },
        issuer: Dn {
            distinguished_name: &cert.issuer,
        },
        not_before: &cert.not_before,
        not_after: &cert.not_after,
        serial_number: cert.serial.replace(':', "").to_ascii_uppercase(),
        alternative_names: cert
            .san
            .iter()
            .map(|s| s.split_once(':').map_or(s.as_str(), |(_, n)| n))
            .collect(),
        public_key_algorithm: &cert.key.algorithm,
        public_key_size: cert.key.bits,
        signature_algorithm: &cert.signature_algorithm,
    })
}

/// Chains already encoded in base64, by their certificates' fingerprints:
/// a gateway's connections send the same few chains.
#[derive(Default)]
pub struct Cache {
    chains: HashMap<String, Arc<Vec<String>>>,
}

/// Chains kept at most; the cache starts over beyond.
const MAX_CACHED_CHAINS: usize = 4096;

impl Cache {
    fn base64(&mut self, ch: &ChainReport) -> Arc<Vec<String>> {
        let key: String = ch.certificates.iter().map(|c| c.sha256.as_str()).collect();
        if let Some(v) = self.chains.get(&key) {
            return v.clone();
        }
        if self.chains.len() >= MAX_CACHED_CHAINS {
            self.chains.clear();
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let v = Arc::new(ch.der.iter().map(|d| b64.encode(d)).collect::<Vec<_>>());
        self.chains.insert(key, v.clone());
        v
    }
}

/// Fills a side's chain fields: the chain, the leaf's hashes and x509.
fn with_chain<'a>(mut s: Side<'a>, chain: Option<&'a ChainReport>, cache: &mut Cache) -> Side<'a> {
    let Some(ch) = chain else { return s };
    s.certificate_chain = Some(cache.base64(ch));
    if let Some(leaf) = ch.certificates.first() {
        s.hash = Some(Hash {
            sha256: leaf.sha256.to_ascii_uppercase(),
            sha1: leaf.sha1.to_ascii_uppercase(),
        });
        if leaf.parse_error.is_none() {
            s.subject = Some(&leaf.subject);
            s.issuer = Some(&leaf.issuer);
            s.not_before = Some(&leaf.not_before);
            s.not_after = Some(&leaf.not_after);
        }
        s.x509 = x509(leaf);
    }
    s
}

fn tls<'a>(c: &'a ConnectionReport, cache: &mut Cache) -> Tls<'a> {
    let (version, protocol) = match c.tls_version.as_deref().and_then(|v| v.split_once(' ')) {
        Some((p, n)) if p == "TLS" || p == "SSL" => (Some(n), Some(p.to_ascii_lowercase())),
        _ => (None, None),
    };
    let client = Side {
        server_name: c.sni.as_deref(),
        ja3: c.ja3.as_deref(),
        supported_ciphers: c
            .client_hello
            .as_ref()
            .map(|h| &h.cipher_suites[..])
            .filter(|s| !s.is_empty()),
        ..Side::default()
    };
    let server = Side {
        ja3s: c.ja3s.as_deref(),
        ..Side::default()
    };
    Tls {
        version,
        version_protocol: protocol,
        cipher: c.cipher_suite.as_deref(),
        established: c.status == Status::Ok,
        next_protocol: c.alpn.as_deref(),
        client: with_chain(client, c.client_chain.as_ref(), cache),
        server: with_chain(server, c.server_chain.as_ref(), cache),
    }
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

fn own<'a>(c: &'a ConnectionReport, capture: &'a str) -> Own<'a> {
    let f = c.failure.as_ref();
    let chain = c.server_chain.as_ref();
    Own {
        capture,
        id: c.id,
        first_frame: c.first_frame,
        status: c.status,
        cause: f.map(|f| f.cause),
        side: f.map(|f| f.side),
        frame: f.and_then(|f| f.frame),
        alert: f.and_then(|f| f.alert.as_ref()),
        codes: codes(c),
        findings: &c.findings,
        server_chain: chain.map(|ch| ChainFacts {
            trust: &ch.trust,
            findings: &ch.findings,
        }),
        ja4: c.ja4.as_deref(),
        ja4s: c.ja4s.as_deref(),
        ja4x: chain
            .into_iter()
            .flat_map(|ch| ch.certificates.iter())
            .filter_map(|x| x.ja4x.as_deref())
            .collect(),
        wireshark_filter: &c.wireshark_filter,
        history: &c.history,
        handshake: &c.handshake,
    }
}

/// One connection as an ECS document (a JSON line without its newline).
pub fn connection(c: &ConnectionReport, capture: &str, cache: &mut Cache) -> String {
    let ip = |s: &str| s.parse::<SocketAddr>().ok().map(|a| a.ip());
    let (client_ip, server_ip) = (ip(&c.client), ip(&c.server));
    let message = match &c.failure {
        Some(f) => format!("{} {} -> {}: {}", c.status, c.client, c.server, f.cause),
        None => format!("{} {} -> {}", c.status, c.client, c.server),
    };
    let doc = Doc {
        timestamp: &c.start,
        message,
        ecs: Ecs { version: ECS_VERSION },
        event: event(c),
        source: endpoint(&c.client, c.close.bytes.client, None),
        destination: endpoint(&c.server, c.close.bytes.server, c.sni.as_deref()),
        network: Network {
            transport: "tcp",
            iana_number: "6",
            kind: server_ip.map(|i| if i.is_ipv4() { "ipv4" } else { "ipv6" }),
            protocol: (c.client_hello.is_some() || c.tls_version.is_some()).then_some("tls"),
            bytes: c.close.bytes.client + c.close.bytes.server,
        },
        tls: tls(c, cache),
        error: c.failure.as_ref().map(|f| Error {
            code: Some(f.cause),
            message: &f.explanation,
        }),
        related: Related {
            ip: [client_ip, server_ip].into_iter().flatten().collect(),
            hosts: c.sni.as_deref().into_iter().collect(),
            hash: [&c.ja3, &c.ja3s].into_iter().flatten().map(|s| &**s).collect(),
        },
        pcap_tls_audit: own(c, capture),
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

#[derive(Serialize)]
struct CaptureOwn<'a> {
    capture: &'a str,
    /// The contract's CAPTURE without its connections.
    capture_report: CaptureFacts<'a>,
}

#[derive(Serialize)]
struct CaptureFacts<'a> {
    path: &'a str,
    format: Option<&'a str>,
    link_types: &'a [String],
    packets: u64,
    bytes: u64,
    first_packet: Option<&'a str>,
    last_packet: Option<&'a str>,
    error: Option<&'a str>,
    read_stopped_early: bool,
    warnings: &'a [String],
    summary: super::Summary,
}

#[derive(Serialize)]
struct CaptureDoc<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    message: String,
    ecs: Ecs,
    event: Event<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Error<'a>>,
    pcap_tls_audit: CaptureOwn<'a>,
}

/// One capture's facts as an ECS document (after its connections).
pub fn capture(rep: &CaptureReport) -> String {
    let damaged = rep.error.is_some() || rep.read_stopped_early;
    let doc = CaptureDoc {
        timestamp: rep.first_packet.clone().unwrap_or_else(crate::timefmt::now),
        message: format!("capture {}: {} TCP connections", rep.path, rep.summary.connections),
        ecs: Ecs { version: ECS_VERSION },
        event: Event {
            kind: "event",
            category: ["network"],
            types: vec!["info"],
            outcome: if damaged { "failure" } else { "success" },
            reason: None,
            action: None,
            dataset: "pcap_tls_audit.capture",
            module: NAMESPACE,
            start: None,
            duration: None,
        },
        error: rep.error.as_deref().map(|e| Error { code: None, message: e }),
        pcap_tls_audit: CaptureOwn {
            capture: &rep.path,
            capture_report: CaptureFacts {
                path: &rep.path,
                format: rep.format.as_deref(),
                link_types: &rep.link_types,
                packets: rep.packets,
                bytes: rep.bytes,
                first_packet: rep.first_packet.as_deref(),
                last_packet: rep.last_packet.as_deref(),
                error: rep.error.as_deref(),
                read_stopped_early: rep.read_stopped_early,
                warnings: &rep.warnings,
                summary: rep.summary,
            },
        },
    };
    serde_json::to_string(&doc).unwrap_or_default()
}
