//! The progress display on stderr, and messages that must not mix with it.

/// The progress display on stderr: one line redrawn in place on a terminal,
/// plain lines (no escape codes) when forced elsewhere; erased before any
/// message so that the two never mix.
pub struct Progress {
    on: bool,
    tty: bool,
    drawn: std::cell::Cell<bool>,
    last: std::cell::Cell<Option<std::time::Instant>>,
}

impl Progress {
    pub fn new(on: bool, tty: bool) -> Progress {
        Progress {
            on,
            tty,
            drawn: std::cell::Cell::new(false),
            last: std::cell::Cell::new(None),
        }
    }

    /// Shows a line; `always` for a new file, else at most every 200 ms (5 s off a terminal).
    pub fn show(&self, line: &str, always: bool) {
        let every = if self.tty { 200 } else { 5000 };
        if !self.on || (!always && self.last.get().is_some_and(|t| t.elapsed().as_millis() < every)) {
            return;
        }
        self.last.set(Some(std::time::Instant::now()));
        if self.tty {
            eprint!("\r{line}\x1b[K");
            self.drawn.set(true);
        } else {
            eprintln!("{line}");
        }
    }

    pub fn clear(&self) {
        if self.drawn.replace(false) {
            eprint!("\r\x1b[K");
        }
    }

    pub fn message(&self, m: &str) {
        self.clear();
        eprintln!("pcap-tls-audit: {m}");
    }
}
