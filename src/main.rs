//! Command line of pcap-tls-audit: parses the arguments, runs the library on
//! each capture (`cli`), prints the report and exits with the contract's code.

use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc: connections allocate and free small buffers all the time; the
/// system allocator gave pages back to the kernel and took them again (a
/// fifth of the time went to clearing fresh pages, docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::flags::Cli::parse();
    match cli::run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("pcap-tls-audit: {e}");
            ExitCode::from(2)
        }
    }
}
