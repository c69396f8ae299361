//! Cache hints: ask the processor for bytes a little before they are read,
//! so that the wait for memory overlaps other work. Hints only: nothing
//! the program computes depends on them.

/// Brings the cache line holding the first byte of `bytes` (when there is
/// one) towards this core.
pub fn first_bytes(bytes: &[u8]) {
    if let Some(b) = bytes.first() {
        line(b);
    }
}

/// Brings the cache lines holding `bytes[at]` and the byte 64 after it
/// (a record header and the packet headers after it).
pub fn two_lines(bytes: &[u8], at: usize) {
    if let Some(b) = bytes.get(at) {
        line(b);
    }
    if let Some(b) = bytes.get(at.saturating_add(64)) {
        line(b);
    }
}

fn line(b: &u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of every x86_64 processor, and the pointer
        // comes from a reference; a prefetch reads nothing into the program.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((b as *const u8).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = b;
}
