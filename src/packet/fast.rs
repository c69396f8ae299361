//! The common case read at fixed places: Ethernet (no VLAN), Linux cooked
//! (v1, v2) or raw IP, then a complete IPv4 packet (not a fragment) or an
//! IPv6 one without extension headers, carrying TCP. Anything else, or
//! anything unusual (a length that disagrees with the bytes, a cut packet),
//! is left to etherparse (`None`). When it answers, the answer is what
//! etherparse gives: `tests/packet_paths.rs` compares both on every frame
//! of the samples, the corpus and a generated capture, and the `packet`
//! fuzz target on every input.
//!
//! Why by hand: the reading thread decodes every frame of the capture
//! before handing it to a worker; etherparse's general slicing was a sixth
//! of that thread's time (docs/performance.md).

use std::net::IpAddr;

use super::{ACK, FIN, RST, SYN, TcpSegment, be16, linktype};

/// The TCP segment of a plain, complete frame; None to take the general path.
pub(super) fn decode(link_type: u32, data: &[u8], orig_len: u32) -> Option<TcpSegment<'_>> {
    if orig_len as usize != data.len() {
        return None; // cut by the snap length: the general path says what is missing
    }
    let ip = match link_type {
        linktype::ETHERNET if matches!(be16(data, 12)?, 0x0800 | 0x86dd) => data.get(14..)?,
        linktype::LINUX_SLL if matches!(be16(data, 14)?, 0x0800 | 0x86dd) => data.get(16..)?,
        linktype::LINUX_SLL2 if matches!(be16(data, 0)?, 0x0800 | 0x86dd) => data.get(20..)?,
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_LINUX | linktype::IPV4 | linktype::IPV6 => data,
        _ => return None,
    };
    let (src, dst, tcp) = match ip.first()? >> 4 {
        4 => ipv4(ip)?,
        6 => ipv6(ip)?,
        _ => return None,
    };
    let offset = (*tcp.get(12)? >> 4) as usize * 4;
    if offset < 20 || offset > tcp.len() {
        return None;
    }
    let u32_at = |i: usize| -> Option<u32> { Some(u32::from_be_bytes(tcp.get(i..i + 4)?.try_into().ok()?)) };
    Some(TcpSegment {
        src,
        dst,
        sport: be16(tcp, 0)?,
        dport: be16(tcp, 2)?,
        seq: u32_at(4)?,
        ack: u32_at(8)?,
        flags: tcp.get(13)? & (FIN | SYN | RST | ACK),
        payload: tcp.get(offset..)?,
        payload_offset: 0,
        missing: 0,
    })
}

/// A complete IPv4 packet carrying TCP, not a fragment: its addresses and
/// the TCP bytes (padding after the total length left out).
fn ipv4(ip: &[u8]) -> Option<(IpAddr, IpAddr, &[u8])> {
    let ihl = (ip.first()? & 0x0f) as usize * 4;
    let total = be16(ip, 2)? as usize;
    if ihl < 20 || total < ihl + 20 || total > ip.len() {
        return None;
    }
    // Protocol TCP; neither "more fragments" nor an offset.
    if *ip.get(9)? != 6 || be16(ip, 6)? & 0x3fff != 0 {
        return None;
    }
    let a: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
    let b: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
    Some((IpAddr::from(a), IpAddr::from(b), ip.get(ihl..total)?))
}

/// A complete IPv6 packet whose next header is TCP.
fn ipv6(ip: &[u8]) -> Option<(IpAddr, IpAddr, &[u8])> {
    let len = be16(ip, 4)? as usize;
    if *ip.get(6)? != 6 || len < 20 || 40 + len > ip.len() {
        return None;
    }
    let a: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
    let b: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
    Some((IpAddr::from(a), IpAddr::from(b), ip.get(40..40 + len)?))
}
