//! Certificate parsing and chain analysis: the input is a chain of
//! length-prefixed DER certificates (2-byte lengths).

use std::sync::OnceLock;

use pcap_tls_audit::chain::{Chains, Purpose};
use pcap_tls_audit::trust::TrustStore;

pub fn run(data: &[u8]) {
    static STORE: OnceLock<Chains> = OnceLock::new();
    let store = STORE.get_or_init(|| Chains::new(TrustStore::mozilla()));
    let mut ders = Vec::new();
    let mut i = 0;
    while i + 2 <= data.len() && ders.len() < 16 {
        let len = (u16::from_be_bytes([data[i], data[i + 1]]) as usize).min(data.len() - i - 2);
        ders.push(data[i + 2..i + 2 + len].to_vec());
        i += 2 + len;
    }
    if ders.is_empty() {
        return;
    }
    let host = if data.len().is_multiple_of(2) {
        Some("backend.company.com")
    } else {
        None
    };
    let purpose = if data.len().is_multiple_of(3) {
        Purpose::Client
    } else {
        Purpose::Server
    };
    let _ = store.analyze(&ders, 1, 1_780_000_000, host, purpose);
    let _ = pcap_tls_audit::chain::read_certificates(data);
}
