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

/// How far ahead of the reading position `stream` asks for the bytes.
/// Measured (docs/performance.md, `benches/ab.py 15` on the 2 GB capture
/// mapped in 2 MiB pages): 16 KiB median 0.396 s, 48 KiB 0.354 s, 64 KiB
/// 0.371 s; 512 KiB was slower; in 4 KiB pages 16 and 48 KiB alike.
const STREAM_AHEAD: usize = 48 << 10;

/// Brings every cache line of `bytes` up to `STREAM_AHEAD` bytes after `at`
/// towards this core, for bytes read in order and once (a capture's
/// records, each header saying where the next one is: the walk otherwise
/// waits for each in turn). `asked` is where the last call stopped; it
/// moves on. The hint is non-temporal, so that the whole file passing
/// through does not push the connections' state out of the caches
/// (measured in docs/performance.md: a plain hint slowed `--jobs 1`).
/// Worth it only on mapped pages: a hint for a page not mapped yet costs a
/// page walk and is dropped, so the caller maps the file ahead (`Pages`).
pub fn stream(bytes: &[u8], at: usize, asked: &mut usize) {
    let until = at.saturating_add(STREAM_AHEAD).min(bytes.len());
    let mut p = (*asked).max(at);
    while let Some(b) = bytes.get(p).filter(|_| p < until) {
        line_once(b);
        p += 64;
    }
    *asked = p;
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

/// As `line`, for bytes read once (non-temporal).
fn line_once(b: &u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_NTA, _mm_prefetch};
        // SAFETY: as in `line`.
        unsafe { _mm_prefetch::<_MM_HINT_NTA>((b as *const u8).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = b;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_moves_on_and_stays_inside() {
        let bytes = vec![0u8; 4 * STREAM_AHEAD];
        let mut asked = 0;
        stream(&bytes, 0, &mut asked);
        assert_eq!(asked, STREAM_AHEAD);
        stream(&bytes, 100, &mut asked);
        assert_eq!(asked, STREAM_AHEAD + 128, "only the lines not asked for yet");
        stream(&bytes, bytes.len() - 10, &mut asked);
        assert!(asked >= bytes.len() && asked < bytes.len() + 64, "{asked}");
        stream(&bytes, usize::MAX, &mut asked);
        assert_eq!(asked, usize::MAX, "an offset past the end asks for nothing");
        stream(&[], 0, &mut 0);
    }
}
