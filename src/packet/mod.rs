//! Link layers and IP down to TCP: turns one captured frame into a zero-copy
//! view of its TCP segment, or says why the frame carries none.
//!
//! Ethernet (with 802.1Q/QinQ), Linux SLL and SLL2, raw IP, BSD loopback/null,
//! PPPoE and the common tunnels (IP-in-IP, VXLAN, Geneve, GTP-U) are unwrapped;
//! etherparse does the header work, SLL2 and the tunnels are parsed here.

use std::net::IpAddr;

use etherparse::{EtherType, IpNumber, LaxNetSlice, LaxSlicedPacket, TcpHeaderSlice};

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const ACK: u8 = 0x10;

mod fast;

/// Link-layer header types (tcpdump.org/linktypes.html) we decode.
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW_OPENBSD: u32 = 12;
    pub const RAW_LINUX: u32 = 14;
    pub const RAW: u32 = 101;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}

/// Name of a link type as libpcap spells it (`LINKTYPE_` prefix dropped).
pub fn linktype_name(lt: u32) -> String {
    match lt {
        linktype::NULL => "NULL".into(),
        linktype::ETHERNET => "ETHERNET".into(),
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_LINUX => "RAW".into(),
        linktype::LOOP => "LOOP".into(),
        linktype::LINUX_SLL => "LINUX_SLL".into(),
        linktype::IPV4 => "IPV4".into(),
        linktype::IPV6 => "IPV6".into(),
        linktype::LINUX_SLL2 => "LINUX_SLL2".into(),
        9 => "PPP".into(),
        105 => "IEEE802_11".into(),
        127 => "IEEE802_11_RADIOTAP".into(),
        other => format!("LINKTYPE_{other}"),
    }
}

/// A TCP segment, borrowing its payload from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub payload: &'a [u8],
    /// Where `payload` starts in the frame's bytes.
    pub payload_offset: usize,
    /// Payload bytes the snap length cut off (present on the wire, not in the file).
    pub missing: u32,
}

/// Why a frame yields no TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not TCP (ARP, UDP, ICMP...): normal, not reported.
    NotTcp,
    /// An IP fragment: TLS over fragmented TCP is not reassembled at the IP layer.
    Fragment,
    /// Headers cut short or inconsistent.
    Malformed,
    /// A link type we do not decode.
    UnsupportedLink,
}

/// Tunnels nest; a crafted packet must not recurse without end.
const MAX_DEPTH: u8 = 4;

/// Decodes a frame of the given link type down to TCP; the segment says
/// where its payload starts in `data`.
pub fn decode(link_type: u32, data: &[u8], orig_len: u32) -> Result<TcpSegment<'_>, Skip> {
    match fast::decode(link_type, data, orig_len) {
        Some(seg) => Ok(with_offset(seg, data)),
        None => decode_general(link_type, data, orig_len),
    }
}

/// The general path alone (etherparse and the tunnels); `decode` gives the
/// same answer for every frame (the fast path only saves time).
#[doc(hidden)]
pub fn decode_general(link_type: u32, data: &[u8], orig_len: u32) -> Result<TcpSegment<'_>, Skip> {
    Ok(with_offset(decode_link(link_type, data, orig_len)?, data))
}

/// The payload is a part of `data` (or empty): its start, checked against `data`'s bounds.
fn with_offset<'a>(mut seg: TcpSegment<'a>, data: &[u8]) -> TcpSegment<'a> {
    let start = (seg.payload.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    seg.payload_offset = if seg.payload.is_empty() || start > data.len() {
        0
    } else {
        start
    };
    seg
}

fn decode_link(link_type: u32, data: &[u8], orig_len: u32) -> Result<TcpSegment<'_>, Skip> {
    let cut = orig_len.saturating_sub(data.len() as u32);
    match link_type {
        linktype::ETHERNET => match LaxSlicedPacket::from_ethernet(data) {
            Ok(p) => from_lax(p, cut, 0),
            Err(_) => Err(Skip::Malformed),
        },
        linktype::LINUX_SLL => {
            // 16-byte header; the protocol (an EtherType for IP) is the last field.
            let proto = be16(data, 14).ok_or(Skip::Malformed)?;
            from_ether_type(proto, &data[16..], cut, 0)
        }
        linktype::LINUX_SLL2 => {
            // 20-byte header; the protocol comes first (etherparse knows SLL v1 only).
            let proto = be16(data, 0).ok_or(Skip::Malformed)?;
            if data.len() < 20 {
                return Err(Skip::Malformed);
            }
            from_ether_type(proto, &data[20..], cut, 0)
        }
        linktype::NULL | linktype::LOOP => {
            let fam = data.get(0..4).ok_or(Skip::Malformed)?;
            // The family is in the writer's byte order (NULL) or network order (LOOP): try both.
            let le = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let be = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let is_ip = |v: u32| matches!(v, 2 | 24 | 28 | 30);
            if is_ip(le) || is_ip(be) {
                from_ip(&data[4..], cut, 0)
            } else {
                Err(Skip::NotTcp)
            }
        }
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_LINUX | linktype::IPV4 | linktype::IPV6 => {
            from_ip(data, cut, 0)
        }
        _ => Err(Skip::UnsupportedLink),
    }
}

fn be16(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn from_ether_type(et: u16, payload: &[u8], cut: u32, depth: u8) -> Result<TcpSegment<'_>, Skip> {
    if depth > MAX_DEPTH {
        return Err(Skip::Malformed);
    }
    match et {
        0x8864 => pppoe(payload, cut, depth),
        0x0800 | 0x86dd | 0x8100 | 0x88a8 | 0x9100 => {
            from_lax(LaxSlicedPacket::from_ether_type(EtherType(et), payload), cut, depth)
        }
        _ => Err(Skip::NotTcp),
    }
}

fn pppoe(d: &[u8], cut: u32, depth: u8) -> Result<TcpSegment<'_>, Skip> {
    // PPPoE session header (6 bytes; its length covers the PPP protocol field
    // and the packet), then the PPP protocol field. The PPPoE length bounds the
    // IP packet: some senders pad it and leave the IP length counting the pad.
    let len = be16(d, 4).ok_or(Skip::Malformed)? as usize;
    let proto = be16(d, 6).ok_or(Skip::Malformed)?;
    let end = (6 + len).clamp(8, d.len());
    match proto {
        0x0021 | 0x0057 => from_ip(&d[8..end], cut, depth + 1),
        _ => Err(Skip::NotTcp),
    }
}

fn from_ip(d: &[u8], cut: u32, depth: u8) -> Result<TcpSegment<'_>, Skip> {
    if depth > MAX_DEPTH {
        return Err(Skip::Malformed);
    }
    match LaxSlicedPacket::from_ip(d) {
        Ok(p) => from_lax(p, cut, depth),
        Err(_) => Err(Skip::Malformed),
    }
}

fn from_lax<'a>(p: LaxSlicedPacket<'a>, cut: u32, depth: u8) -> Result<TcpSegment<'a>, Skip> {
    // Every tunnel (IP-in-IP, PPPoE, VXLAN, Geneve, GTP-U) comes back here or
    // through from_ip / from_ether_type, which check the depth too.
    if depth > MAX_DEPTH {
        return Err(Skip::Malformed);
    }
    let (src, dst, ipp) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::from(h.source_addr()),
                IpAddr::from(h.destination_addr()),
                v4.payload().clone(),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::from(h.source_addr()),
                IpAddr::from(h.destination_addr()),
                v6.payload().clone(),
            )
        }
        Some(LaxNetSlice::Arp(_)) => return Err(Skip::NotTcp),
        None => {
            // Ethernet payloads etherparse does not know (PPPoE).
            if let Some(ep) = p.ether_payload()
                && ep.ether_type.0 == 0x8864
            {
                return pppoe(ep.payload, cut, depth + 1);
            }
            return Err(if p.stop_err.is_some() {
                Skip::Malformed
            } else {
                Skip::NotTcp
            });
        }
    };
    if ipp.fragmented {
        return Err(Skip::Fragment);
    }
    match ipp.ip_number {
        IpNumber::TCP => {}
        IpNumber::IPV4 | IpNumber::IPV6 => return from_ip(ipp.payload, cut, depth + 1),
        IpNumber::UDP => return udp_tunnel(ipp.payload, cut, depth),
        _ => return Err(Skip::NotTcp),
    }
    let tcp = TcpHeaderSlice::from_slice(ipp.payload).map_err(|_| Skip::Malformed)?;
    let hl = tcp.slice().len();
    let payload = ipp.payload.get(hl..).unwrap_or(&[]);
    let b13 = tcp.slice().get(13).copied().unwrap_or(0);
    Ok(TcpSegment {
        src,
        dst,
        sport: tcp.source_port(),
        dport: tcp.destination_port(),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags: b13 & (FIN | SYN | RST | ACK),
        payload,
        payload_offset: 0,
        missing: if ipp.incomplete { cut } else { 0 },
    })
}

/// VXLAN (4789), Geneve (6081) and GTP-U (2152) carry whole packets over UDP.
fn udp_tunnel(udp: &[u8], cut: u32, depth: u8) -> Result<TcpSegment<'_>, Skip> {
    let dport = be16(udp, 2).ok_or(Skip::NotTcp)?;
    let body = udp.get(8..).ok_or(Skip::NotTcp)?;
    match dport {
        4789 => {
            let inner = body.get(8..).ok_or(Skip::Malformed)?;
            match LaxSlicedPacket::from_ethernet(inner) {
                Ok(p) => from_lax(p, cut, depth + 1),
                Err(_) => Err(Skip::Malformed),
            }
        }
        6081 => {
            let opt_len = (*body.first().ok_or(Skip::Malformed)? as usize & 0x3f) * 4;
            let proto = be16(body, 2).ok_or(Skip::Malformed)?;
            let inner = body.get(8 + opt_len..).ok_or(Skip::Malformed)?;
            if proto == 0x6558 {
                match LaxSlicedPacket::from_ethernet(inner) {
                    Ok(p) => from_lax(p, cut, depth + 1),
                    Err(_) => Err(Skip::Malformed),
                }
            } else {
                from_ether_type(proto, inner, cut, depth + 1)
            }
        }
        2152 => {
            let flags = *body.first().ok_or(Skip::Malformed)?;
            let msg_type = *body.get(1).ok_or(Skip::Malformed)?;
            if msg_type != 0xff {
                return Err(Skip::NotTcp);
            }
            let mut off = 8;
            if flags & 0x07 != 0 {
                off += 4;
                // Extension headers: each states its length in 4-byte units.
                let mut next = *body.get(11).ok_or(Skip::Malformed)?;
                let mut guard = 0;
                while next != 0 && guard < 16 {
                    let len = *body.get(off).ok_or(Skip::Malformed)? as usize * 4;
                    if len == 0 {
                        return Err(Skip::Malformed);
                    }
                    next = *body.get(off + len - 1).ok_or(Skip::Malformed)?;
                    off += len;
                    guard += 1;
                }
            }
            from_ip(body.get(off..).ok_or(Skip::Malformed)?, cut, depth + 1)
        }
        _ => Err(Skip::NotTcp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_over(ip: etherparse::PacketBuilderStep<etherparse::IpHeaders>, payload: &[u8]) -> Vec<u8> {
        let b = ip.tcp(1234, 443, 1000, 65535).ack(5);
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
        tcp_over(
            etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64),
            payload,
        )
    }

    #[test]
    fn sll2_is_decoded() {
        let ip = ipv4_tcp(b"hello");
        let mut frame = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
        frame.extend_from_slice(&ip);
        let s = decode(linktype::LINUX_SLL2, &frame, frame.len() as u32).unwrap();
        assert_eq!(s.sport, 1234);
        assert_eq!(s.dport, 443);
        assert_eq!(s.payload, b"hello");
        assert_eq!(s.flags & ACK, ACK);
    }

    #[test]
    fn null_loopback_both_byte_orders() {
        let ip = ipv4_tcp(b"x");
        for fam in [[2u8, 0, 0, 0], [0, 0, 0, 2]] {
            let mut f = fam.to_vec();
            f.extend_from_slice(&ip);
            assert!(decode(linktype::NULL, &f, f.len() as u32).is_ok());
        }
    }

    #[test]
    fn snapped_payload_reports_missing_bytes() {
        let ip = ipv4_tcp(&[0u8; 100]);
        let cut = &ip[..ip.len() - 60];
        let s = decode(linktype::RAW, cut, ip.len() as u32).unwrap();
        assert_eq!(s.payload.len(), 40);
        assert_eq!(s.missing, 60);
    }

    #[test]
    fn pppoe_length_bounds_a_padded_ip_packet() {
        // zeek pppoe-over-qinq.pcap: the IP length counts 6 bytes of padding
        // that the PPPoE length leaves out; they are not TCP payload.
        let mut ip = ipv4_tcp(b"");
        let declared = (ip.len() + 6) as u16;
        ip[2..4].copy_from_slice(&declared.to_be_bytes());
        ip.extend_from_slice(&[0; 6]);
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0x64, 0x11, 0x00, 0x00, 0x07]);
        f.extend_from_slice(&((ip.len() - 6 + 2) as u16).to_be_bytes());
        f.extend_from_slice(&[0x00, 0x21]);
        f.extend_from_slice(&ip);
        let s = decode(linktype::ETHERNET, &f, f.len() as u32).unwrap();
        assert!(s.payload.is_empty(), "{:?}", s.payload);
    }

    /// A UDP/IPv4 header around `inner` to `port`, as a tunnel carries it.
    fn udp4(port: u16, inner: &[u8]) -> Vec<u8> {
        let total = (20 + 8 + inner.len()) as u16;
        let mut p = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&[0x30, 0x39]);
        p.extend_from_slice(&port.to_be_bytes());
        p.extend_from_slice(&((8 + inner.len()) as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(inner);
        p
    }

    fn ether(et: u16, inner: &[u8]) -> Vec<u8> {
        let mut e = vec![0u8; 12];
        e.extend_from_slice(&et.to_be_bytes());
        e.extend_from_slice(inner);
        e
    }

    /// `layers` tunnels around one TCP segment, built from the inside out.
    fn nested(layers: usize, wrap: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
        let mut p = ipv4_tcp(b"hello");
        for _ in 0..layers {
            p = wrap(&p);
        }
        ether(0x0800, &p)
    }

    fn vxlan(ip: &[u8]) -> Vec<u8> {
        let mut v = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
        v.extend_from_slice(&ether(0x0800, ip));
        udp4(4789, &v)
    }

    fn geneve(ip: &[u8]) -> Vec<u8> {
        let mut g = vec![0, 0, 0x08, 0x00, 0, 0, 1, 0];
        g.extend_from_slice(ip);
        udp4(6081, &g)
    }

    fn gtpu(ip: &[u8]) -> Vec<u8> {
        let mut g = vec![0x30, 0xff];
        g.extend_from_slice(&(ip.len() as u16).to_be_bytes());
        g.extend_from_slice(&[0, 0, 0, 1]);
        g.extend_from_slice(ip);
        udp4(2152, &g)
    }

    #[test]
    fn each_tunnel_is_decoded_to_its_tcp_segment() {
        for (name, wrap) in [
            ("vxlan", vxlan as fn(&[u8]) -> Vec<u8>),
            ("geneve", geneve),
            ("gtp-u", gtpu),
        ] {
            let f = nested(1, wrap);
            let s = decode(linktype::ETHERNET, &f, f.len() as u32).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(s.payload, b"hello", "{name}");
            assert_eq!((s.sport, s.dport), (1234, 443), "{name}");
        }
    }

    #[test]
    fn tunnel_depth_is_bounded_for_every_tunnel() {
        for (name, wrap) in [
            ("vxlan", vxlan as fn(&[u8]) -> Vec<u8>),
            ("geneve", geneve),
            ("gtp-u", gtpu),
        ] {
            // Within the limit: decoded; 5 000 layers (a 250 KB frame): refused, on a small stack.
            let ok = nested(MAX_DEPTH as usize - 1, wrap);
            assert!(decode(linktype::ETHERNET, &ok, ok.len() as u32).is_ok(), "{name}");
            let deep = nested(5000, wrap);
            let r = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || decode(linktype::ETHERNET, &deep, deep.len() as u32).err())
                .unwrap()
                .join()
                .unwrap();
            assert_eq!(r, Some(Skip::Malformed), "{name}");
        }
    }

    fn ipv6_tcp(payload: &[u8]) -> Vec<u8> {
        let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
        src[..4].copy_from_slice(&[0x20, 1, 0xd, 0xb8]);
        dst[..4].copy_from_slice(&[0x20, 1, 0xd, 0xb8]);
        (src[15], dst[15]) = (1, 2);
        tcp_over(etherparse::PacketBuilder::ipv6(src, dst, 64), payload)
    }

    /// Each link type, as bytes: the segment, and where its payload starts in the frame.
    #[test]
    fn each_link_type_gives_the_segment_and_its_payload_offset() {
        let ip = ipv4_tcp(b"hello");
        let mut sll = vec![0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ip);
        let mut vlan = vec![0u8; 12];
        vlan.extend_from_slice(&[0x81, 0x00, 0x00, 0x07, 0x08, 0x00]);
        vlan.extend_from_slice(&ip);
        let mut eth6 = vec![0u8; 12];
        eth6.extend_from_slice(&[0x86, 0xdd]);
        eth6.extend_from_slice(&ipv6_tcp(b"hello"));
        let cases: Vec<(&str, u32, Vec<u8>, usize)> = vec![
            ("raw IPv4", linktype::RAW, ip.clone(), 40),
            ("Linux SLL", linktype::LINUX_SLL, sll, 16 + 40),
            ("Ethernet + 802.1Q", linktype::ETHERNET, vlan, 18 + 40),
            ("Ethernet, IPv6", linktype::ETHERNET, eth6, 14 + 60),
        ];
        for (name, lt, frame, off) in cases {
            let s = decode(lt, &frame, frame.len() as u32).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(s.payload, b"hello", "{name}");
            assert_eq!(s.payload_offset, off, "{name}");
            assert_eq!(&frame[off..off + 5], b"hello", "{name}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        for lt in [0, 1, 12, 101, 108, 113, 228, 229, 276, 9999] {
            for n in 0..64 {
                let d: Vec<u8> = (0..n).map(|i| (i * 37 + lt as usize) as u8).collect();
                let _ = decode(lt, &d, n as u32);
            }
        }
    }
}
