//! The capture reader (pcap and pcapng framing) and the packet decoder on every frame.

pub fn run(data: &[u8]) {
    if let Ok(r) = pcap_tls_audit::capture::FrameReader::new(data, "fuzz") {
        for f in r {
            let _ = pcap_tls_audit::packet::decode(f.link_type, f.data, f.orig_len);
        }
    }
}
