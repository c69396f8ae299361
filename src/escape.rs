//! Escaping of strings that come from a capture, so that no control character
//! or terminal escape sequence reaches a terminal and JSON stays valid UTF-8.
//!
//! Printable UTF-8 is kept as it is; control characters (C0, DEL, C1), and
//! bytes that are not UTF-8, become `\xNN` (`\u{NNNN}` for C1 characters);
//! bidirectional controls and the Unicode line and paragraph separators
//! become `\u{NNNN}` too, so that a name cannot read differently from what
//! it is or break a line; a backslash becomes `\\`, so that every escape in
//! the output stands for exactly one input character and none can be forged.

/// Bytes of a non-TLS answer kept and shown as evidence.
pub const PREVIEW_LEN: usize = 96;

/// Escapes text for HTML and XML (element text and quoted attributes):
/// `& < > " '` as entities, and control characters other than newline and
/// tab (which XML 1.0 does not allow) as `\xNN`. Strings from a capture are
/// already free of them (`text`); this is the second guard.
pub fn markup(s: &str) -> String {
    use std::fmt::Write as _;
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t') => {
                let _ = write!(o, "\\x{:02x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

/// Escapes bytes for display.
pub fn text(b: &[u8]) -> String {
    escape(b, false)
}

/// A short escaped preview of a non-TLS answer; CR and LF shown as `\r` and `\n`.
pub fn preview(b: &[u8]) -> String {
    let cut = &b[..b.len().min(PREVIEW_LEN)];
    let s = escape(cut, true);
    if b.len() > cut.len() { format!("{s}...") } else { s }
}

/// Characters that change how the text around them is displayed.
fn invisible_control(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' // bidi marks
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' // bidi embeddings, overrides, isolates
        | '\u{2028}' | '\u{2029}') // line and paragraph separators
}

fn escape(b: &[u8], crlf: bool) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\r' if crlf => out.push_str("\\r"),
                '\n' if crlf => out.push_str("\\n"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
                c if (0x80..0xa0).contains(&(c as u32)) || invisible_control(c) => {
                    out.push_str(&format!("\\u{{{:04x}}}", c as u32))
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
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

    #[test]
    fn bidi_controls_and_line_separators_are_neutralised() {
        assert_eq!(text("a\u{202e}b".as_bytes()), "a\\u{202e}b");
        assert_eq!(text("a\u{2028}b\u{2029}".as_bytes()), "a\\u{2028}b\\u{2029}");
        assert_eq!(text("\u{200f}x\u{2067}".as_bytes()), "\\u{200f}x\\u{2067}");
    }

    #[test]
    fn the_preview_cannot_be_forged() {
        // The four characters `\x0d` and a real CR must not print alike, nor `\r` and CR.
        assert_eq!(preview(b"\\x0d"), "\\\\x0d");
        assert_eq!(preview(b"\\r"), "\\\\r");
        assert_eq!(preview(b"\r"), "\\r");
        assert_ne!(preview(b"\\r"), preview(b"\r"));
        assert_eq!(preview(b"\x0b"), "\\x0b");
    }
}
