//! Makes a realistic capture for benchmarks and scale tests, and its truth
//! file (see `benches/support/generate.rs`):
//!
//!     cargo run --release --example make_capture -- OUT.pcap SIZE_MB CONNECTIONS SEED [OPEN [RECORDS]] [--shapes=K=N,...]
//!
//! Writes OUT.pcap and OUT.pcap.truth.tsv (OUT `-`: the capture to
//! standard output, no truth file). SIZE_MB or CONNECTIONS, whichever
//! is reached first, ends it; OPEN connections are interleaved at a time
//! (default 64); RECORDS application-data records follow a completed
//! handshake on average (default 50, about 1.2 KB each). `--shapes` gives
//! shares per mille (`generate::Shapes`): `started_before`, `server_only`,
//! `clock_steps`, `acked_drops`, e.g. `--shapes=started_before=50,acked_drops=10`.

#[path = "../benches/support/generate.rs"]
mod generate;

/// `--shapes=K=N,...` (per mille each).
fn shapes(spec: &str) -> generate::Shapes {
    let mut s = generate::Shapes::default();
    for kv in spec.split(',').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let Ok(v) = v.parse::<u32>() else {
            eprintln!("make_capture: {kv:?}: a share per mille is a number");
            std::process::exit(2)
        };
        match k {
            "started_before" => s.started_before = v,
            "server_only" => s.server_only = v,
            "clock_steps" => s.clock_steps = v,
            "acked_drops" => s.acked_drops = v,
            _ => {
                eprintln!("make_capture: {k:?}: not a shape (started_before, server_only, clock_steps, acked_drops)");
                std::process::exit(2)
            }
        }
    }
    s
}

fn main() {
    let (flags, args): (Vec<String>, Vec<String>) = std::env::args().partition(|a| a.starts_with("--shapes="));
    let shapes = flags
        .last()
        .map(|f| shapes(&f["--shapes=".len()..]))
        .unwrap_or_default();
    if args.len() < 5 {
        eprintln!("usage: make_capture OUT.pcap SIZE_MB CONNECTIONS SEED [OPEN [RECORDS]]");
        std::process::exit(2);
    }
    let num = |i: usize| -> u64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("make_capture: {:?} is not a number", args[i]);
            std::process::exit(2)
        })
    };
    let (mb, conns, seed) = (num(2), num(3) as u32, num(4));
    let open = if args.len() > 5 { num(5) as usize } else { 64 };
    let records = if args.len() > 6 { num(6) as u32 } else { 50 };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let create = |p: String| {
        std::fs::File::create(&p)
            .map(std::io::BufWriter::new)
            .unwrap_or_else(|e| {
                eprintln!("make_capture: {p}: {e}");
                std::process::exit(2)
            })
    };
    // `-`: the capture goes to standard output (a 20 GB benchmark piped
    // into the tool, never written to disk) and the truth file is not kept.
    let (mut pcap, mut truth): (Box<dyn std::io::Write>, Box<dyn std::io::Write>) = if args[1] == "-" {
        (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            Box::new(std::io::sink()),
        )
    } else {
        (
            Box::new(create(args[1].clone())),
            Box::new(create(format!("{}.truth.tsv", args[1]))),
        )
    };
    match generate::generate_shaped(
        &templates,
        (mb * 1_000_000, conns, open, records),
        shapes,
        seed,
        &mut pcap,
        &mut truth,
    ) {
        Ok((bytes, n)) => eprintln!("make_capture: {} bytes, {n} connections", bytes),
        Err(e) => {
            eprintln!("make_capture: {e}");
            std::process::exit(2)
        }
    }
}
