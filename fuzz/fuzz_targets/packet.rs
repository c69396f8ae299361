//! The packet decoder: the first byte picks the link type.
#![no_main]
use libfuzzer_sys::fuzz_target;

const LINKS: [u32; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

fuzz_target!(|data: &[u8]| {
    if let Some((&k, frame)) = data.split_first() {
        let lt = LINKS[k as usize % LINKS.len()];
        let _ = pcap_tls_audit::packet::decode(lt, frame, frame.len() as u32 + (k as u32 >> 4));
    }
});
