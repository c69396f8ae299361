//! Record framing found again in a stream that starts in the middle of a
//! record (a capture started during a download, the second file of a
//! `tcpdump -C -W` ring buffer) or goes on after bytes the capture missed,
//! as Wireshark does: the next plausible record header, confirmed by the
//! one after it when the segment holds it. Bytes before it are skipped,
//! never read as "not TLS".

use super::hello::record_header;

/// Bytes looked through for a record header before the direction is given
/// up on (a record is at most 18 KiB, so a stream of TLS shows one sooner).
pub(super) const MAX_RESYNC: usize = 64 * 1024;

/// The first offset in `bytes` where a plausible record starts.
pub(super) fn resync_point(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len().saturating_sub(4)).find(|&i| plausible_at(bytes, i))
}

/// A record header at `i` of a version from TLS 1.0 on (record versions
/// 3.1 to 3.3) and, when the segment holds the next header, a plausible one there.
fn plausible_at(b: &[u8], i: usize) -> bool {
    let Some(rest) = b.get(i..) else { return false };
    let Some((ct, len)) = record_header(rest) else {
        return false;
    };
    if !(20..=23).contains(&ct) || !(1..=3).contains(&rest[2]) {
        return false;
    }
    match rest.get(5 + len..) {
        Some(next) if next.len() >= 5 => record_header(next).is_some(),
        Some([]) | None => true,
        Some(next) => (20..=24).contains(&next[0]) && next.get(1).is_none_or(|v| *v == 3),
    }
}

/// Bytes that read as text (a plaintext protocol), not as a TLS stream cut
/// in the middle of a record: printable ASCII, tabs and line ends.
pub(super) fn textual(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 4
        && head
            .iter()
            .all(|&c| (0x20..0x7f).contains(&c) || matches!(c, b'\r' | b'\n' | b'\t'))
}

/// A plaintext handshake message at the start of a record's body: a known
/// type and a length that fits (or a message that fills the record). A
/// record of a stream joined in the middle that is not one is encrypted,
/// or the rest of a message that began before the capture.
pub(super) fn looks_like_handshake(body: &[u8]) -> bool {
    let [t, a, b, c, ..] = *body else { return false };
    let len = (usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c);
    matches!(t, 1 | 2 | 4 | 8 | 11 | 12 | 13 | 14 | 15 | 16 | 20 | 22 | 24)
        && (len + 4 <= body.len() || (body.len() >= 16 * 1024 && len <= super::MAX_HANDSHAKE_LEN))
}

/// A plaintext ClientHello at the start of a handshake record (a second one,
/// after a HelloRetryRequest the capture missed): a handshake message of
/// type 1 with a legacy version 3.x. An encrypted Finished looks like this
/// by chance once in billions.
pub(super) fn looks_like_client_hello(body: &[u8]) -> bool {
    matches!(body, [1, _, _, _, 3, minor, ..] if *minor <= 4) && looks_like_handshake(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ct: u8, len: usize) -> Vec<u8> {
        let mut r = vec![ct, 3, 3, (len >> 8) as u8, len as u8];
        r.extend(std::iter::repeat_n(0xa5, len));
        r
    }

    #[test]
    fn the_next_record_is_found_after_the_tail_of_one_cut_by_the_capture() {
        let mut s = vec![0x9c; 700];
        s.extend(record(23, 300));
        s.extend(record(23, 40));
        assert_eq!(resync_point(&s), Some(700));
        // A header whose successor is implausible is passed over.
        let mut t = vec![23, 3, 3, 0, 2, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05];
        t.extend(record(21, 26));
        assert_eq!(resync_point(&t), Some(12));
        // A record that goes on past the segment is taken.
        let mut u = vec![0x11; 30];
        u.extend(&record(23, 16_000)[..900]);
        assert_eq!(resync_point(&u), Some(30));
        assert_eq!(resync_point(&[0x17; 5000]), None);
    }

    #[test]
    fn text_and_handshake_messages_are_told_apart_from_ciphertext() {
        assert!(textual(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"));
        assert!(!textual(&[0x17, 3, 3, 0, 40, 0x80, 0x81, 0x82]));
        assert!(looks_like_handshake(&[11, 0, 0, 3, 0, 0, 0]));
        assert!(!looks_like_handshake(&[0xa7, 0, 0, 3, 0, 0, 0]));
        assert!(!looks_like_handshake(&[11, 0x40, 0, 3, 0, 0, 0]));
        assert!(looks_like_client_hello(&[1, 0, 0, 3, 3, 3, 0]));
        assert!(!looks_like_client_hello(&[20, 0, 0, 3, 3, 3, 0]));
    }
}
