//! Shared by the benchmark and `examples/make_large_capture.rs`: repeats the
//! packets of a small pcap, each copy with its own client port.

use std::io::Write;

fn ip_offset(link: u32, frame: &[u8]) -> Option<usize> {
    match link {
        276 => Some(20),
        1 => {
            let et = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
            (et == 0x0800).then_some(14)
        }
        101 | 228 => Some(0),
        _ => None,
    }
}

pub fn replicate(input: &[u8], copies: u32, out: &mut impl Write) -> std::io::Result<()> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    if input.len() < 24 || input[..4] != [0xd4, 0xc3, 0xb2, 0xa1] {
        return Err(bad("need a little-endian microsecond pcap"));
    }
    let link = u32::from_le_bytes([input[20], input[21], input[22], input[23]]);
    let mut header = input[..24].to_vec();
    header[16..20].copy_from_slice(&262144u32.to_le_bytes());
    out.write_all(&header)?;
    // The records of the input, and the server port (the SYN's destination).
    let mut records = Vec::new();
    let mut pos = 24;
    while pos + 16 <= input.len() {
        let caplen = u32::from_le_bytes([input[pos + 8], input[pos + 9], input[pos + 10], input[pos + 11]]) as usize;
        if pos + 16 + caplen > input.len() {
            break;
        }
        records.push((pos, caplen));
        pos += 16 + caplen;
    }
    let mut server_port = None;
    for &(p, _) in &records {
        let f = &input[p + 16..];
        if let Some(o) = ip_offset(link, f) {
            let ihl = ((f[o] & 0x0f) as usize) * 4;
            if f.get(o + ihl + 13).is_some_and(|fl| fl & 0x12 == 0x02) {
                server_port = Some([f[o + ihl + 2], f[o + ihl + 3]]);
                break;
            }
        }
    }
    let server_port = server_port.ok_or_else(|| bad("no SYN in the input"))?;
    for copy in 0..copies {
        let mut port = (1024 + (copy % 60000) as u16).to_be_bytes();
        if port == server_port {
            port = [0xff, 0xff];
        }
        // Distinct client addresses beyond 60000 copies keep connections apart.
        let host = (copy / 60000) as u8;
        for &(p, caplen) in &records {
            let mut rec = input[p..p + 16 + caplen].to_vec();
            let secs = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]).wrapping_add(copy / 100);
            rec[0..4].copy_from_slice(&secs.to_le_bytes());
            let f = &mut rec[16..];
            if let Some(o) = ip_offset(link, f) {
                let ihl = ((f[o] & 0x0f) as usize) * 4;
                let t = o + ihl;
                if f.len() >= t + 4 {
                    if f[t..t + 2] == server_port {
                        f[t + 2..t + 4].copy_from_slice(&port);
                        f[o + 15] = f[o + 15].wrapping_add(host);
                    } else {
                        f[t..t + 2].copy_from_slice(&port);
                        f[o + 19] = f[o + 19].wrapping_add(host);
                    }
                }
            }
            out.write_all(&rec)?;
        }
    }
    out.flush()
}
