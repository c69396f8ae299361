//! pcap-tls-audit: reads a packet capture offline and says, per TCP
//! connection, whether the TLS handshake succeeded; if not, who gave up, at
//! which frame and why; and which certificate chain the server sent.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `capture` -> `packet` -> `flow` -> `tcp` -> `tls` -> `connection` ->
//! `chain` -> `diagnose` -> `report`, tied together by `analyze`.

pub mod analyze;
pub mod annotate;
pub mod capture;
pub mod chain;
pub(crate) mod connection;
pub(crate) mod diagnose;
pub(crate) mod digits;
pub mod dn;
pub mod error;
pub mod escape;
pub mod export;
pub mod filter;
pub(crate) mod fingerprint;
pub mod fix;
pub(crate) mod flow;
pub(crate) mod keyexchange;
pub mod keylog;
pub(crate) mod memo;
pub(crate) mod names;
pub mod packet;
pub mod prefetch;
pub mod report;
pub mod tcp;
pub mod timefmt;
pub mod tls;
pub mod trust;
pub mod vocabulary;
