//! Certificate parsing and chain analysis: the input is a chain of
//! length-prefixed DER certificates (2-byte lengths).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pcap_tls_audit::chain::{Chains, Purpose};
use pcap_tls_audit::trust::TrustStore;

fuzz_target!(|data: &[u8]| {
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
    let host = if data.len() % 2 == 0 { Some("backend.company.com") } else { None };
    let purpose = if data.len() % 3 == 0 { Purpose::Client } else { Purpose::Server };
    let _ = store.analyze(&ders, 1, 1_780_000_000, host, purpose);
    let _ = pcap_tls_audit::chain::read_certificates(data);
});
