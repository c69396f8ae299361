//! The report: serde structs that are the JSON contract
//! (shared/REPORT-CONTRACT.md, extensions in docs/report-format.md), and the
//! text rendering for people.

use serde::Serialize;

use std::borrow::Cow;
use std::sync::Arc;

use crate::chain::CertInfo;
pub use crate::vocabulary::Finding;
use crate::vocabulary::{Blame, Cause, Status, TrustVerdict};

/// The contract's CHAIN: the certificates, the trust verdict, the findings.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    /// The certificates as sent, for --export-certs.
    #[serde(skip)]
    pub der: Arc<Vec<Vec<u8>>>,
    pub frame: u64,
    /// Shared between the connections that sent the same chain (and
    /// written to JSON once per thread, `json_once`).
    #[serde(serialize_with = "json_once::certificates")]
    pub certificates: Arc<Vec<CertInfo>>,
    pub trust: TrustReport,
    /// Shared by the connections whose chains have the same defects (and
    /// written to JSON once per thread, `json_once`).
    #[serde(serialize_with = "json_once::findings")]
    pub findings: Arc<[Finding]>,
}

/// The contract's `trust` of a chain.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TrustReport {
    pub verdict: TrustVerdict,
    pub anchor: Option<String>,
    pub missing_issuer: Option<String>,
    /// Extension: why the chain was not checked, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Document {
    pub tool: Tool,
    pub trust_store: TrustStoreInfo,
    pub captures: Vec<CaptureReport>,
    /// Failures and findings grouped across the captures.
    pub groups: Vec<GroupReport>,
}

#[derive(Serialize, Debug)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize, Debug)]
pub struct TrustStoreInfo {
    pub source: String,
    pub anchors: usize,
    /// Extension: the files the store was read from (`--ca-file`,
    /// `--ca-dir`, `--keystore`); absent for the built-in roots.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

#[derive(Serialize, Debug, Default, Clone, Copy)]
pub struct Summary {
    pub connections: u64,
    pub ok: u64,
    pub failed: u64,
    pub incomplete: u64,
    pub not_tls: u64,
    pub no_connection: u64,
    /// Connections the run's filters left out (`--sni`, `--server`,
    /// `--client`, `--port`); absent without filters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered_out: Option<u64>,
}

impl Summary {
    /// Adds another capture's counts.
    pub fn add(&mut self, o: &Summary) {
        self.connections += o.connections;
        self.ok += o.ok;
        self.failed += o.failed;
        self.incomplete += o.incomplete;
        self.not_tls += o.not_tls;
        self.no_connection += o.no_connection;
        if let Some(n) = o.filtered_out {
            *self.filtered_out.get_or_insert(0) += n;
        }
    }

    /// The counts in words, most urgent first ("2 failed, 9 ok"), the
    /// statuses with none left out.
    pub fn words(&self) -> String {
        let parts: Vec<String> = [
            (self.failed, "failed"),
            (self.incomplete, "incomplete"),
            (self.no_connection, "no connection"),
            (self.ok, "ok"),
            (self.not_tls, "not TLS"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, name)| format!("{n} {name}"))
        .collect();
        let mut w = if parts.is_empty() {
            "nothing to report".to_string()
        } else {
            parts.join(", ")
        };
        if let Some(n) = self.filtered_out {
            w.push_str(&format!(
                "; {} left out by the filters",
                text::plural(n, "connection", "connections")
            ));
        }
        w
    }
}

/// The totals of a batch (json's `total`, the text report's last line).
#[derive(Serialize, Debug, Default, Clone, Copy)]
pub struct BatchTotal {
    pub captures: u64,
    /// Captures that could not be read at all.
    pub unreadable: u64,
    /// Captures read only up to damage or a cut.
    pub damaged: u64,
    #[serde(flatten)]
    pub summary: Summary,
}

impl BatchTotal {
    /// Counts one capture.
    pub fn add(&mut self, c: &CaptureReport) {
        self.captures += 1;
        self.unreadable += u64::from(c.error.is_some());
        self.damaged += u64::from(c.read_stopped_early);
        self.summary.add(&c.summary);
    }

    /// The text report's last line for a batch.
    pub fn line(&self) -> String {
        let mut bad = Vec::new();
        if self.unreadable > 0 {
            bad.push(format!("{} unreadable", self.unreadable));
        }
        if self.damaged > 0 {
            bad.push(format!("{} read in part", self.damaged));
        }
        let bad = if bad.is_empty() {
            String::new()
        } else {
            format!(" ({})", bad.join(", "))
        };
        format!(
            "TOTAL: {}{bad}, {}: {}\n",
            text::plural(self.captures, "capture", "captures"),
            text::plural(self.summary.connections, "TCP connection", "TCP connections"),
            self.summary.words()
        )
    }
}

#[derive(Serialize, Debug, Default)]
pub struct CaptureReport {
    pub path: String,
    pub format: Option<String>,
    pub link_types: Vec<String>,
    pub packets: u64,
    pub bytes: u64,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    pub error: Option<String>,
    /// True when damage stopped the reading before the end of the file: the
    /// report covers only what came before it (see `warnings`).
    pub read_stopped_early: bool,
    pub warnings: Vec<String>,
    pub summary: Summary,
    pub connections: Vec<ConnectionReport>,
    /// The SHA-256 of the capture's file as it is on disk (for the page's
    /// context; computed only for the html report).
    #[serde(skip)]
    pub file_sha256: Option<String>,
}

/// Extension: how a connection's records were decrypted.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct DecryptionReport {
    /// At least one record was opened.
    pub decrypted: bool,
    /// Where the secrets came from: `FILE line N`, or the capture's secrets block.
    pub keys: Option<String>,
    /// Records opened.
    pub records: u64,
    /// Why the connection was not (or not wholly) decrypted.
    pub problem: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ClientHelloReport {
    pub frame: u64,
    /// These four are shared by the connections whose clients sent the
    /// same hello (`stacks`).
    pub legacy_version: Arc<str>,
    pub supported_versions: Arc<[String]>,
    /// Static names: a ClientHello lists dozens (written to JSON once per
    /// thread, `json_once`).
    #[serde(serialize_with = "json_once::suites")]
    pub cipher_suites: Arc<[std::borrow::Cow<'static, str>]>,
    pub alpn: Arc<[String]>,
    pub sni: Option<String>,
    /// Extension: true when sent in the SSLv2-compatible format.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sslv2_format: bool,
}

#[derive(Serialize, Debug, Clone)]
pub struct HandshakeEntry {
    pub frame: u64,
    pub from: &'static str,
    pub message: std::borrow::Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension: seconds from the connection's first packet to this entry's frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
}

#[derive(Serialize, Debug, Clone)]
pub struct AlertReport {
    pub level: String,
    pub description: String,
    pub code: u8,
    pub from: &'static str,
    pub frame: u64,
}

#[derive(Serialize, Debug, Clone)]
pub struct FailureReport {
    pub cause: Cause,
    pub side: Blame,
    pub frame: Option<u64>,
    pub alert: Option<AlertReport>,
    pub explanation: String,
    /// What to change, and who must.
    pub fix: crate::fix::Fix,
    /// The chain's finding that explains the failure (code, certificate):
    /// the text report refers to the verdict there instead of saying it twice.
    #[serde(skip)]
    pub because: Option<(crate::vocabulary::FindingCode, Option<usize>)>,
}

#[derive(Serialize, Debug, Clone)]
pub struct CloseEvent {
    pub frame: u64,
    pub by: &'static str,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct CloseReport {
    pub first_fin: Option<CloseEvent>,
    pub first_rst: Option<CloseEvent>,
    /// Who sent the first FIN or RST: `client`, `server`, or `capture_end`.
    pub ended_by: &'static str,
    /// `fin`, `rst` or `capture_end`.
    pub how: &'static str,
    /// From the first packet to the end (`ended_by`'s FIN or RST, or the last packet).
    pub duration_s: f64,
    /// Seconds without payload before that end (null when no payload was seen).
    pub idle_before_close_s: Option<f64>,
    /// Payload bytes each side sent (captured or missed).
    pub bytes: SideBytes,
}

#[derive(Serialize, Debug, Default, Clone, Copy)]
pub struct SideBytes {
    pub client: u64,
    pub server: u64,
}

#[derive(Serialize, Debug, Clone)]
pub struct ConnectionReport {
    pub id: u64,
    pub client: String,
    pub server: String,
    pub first_frame: u64,
    pub start: String,
    pub wireshark_filter: String,
    pub sni: Option<String>,
    /// JA3 of the ClientHello and JA3S of the ServerHello (MD5, hex), JA4
    /// and JA4S (FoxIO); absent when the hello was not seen. Shared by the
    /// connections whose clients (servers) sent the same hello (`stacks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4s: Option<Arc<str>>,
    pub status: Status,
    pub tls_version: Option<Cow<'static, str>>,
    pub cipher_suite: Option<Cow<'static, str>>,
    /// Extension: the ALPN protocol the server chose, when it chose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    pub client_hello: Option<ClientHelloReport>,
    pub handshake: Vec<HandshakeEntry>,
    pub failure: Option<FailureReport>,
    pub findings: Vec<Finding>,
    pub server_chain: Option<ChainReport>,
    pub client_chain: Option<ChainReport>,
    pub close: CloseReport,
    /// Extension: one sentence for connections that did not fail (why ok, incomplete, not TLS).
    pub note: Option<String>,
    /// Extension: the capture shows only part of this connection (then it
    /// is `incomplete`): `handshake_precedes_capture`,
    /// `client_direction_missing` or `server_direction_missing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<crate::vocabulary::Partial>,
    /// Extension: compact trace, one letter per event, upper case from the client (Zeek style).
    pub history: String,
    /// Extension: the ServerKeyExchange signature checked against the leaf's key:
    /// "verified", "mismatch", or "not checked: why"; null without a ServerKeyExchange.
    pub server_key_exchange: Option<String>,
    /// Extension: CA names the server asked for in CertificateRequest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acceptable_client_cas: Vec<String>,
    /// Extension: what could not be read in this connection.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Extension: whether the TLS 1.3 records were decrypted, and with what
    /// (present when a key log or secrets block gave any secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decryption: Option<DecryptionReport>,
    /// The run's filters left this connection out: it is counted, never
    /// reported (`ConnectionReport::left_out`).
    #[serde(skip)]
    pub left_out: bool,
}

impl ConnectionReport {
    /// What a connection the filters leave out hands on: its first frame,
    /// so that it is counted and its id is taken (ids stay the ranks of
    /// every connection of the capture, filtered or not).
    pub fn left_out(first_frame: u64) -> ConnectionReport {
        ConnectionReport {
            id: 0,
            client: String::new(),
            server: String::new(),
            first_frame,
            start: String::new(),
            wireshark_filter: String::new(),
            sni: None,
            ja3: None,
            ja3s: None,
            ja4: None,
            ja4s: None,
            status: Status::Ok,
            tls_version: None,
            cipher_suite: None,
            alpn: None,
            client_hello: None,
            handshake: Vec::new(),
            failure: None,
            findings: Vec::new(),
            server_chain: None,
            client_chain: None,
            close: CloseReport::default(),
            note: None,
            partial: None,
            history: String::new(),
            server_key_exchange: None,
            acceptable_client_cas: Vec::new(),
            warnings: Vec::new(),
            decryption: None,
            left_out: true,
        }
    }
}

pub mod build;
pub mod ecs;
pub mod groups;
pub mod html;
pub mod json_handshake;
mod json_once;
pub mod junit;
pub mod stacks;
mod text;
mod text_batch;
mod text_parts;

pub use groups::{BatchGroups, GroupReport};
pub use text::{TextCapture, render_text};
pub use text_batch::render_groups;
pub use text_parts::Style as TextStyle;

#[cfg(test)]
mod tests;
