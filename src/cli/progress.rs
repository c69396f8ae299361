//! The progress display on stderr, and messages that must not mix with it.
//! On a terminal, indicatif draws a bar: bytes read of a large capture,
//! captures done of a batch. Forced off a terminal (`--progress`), plain
//! lines without escape codes. Shared by the workers of a batch.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
enum Mode {
    Off,
    /// indicatif's bar on the terminal.
    Bar(ProgressBar),
    /// Plain lines, at most one every 5 s (the last time one was written).
    Lines(Mutex<Option<Instant>>),
}

pub struct Progress {
    mode: Mode,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress {
    /// `on`: show progress at all; `tty`: stderr is a terminal.
    pub fn new(on: bool, tty: bool) -> Progress {
        let mode = match (on, tty) {
            (false, _) => Mode::Off,
            (true, true) => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(5));
                Mode::Bar(bar)
            }
            (true, false) => Mode::Lines(Mutex::new(None)),
        };
        Progress { mode }
    }

    /// A batch of `n` captures starts: a counter of captures done.
    pub fn batch(&self, n: usize) {
        if let Mode::Bar(b) = &self.mode {
            b.set_style(style("{spinner} [{pos}/{len}] captures {elapsed_precise} {wide_msg}"));
            b.set_length(n as u64);
            b.set_position(0);
            b.enable_steady_tick(Duration::from_millis(200));
        }
    }

    /// Capture `i` of `n` starts.
    pub fn capture(&self, i: usize, n: usize, name: &str) {
        match &self.mode {
            Mode::Off => {}
            // Alone, the bar appears with the first bytes (large captures only).
            Mode::Bar(b) if n > 1 => b.set_message(name.to_string()),
            Mode::Bar(_) => {}
            Mode::Lines(last) => {
                if n > 1 {
                    Self::line(last, &format!("[{}/{n}] {name}", i + 1), true);
                }
            }
        }
    }

    /// How far the reading of a capture got (`total` 0: a stream of unknown size).
    pub fn bytes(&self, (i, n): (usize, usize), name: &str, done: u64, total: u64) {
        match &self.mode {
            Mode::Off => {}
            // In a batch the bar counts captures; alone, it shows the bytes.
            Mode::Bar(b) if n == 1 => {
                if b.length() != Some(total) || b.position() == 0 {
                    // The style first: setting the length draws.
                    let t = if total == 0 {
                        "{spinner} {bytes} read ({bytes_per_sec}) {elapsed_precise} {wide_msg}"
                    } else {
                        "[{bar:25}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_msg}"
                    };
                    b.set_style(style(t));
                    b.set_length(total);
                    b.set_message(name.to_string());
                }
                b.set_position(done);
            }
            Mode::Bar(_) => {}
            Mode::Lines(last) => {
                let line = if total == 0 {
                    format!("[{}/{n}] {name}: {} MB read", i + 1, done / 1_000_000)
                } else {
                    let pct = done * 100 / total.max(1);
                    format!("[{}/{n}] {name}: {pct}% of {} MB", i + 1, total / 1_000_000)
                };
                Self::line(last, &line, false);
            }
        }
    }

    /// A capture of a batch is done.
    pub fn done(&self) {
        if let Mode::Bar(b) = &self.mode
            && b.length().is_some_and(|l| b.position() < l)
        {
            b.inc(1);
        }
    }

    fn line(last: &Mutex<Option<Instant>>, line: &str, always: bool) {
        let Ok(mut t) = last.lock() else { return };
        if !always && t.is_some_and(|t| t.elapsed() < Duration::from_secs(5)) {
            return;
        }
        *t = Some(Instant::now());
        eprintln!("{line}");
    }

    /// Erases the bar for good.
    pub fn clear(&self) {
        if let Mode::Bar(b) = &self.mode {
            // A bar that never showed anything is not drawn, even to be erased.
            if b.length().is_none() {
                b.set_draw_target(ProgressDrawTarget::hidden());
            }
            b.finish_and_clear();
        }
    }

    /// Writes messages as one block; the bar is hidden while they are written.
    pub fn messages(&self, lines: &[String]) {
        let write = || {
            for m in lines {
                eprintln!("pcap-tls-audit: {m}");
            }
        };
        match &self.mode {
            _ if lines.is_empty() => {}
            // suspend() draws the bar again afterwards: only once it shows something.
            Mode::Bar(b) if b.length().is_some() => b.suspend(write),
            _ => write(),
        }
    }

    pub fn message(&self, m: &str) {
        self.messages(&[m.to_string()]);
    }
}
