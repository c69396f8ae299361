//! The progress display on stderr, and messages that must not mix with it.
//! Shared by the workers of a batch: one lock orders the lines.

use std::sync::Mutex;
use std::time::Instant;

/// What is on the screen.
#[derive(Default)]
struct Screen {
    /// A progress line is drawn (on a terminal) and must be erased first.
    drawn: bool,
    last: Option<Instant>,
}

/// The progress display on stderr: one line redrawn in place on a terminal,
/// plain lines (no escape codes) when forced elsewhere; erased before any
/// message so that the two never mix.
pub struct Progress {
    on: bool,
    tty: bool,
    screen: Mutex<Screen>,
}

impl Progress {
    pub fn new(on: bool, tty: bool) -> Progress {
        Progress {
            on,
            tty,
            screen: Mutex::new(Screen::default()),
        }
    }

    /// Shows a line; `always` for a new file, else at most every 200 ms (5 s off a terminal).
    pub fn show(&self, line: &str, always: bool) {
        if !self.on {
            return;
        }
        let Ok(mut s) = self.screen.lock() else { return };
        let every = if self.tty { 200 } else { 5000 };
        if !always && s.last.is_some_and(|t| t.elapsed().as_millis() < every) {
            return;
        }
        s.last = Some(Instant::now());
        if self.tty {
            eprint!("\r{line}\x1b[K");
            s.drawn = true;
        } else {
            eprintln!("{line}");
        }
    }

    pub fn clear(&self) {
        if let Ok(mut s) = self.screen.lock() {
            Self::erase(&mut s);
        }
    }

    fn erase(s: &mut Screen) {
        if s.drawn {
            eprint!("\r\x1b[K");
            s.drawn = false;
        }
    }

    /// Writes messages as one block, the progress line erased first.
    pub fn messages(&self, lines: &[String]) {
        let guard = self.screen.lock();
        if let Ok(mut s) = guard {
            Self::erase(&mut s);
            for m in lines {
                eprintln!("pcap-tls-audit: {m}");
            }
        } else {
            for m in lines {
                eprintln!("pcap-tls-audit: {m}");
            }
        }
    }

    pub fn message(&self, m: &str) {
        self.messages(&[m.to_string()]);
    }
}
