//! Makes a large capture for benchmarks by repeating a small pcap's packets
//! with a different client port (and later timestamps) for each copy.
//!
//!     cargo run --release --example make_large_capture -- IN.pcap OUT.pcap COPIES
//!
//! The input must be a little-endian pcap of IPv4 over Linux SLL2, Ethernet or
//! raw IP (the samples are). Checksums are not recomputed (analysers do not check them).

#[path = "../benches/support/replicate.rs"]
mod replicate;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: make_large_capture IN.pcap OUT.pcap COPIES");
        std::process::exit(2);
    }
    let input = match std::fs::read(&args[1]) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: {e}", args[1]);
            std::process::exit(2);
        }
    };
    let copies: u32 = args[3].parse().unwrap_or(1000);
    let mut out = std::io::BufWriter::new(match std::fs::File::create(&args[2]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: {e}", args[2]);
            std::process::exit(2);
        }
    });
    if let Err(e) = replicate::replicate(&input, copies, &mut out) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
