//! The floor for benchmarks: the least any tool must do to read a capture,
//! walking the pcap record headers of a memory-mapped file and counting
//! packets and bytes.
//!
//!     cargo run --release --example floor -- CAPTURE.pcap

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: floor CAPTURE.pcap");
        std::process::exit(2);
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("floor: {path}: {e}");
        std::process::exit(2)
    });
    // SAFETY: the file is only read; a benchmark's input is not modified while it runs.
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap_or_else(|e| {
        eprintln!("floor: {path}: {e}");
        std::process::exit(2)
    });
    let d = &map[..];
    let (mut pos, mut packets, mut bytes, mut sum) = (24usize, 0u64, 0u64, 0u64);
    while pos + 16 <= d.len() {
        let caplen = u32::from_le_bytes([d[pos + 8], d[pos + 9], d[pos + 10], d[pos + 11]]) as usize;
        // Touch the packet's first bytes, as a parser must.
        sum = sum.wrapping_add(u64::from(*d.get(pos + 16).unwrap_or(&0)));
        pos += 16 + caplen;
        packets += 1;
        bytes += caplen as u64;
    }
    println!("{packets} packets, {bytes} bytes ({sum})");
}
