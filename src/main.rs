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

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; libmimalloc-sys names no
/// constant for it; `purge_delay_option_is_the_one_mimalloc_documents`
/// checks the number against its default, 1000 ms in mimalloc 3's options.c).
const MI_OPTION_PURGE_DELAY: std::os::raw::c_int = 15;

/// Memory freed stays with the allocator for reuse instead of being purged
/// after a second: on a capture of 300 000 short connections purging and
/// refaulting cost a quarter of the time. The peak is what it was.
fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores an option value.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// The heap in small (4 KiB) pages, not transparent huge ones. mimalloc
/// asks for huge pages on its arena (`MADV_HUGEPAGE`) unless built with its
/// `no_thp` feature (Cargo.toml); each thread's pages lie in regions of
/// their own, so most of each 2 MiB page the kernel clears stays unused.
/// Measured (docs/performance.md): peak RssAnon 54-60 MiB with huge pages,
/// 12-19 MiB without on the 2 GB capture; on the 300 000-connection capture
/// clearing huge pages was 14% of the samples, and 0.4% with small ones.
///
/// Where the system gives huge pages to all memory ("always"), the process
/// asks for none except where advised (Linux 6.18). Not for every mapping:
/// a capture whose file lies in the page cache in 2 MiB folios is then
/// mapped 2 MiB at a time (mapping the 2 GB capture in such folios took
/// 0.1 s with huge pages disabled for the process, 5 ms with them allowed;
/// in 4 KiB folios 0.2 s either way). An older kernel refuses that flag; then the
/// process asks for no huge pages at all, but only where the system would
/// give them unasked.
fn small_heap_pages() {
    #[cfg(target_os = "linux")]
    {
        /// linux/prctl.h (6.18): huge pages only where `MADV_HUGEPAGE` asks.
        const PR_THP_DISABLE_EXCEPT_ADVISED: libc::c_ulong = 1 << 1;
        let always = || {
            std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").is_ok_and(|s| s.contains("[always]"))
        };
        // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; no
        // pointer is passed.
        unsafe {
            let one: libc::c_ulong = 1;
            if libc::prctl(libc::PR_SET_THP_DISABLE, one, PR_THP_DISABLE_EXCEPT_ADVISED, 0, 0) != 0 && always() {
                libc::prctl(libc::PR_SET_THP_DISABLE, one, 0, 0, 0);
            }
        }
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    small_heap_pages();
    let args = cli::flags::Cli::parse();
    match cli::run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("pcap-tls-audit: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_option_is_the_one_mimalloc_documents() {
        // SAFETY: reads an option value.
        let v = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(v, 1000, "mimalloc 3's purge_delay defaults to 1000 ms");
    }
}
