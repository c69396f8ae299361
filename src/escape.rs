//! Escaping of strings that come from a capture, so that no control character
//! or terminal escape sequence reaches a terminal and JSON stays valid UTF-8.
//!
//! Printable UTF-8 is kept as it is; control characters (C0, DEL, C1), and
//! bytes that are not UTF-8, become `\xNN` (`\u{NNNN}` for C1 characters);
//! a backslash becomes `\\` so that the escaping cannot be forged.

/// Escapes bytes for display.
pub fn text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
                c if (0x80..0xa0).contains(&(c as u32)) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
                // Bidirectional overrides can make a name read differently from what it is.
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// A short escaped preview of a non-TLS answer; CR and LF shown as in C.
pub fn preview(b: &[u8]) -> String {
    let cut = &b[..b.len().min(crate::tls::PREVIEW_LEN)];
    let s = text(cut).replace("\\x0d", "\\r").replace("\\x0a", "\\n");
    if b.len() > cut.len() { format!("{s}...") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_invalid_bytes_are_escaped() {
        assert_eq!(text(b"a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(text(b"\xff\xfe"), "\\xff\\xfe");
        assert_eq!(text("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(text("\u{9b}".as_bytes()), "\\u{009b}");
        assert_eq!(text(b"a\\b"), "a\\\\b");
        assert_eq!(preview(b"HTTP/1.1 400\r\n"), "HTTP/1.1 400\\r\\n");
    }
}
