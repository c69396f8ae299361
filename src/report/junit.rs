//! `--format junit`: JUnit XML as GitLab, Jenkins and GitHub's test
//! reporters read it. A testsuite per capture, a testcase per connection
//! (named by its server and SNI, the same on every run: the contract's
//! "JUnit names"), a `failure` with the cause and the
//! explanation for failed and no_connection ones (and for any connection a
//! `--fail-on` word matched), `skipped` for incomplete ones, the Wireshark
//! filter in `system-out`; a capture that could not be read, or whose
//! reading stopped early, has a testcase with an `error`.

use std::fmt::Write as _;

use super::{CaptureReport, ConnectionReport};
use crate::vocabulary::Status;

/// What a testcase says, for the suite's counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
    Error,
}

/// Escapes text for an XML attribute or element (`escape::markup`).
pub fn xml(s: &str) -> String {
    crate::escape::markup(s)
}

/// A testcase's name as the contract gives it, without its ` #K`:
/// `SERVER SNI` (`-` for no SNI). Stable across runs: no client port, no
/// frame number.
pub fn name(c: &ConnectionReport) -> String {
    format!("{} {}", c.server, c.sni.as_deref().unwrap_or("-"))
}

/// Marks where a testcase's ` #K` goes once the capture's repeats are
/// known (`Names`): never in escaped text, which shows control characters
/// as `\x01`.
pub const MARK: char = '\u{1}';

/// The classname of a capture's testcases: `pcap-tls-audit.` and the
/// capture's file name with every `.` made `_` (Jenkins reads dots as
/// Java packages).
pub fn classname(capture: &str) -> String {
    let file = capture.rsplit(['/', '!']).next().unwrap_or(capture);
    format!("pcap-tls-audit.{}", file.replace('.', "_"))
}

/// The names of a capture's testcases: per `SERVER SNI`, the ids of its
/// connections, so that each gets ` #K` (K in first-frame order) when the
/// name occurs more than once.
#[derive(Debug, Default)]
pub struct Names {
    ids: std::collections::HashMap<String, Vec<u64>>,
}

impl Names {
    /// Connection `id`'s testcase.
    pub fn add(&mut self, c: &ConnectionReport) {
        self.ids.entry(xml(&name(c))).or_default().push(c.id);
    }

    /// The ordered lists, once every connection has been added.
    pub fn seal(&mut self) {
        for v in self.ids.values_mut() {
            v.sort_unstable();
        }
    }

    /// A testcase line with its mark (`NAME MARK ID MARK`) made the final name.
    pub fn resolve(&self, line: &str) -> String {
        let mut parts = line.splitn(3, MARK);
        let (Some(head), Some(id), Some(tail)) = (parts.next(), parts.next(), parts.next()) else {
            return line.to_string();
        };
        let name = head.rsplit_once("name=\"").map_or("", |(_, n)| n);
        let k = (id.parse::<u64>().ok())
            .zip(self.ids.get(name))
            .filter(|(_, ids)| ids.len() > 1)
            .and_then(|(id, ids)| ids.binary_search(&id).ok());
        match k {
            Some(k) => format!("{head} #{}{tail}", k + 1),
            None => format!("{head}{tail}"),
        }
    }
}

/// The evidence under a failure: explanation, handshake, findings.
fn evidence(c: &ConnectionReport) -> String {
    let mut o = String::new();
    if let Some(f) = &c.failure {
        let _ = writeln!(o, "{}", f.explanation);
    }
    let _ = writeln!(o, "handshake:");
    for h in &c.handshake {
        let detail = h.detail.as_ref().map(|d| format!("  {d}")).unwrap_or_default();
        let _ = writeln!(o, "  frame {:>6}  {:<6}  {}{detail}", h.frame, h.from, h.message);
    }
    findings(&mut o, c);
    o
}

fn findings(o: &mut String, c: &ConnectionReport) {
    let chains = [&c.server_chain, &c.client_chain].into_iter().flatten();
    for f in c.findings.iter().chain(chains.flat_map(|ch| ch.findings.iter())) {
        let _ = writeln!(o, "! {}: {}", f.code, f.message);
    }
}

/// One connection's testcase. `gate` is the `--fail-on` word it matched.
pub fn testcase(c: &ConnectionReport, capture: &str, gate: Option<&str>) -> (String, Outcome) {
    let mut o = format!(
        "    <testcase name=\"{}{MARK}{}{MARK}\" classname=\"{}\" time=\"{:.6}\">\n",
        xml(&name(c)),
        c.id,
        xml(&classname(capture)),
        c.close.duration_s
    );
    let outcome = match (&c.failure, c.status, gate) {
        (Some(f), _, _) => {
            let side = match f.frame {
                Some(fr) => format!("{} gave up, frame {fr}", f.side),
                None => format!("{} gave up", f.side),
            };
            let _ = writeln!(
                o,
                "      <failure message=\"{}: {}\" type=\"{}\">{}</failure>",
                f.cause,
                xml(&side),
                f.cause,
                xml(&evidence(c))
            );
            Outcome::Failed
        }
        (None, _, Some(word)) => {
            let why = format!("matched --fail-on {word} (status {})", c.status);
            let _ = writeln!(
                o,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&why),
                xml(word),
                xml(&evidence(c))
            );
            Outcome::Failed
        }
        (None, Status::Incomplete, None) => {
            let note = c
                .note
                .as_deref()
                .unwrap_or("the capture does not show the end of the handshake");
            let _ = writeln!(o, "      <skipped message=\"incomplete: {}\"/>", xml(note));
            Outcome::Skipped
        }
        _ => Outcome::Passed,
    };
    let mut out = format!(
        "connection #{} {} -> {}, first frame {}\nwireshark: {}\n",
        c.id, c.client, c.server, c.first_frame, c.wireshark_filter
    );
    if let Some(n) = &c.note {
        let _ = writeln!(out, "{n}");
    }
    findings(&mut out, c);
    let _ = write!(o, "      <system-out>{}</system-out>\n    </testcase>\n", xml(&out));
    (o, outcome)
}

/// The testcases of the capture itself: its reading (an `error` when it
/// could not be read or stopped early).
pub fn capture_cases(rep: &CaptureReport) -> Vec<(String, Outcome)> {
    let problem = match (&rep.error, rep.read_stopped_early) {
        (Some(e), _) => Some(e.clone()),
        (None, true) => Some(format!("reading stopped early: {}", rep.warnings.join("; "))),
        (None, false) => None,
    };
    let mut o = format!(
        "    <testcase name=\"capture read\" classname=\"{}\" time=\"0\">\n",
        xml(&classname(&rep.path))
    );
    let outcome = match problem {
        Some(p) => {
            let _ = writeln!(o, "      <error message=\"{}\" type=\"capture\"/>", xml(&p));
            Outcome::Error
        }
        None => Outcome::Passed,
    };
    let summary = format!(
        "{} packets, {} TCP connections; warnings: {}\n",
        rep.packets,
        rep.summary.connections,
        if rep.warnings.is_empty() {
            "none".to_string()
        } else {
            rep.warnings.join("; ")
        }
    );
    let _ = write!(o, "      <system-out>{}</system-out>\n    </testcase>\n", xml(&summary));
    vec![(o, outcome)]
}

/// Counts of a suite's testcases.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub tests: u64,
    pub failures: u64,
    pub errors: u64,
    pub skipped: u64,
    pub time: f64,
}

impl Counts {
    /// Adds a suite's counts (for `<testsuites>`).
    pub fn merge(&mut self, o: &Counts) {
        self.tests += o.tests;
        self.failures += o.failures;
        self.errors += o.errors;
        self.skipped += o.skipped;
        self.time += o.time;
    }

    pub fn add(&mut self, o: Outcome, time: f64) {
        self.tests += 1;
        self.time += time;
        match o {
            Outcome::Failed => self.failures += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Passed => {}
        }
    }
}

/// The opening tag of a capture's suite.
pub fn suite_start(rep: &CaptureReport, n: &Counts) -> String {
    let stamp = rep.first_packet.as_deref().unwrap_or("");
    let stamp = stamp.split('.').next().unwrap_or("");
    format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6}\"{}>\n",
        xml(&rep.path),
        n.tests,
        n.failures,
        n.errors,
        n.skipped,
        n.time,
        if stamp.is_empty() {
            String::new()
        } else {
            format!(" timestamp=\"{}\"", xml(stamp.trim_end_matches('Z')))
        }
    )
}

/// The opening tag of the document, with the totals of its suites.
pub fn suites_start(n: &Counts) -> String {
    format!(
        "<testsuites name=\"pcap-tls-audit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6}\">\n",
        n.tests, n.failures, n.errors, n.skipped, n.time
    )
}
