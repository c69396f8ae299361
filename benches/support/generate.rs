//! A realistic capture generator for benchmarks and scale tests (shared by
//! `examples/make_capture.rs` and `tests/generated.rs`).
//!
//! Connections are replayed from the recorded samples (real TLS 1.2 and 1.3
//! handshakes from openssl, Java, curl, python; chains of 2 certificates
//! split across segments), over IPv4 and IPv6, interleaved, most of them
//! followed by application data (most of the volume), about 5% failing in
//! several ways, with some retransmitted and some reordered segments. A
//! truth file gives each connection's expected status.

use std::io::Write;
use std::net::IpAddr;

use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::packet;

/// One recorded connection: its segments (from the client?, TCP flags,
/// payload) in capture order, pure ACKs left out, and its status.
pub struct Template {
    pub name: &'static str,
    pub status: &'static str,
    segs: Vec<(bool, u8, Vec<u8>)>,
    /// Application data follows the handshake (the connection completed).
    completes: bool,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// The samples replayed, their statuses, and the share of connections (per mille).
pub const MIX: &[(&str, &str, u32)] = &[
    ("tls12-ok.pcap", "ok", 470),
    ("tls13-ok.pcap", "ok", 300),
    ("curl-tls13-ok.pcap", "ok", 180),
    ("java-pkix-tls12.pcap", "failed", 15),
    ("openssl-unknown-ca.pcap", "failed", 10),
    ("server-reset.pcap", "failed", 10),
    ("no-shared-cipher.pcap", "failed", 5),
    ("refused.pcap", "no_connection", 10),
];

/// Reads a sample's one connection as a template.
pub fn template(dir: &std::path::Path, name: &'static str, status: &'static str) -> Template {
    let cf = CaptureFile::open(&dir.join(name)).expect("a sample");
    let mut segs = Vec::new();
    let mut client: Option<(IpAddr, u16)> = None;
    for f in cf.frames().expect("a capture") {
        let Ok(s) = packet::decode(f.link_type, f.data, f.orig_len) else {
            continue;
        };
        if client.is_none() && s.flags & SYN != 0 && s.flags & ACK == 0 {
            client = Some((s.src, s.sport));
        }
        let from_client = client == Some((s.src, s.sport));
        if s.payload.is_empty() && s.flags & (SYN | FIN | RST) == 0 {
            continue;
        }
        segs.push((from_client, s.flags, s.payload.to_vec()));
    }
    Template {
        name,
        status,
        segs,
        completes: status == "ok",
    }
}

/// A tiny deterministic generator (xorshift), so that a seed gives one capture.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// How much of a connection the capture shows, as the field cuts captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Whole,
    /// The capture began after its handshake (a pooled connection).
    StartedBefore,
    /// Only the server's packets were captured (asymmetric routing).
    ServerOnly,
}

/// Shares (per mille) of the completing connections that the capture shows
/// only part of; each is `incomplete` in the truth file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shapes {
    pub started_before: u32,
    pub server_only: u32,
    /// Per mille of the connections whose first packet is dated ten years
    /// ahead (a clock that stepped for one frame); their status is as without.
    pub clock_steps: u32,
    /// Per mille of the completing connections missing one of the server's
    /// application-data segments, which the client's next segment
    /// acknowledges (tcpdump's "packets dropped by kernel"); still `ok`.
    pub acked_drops: u32,
}

/// One connection being written: its packets still to go.
struct Live {
    packets: std::collections::VecDeque<Vec<u8>>,
}

/// Where a connection's packets go: IP version, client number, ports (client, server).
#[derive(Clone, Copy)]
struct Endpoints {
    v6: bool,
    client: u32,
    ports: (u16, u16),
}

/// One packet: (seq, ack, flags) from the client or the server.
fn ip_packet(e: Endpoints, from_client: bool, (seq, ack, flags): (u32, u32, u8), payload: &[u8]) -> Vec<u8> {
    let Endpoints { v6, client, ports } = e;
    let (c4, s4) = ([10, 1, (client >> 8) as u8, client as u8], [10, 2, 0, 1]);
    let mut c6 = [0u8; 16];
    c6[..4].copy_from_slice(&[0x20, 1, 0xd, 0xb8]);
    c6[12..].copy_from_slice(&client.to_be_bytes());
    let mut s6 = [0u8; 16];
    s6[..4].copy_from_slice(&[0x20, 1, 0xd, 0xb8]);
    s6[15] = 1;
    let (sport, dport) = if from_client { ports } else { (ports.1, ports.0) };
    let b = match (v6, from_client) {
        (false, true) => etherparse::PacketBuilder::ipv4(c4, s4, 64),
        (false, false) => etherparse::PacketBuilder::ipv4(s4, c4, 64),
        (true, true) => etherparse::PacketBuilder::ipv6(c6, s6, 64),
        (true, false) => etherparse::PacketBuilder::ipv6(s6, c6, 64),
    };
    let mut t = b.tcp(sport, dport, seq, 65535);
    if flags & SYN != 0 {
        t = t.syn();
    }
    if flags & ACK != 0 {
        t = t.ack(ack);
    }
    if flags & FIN != 0 {
        t = t.fin();
    }
    if flags & RST != 0 {
        t = t.rst();
    }
    // Ethernet (zero addresses), as `tcpdump -i eth0` writes it: every tool reads it.
    let mut out = vec![0u8; 12];
    out.extend_from_slice(if v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
    t.write(&mut out, payload).expect("a packet");
    out
}

/// The packets of one connection: the template's segments with new
/// addresses and sequence numbers, application data after a completed
/// handshake, and now and then a retransmission or two segments swapped.
fn connection(t: &Template, id: u32, (data_records, drop): (usize, bool), shape: Shape, rng: &mut Rng) -> Vec<Vec<u8>> {
    let ends = Endpoints {
        v6: id % 4 == 3,
        client: id / 50_000 * 50_000 + id,
        ports: (10_000 + (id % 50_000) as u16, 443),
    };
    let (mut cseq, mut sseq) = (rng.next() as u32, rng.next() as u32);
    // Each packet with who sent it.
    let mut out: Vec<(bool, Vec<u8>)> = Vec::new();
    let emit = |from_client: bool,
                flags: u8,
                payload: &[u8],
                out: &mut Vec<(bool, Vec<u8>)>,
                cseq: &mut u32,
                sseq: &mut u32| {
        let (seq, ack) = if from_client { (*cseq, *sseq) } else { (*sseq, *cseq) };
        let ack_flag = if flags & SYN != 0 && from_client { 0 } else { ACK };
        out.push((
            from_client,
            ip_packet(ends, from_client, (seq, ack, flags | ack_flag), payload),
        ));
        let used = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        if from_client {
            *cseq = cseq.wrapping_add(used);
        } else {
            *sseq = sseq.wrapping_add(used);
        }
    };
    let mut closes = Vec::new();
    for (from_client, flags, payload) in &t.segs {
        if flags & (FIN | RST) != 0 && t.completes {
            closes.push((*from_client, *flags, payload.clone()));
            continue;
        }
        // Data in 1400-byte segments, as on a real network.
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![&[][..]]
        } else {
            payload.chunks(1400).collect()
        };
        for (k, c) in chunks.iter().enumerate() {
            let last = k + 1 == chunks.len();
            let f = if last { *flags & (SYN | FIN | RST) } else { 0 };
            emit(*from_client, f, c, &mut out, &mut cseq, &mut sseq);
        }
    }
    // Application data both ways (TLS records of type 23), then the close.
    let handshake_end = out.len();
    for r in 0..data_records {
        let from_client = r % 4 == 0;
        let len = if from_client { 200 } else { 1380 };
        let mut rec = vec![23, 3, 3, (len >> 8) as u8, len as u8];
        rec.extend((0..len).map(|i| (i as u64 ^ rng.next()) as u8));
        emit(from_client, 0, &rec, &mut out, &mut cseq, &mut sseq);
    }
    for (from_client, flags, payload) in closes {
        emit(
            from_client,
            flags & (FIN | RST),
            &payload,
            &mut out,
            &mut cseq,
            &mut sseq,
        );
    }
    // A server segment lost by the capture, acknowledged by the client's next
    // one (after it, data records alternate: one from the client in four).
    let dropped = drop && data_records >= 6;
    if dropped {
        out.remove(handshake_end + 2);
    }
    // Some disorder: a retransmitted packet, or two neighbours swapped.
    if out.len() > 8 && !dropped {
        match rng.below(20) {
            0 => {
                let i = 4 + rng.below(out.len() as u64 - 6) as usize;
                let dup = out[i].clone();
                out.insert(i + 2, dup);
            }
            1 => {
                let i = 4 + rng.below(out.len() as u64 - 6) as usize;
                out.swap(i, i + 1);
            }
            _ => {}
        }
    }
    match shape {
        Shape::Whole => out.into_iter().map(|(_, p)| p).collect(),
        Shape::StartedBefore => out.into_iter().skip(handshake_end).map(|(_, p)| p).collect(),
        Shape::ServerOnly => out.into_iter().filter(|(c, _)| !*c).map(|(_, p)| p).collect(),
    }
}

/// The replayed samples of `MIX` (in `dir`), with their shares.
pub fn templates(dir: &std::path::Path) -> Vec<(Template, u32)> {
    MIX.iter()
        .map(|(name, status, w)| (template(dir, name, status), *w))
        .collect()
}

/// Writes an Ethernet pcap of about `bytes` bytes (or `connections`
/// connections, whichever comes first), interleaving up to `open` connections
/// at a time, `records` application-data records per completed connection
/// on average (about 1.2 KB each), and the truth file: one line per connection, in the order of
/// their first packet: `client endpoint <TAB> status <TAB> sample`.
#[allow(dead_code)] // (used by the tests; make_capture calls generate_shaped)
pub fn generate(
    templates: &[(Template, u32)],
    sizes: (u64, u32, usize, u32),
    seed: u64,
    pcap: &mut impl Write,
    truth: &mut impl Write,
) -> std::io::Result<(u64, u32)> {
    generate_shaped(templates, sizes, Shapes::default(), seed, pcap, truth)
}

/// `generate`, with a share of the completing connections shown only in
/// part (`shapes`): started before the capture, or seen one way.
pub fn generate_shaped(
    templates: &[(Template, u32)],
    (bytes, connections, open, records): (u64, u32, usize, u32),
    shapes: Shapes,
    seed: u64,
    pcap: &mut impl Write,
    truth: &mut impl Write,
) -> std::io::Result<(u64, u32)> {
    let mut rng = Rng::new(seed);
    pcap.write_all(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0,
    ])?;
    let total: u32 = templates.iter().map(|(_, w)| w).sum();
    let (mut written, mut started, mut frame) = (24u64, 0u32, 0u64);
    let mut live: Vec<Live> = Vec::new();
    // The next packet is dated ten years ahead (`Shapes::clock_steps`).
    let mut step = false;
    let mut write = |p: &[u8], frame: &mut u64, written: &mut u64, step: &mut bool| -> std::io::Result<()> {
        *frame += 1;
        let ahead = if std::mem::take(step) {
            315_360_000 * 1_000_000
        } else {
            0
        };
        let ts = 1_780_000_000u64 * 1_000_000 + *frame * 50 + ahead;
        pcap.write_all(&((ts / 1_000_000) as u32).to_le_bytes())?;
        pcap.write_all(&((ts % 1_000_000) as u32).to_le_bytes())?;
        pcap.write_all(&(p.len() as u32).to_le_bytes())?;
        pcap.write_all(&(p.len() as u32).to_le_bytes())?;
        pcap.write_all(p)?;
        *written += 16 + p.len() as u64;
        Ok(())
    };
    loop {
        if live.len() < open && started < connections && written < bytes {
            let mut pick = rng.below(total as u64) as u32;
            let t = templates
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map(|(t, _)| t)
                .unwrap_or(&templates[0].0);
            // Application-data records: `records` on average (two thirds to four thirds of it).
            let n = records as u64;
            let records = if t.completes {
                (n * 2 / 3 + rng.below(n * 2 / 3 + 1)) as usize
            } else {
                0
            };
            let shape = if t.completes && (shapes.started_before > 0 || shapes.server_only > 0) {
                let r = rng.below(1000) as u32;
                if r < shapes.started_before {
                    Shape::StartedBefore
                } else if r < shapes.started_before + shapes.server_only {
                    Shape::ServerOnly
                } else {
                    Shape::Whole
                }
            } else {
                Shape::Whole
            };
            let status = if shape == Shape::Whole { t.status } else { "incomplete" };
            let drop = t.completes && shapes.acked_drops > 0 && (rng.below(1000) as u32) < shapes.acked_drops;
            let mut packets: std::collections::VecDeque<Vec<u8>> =
                connection(t, started, (records, drop), shape, &mut rng).into();
            step = shapes.clock_steps > 0 && (rng.below(1000) as u32) < shapes.clock_steps;
            let client = started / 50_000 * 50_000 + started;
            let ip = if started % 4 == 3 {
                let mut c6 = [0u8; 16];
                c6[..4].copy_from_slice(&[0x20, 1, 0xd, 0xb8]);
                c6[12..].copy_from_slice(&client.to_be_bytes());
                format!("[{}]", std::net::Ipv6Addr::from(c6))
            } else {
                format!("10.1.{}.{}", (client >> 8) as u8, client as u8)
            };
            writeln!(truth, "{ip}:{}\t{}\t{}", 10_000 + (started % 50_000), status, t.name)?;
            // Its first packet goes out now: the truth file is in first-packet order.
            if let Some(p) = packets.pop_front() {
                write(&p, &mut frame, &mut written, &mut step)?;
            }
            live.push(Live { packets });
            started += 1;
            continue;
        }
        if live.is_empty() {
            break;
        }
        let i = rng.below(live.len() as u64) as usize;
        if let Some(p) = live[i].packets.pop_front() {
            write(&p, &mut frame, &mut written, &mut step)?;
        }
        if live[i].packets.is_empty() {
            live.swap_remove(i);
        }
    }
    Ok((written, started))
}
