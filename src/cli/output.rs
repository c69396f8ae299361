//! The report written as it is made. Each connection's report goes out as
//! soon as it is final: a line (jsonl), an element of the capture's
//! `connections` (json), or into its group (text, written when the capture
//! ends). The captures of a batch are written whole and in input order.
//! A closed pipe (`| head`) ends the writing quietly.

use std::io::Write;
use std::sync::Mutex;

use pcap_tls_audit::analyze::{ConnectionSink, Emit};
use pcap_tls_audit::export::CertExporter;
use pcap_tls_audit::report::{BatchGroups, CaptureReport, ConnectionReport, TextCapture};
use pcap_tls_audit::vocabulary::{FindingCode, Gate, Status};

use pcap_tls_audit::report::html;
use pcap_tls_audit::report::json_handshake;
use pcap_tls_audit::report::junit::{self, Counts, Outcome};

use super::flags::Format;

/// A capture's html: failed connections are written as they come (up to
/// `html::MAX_DRAWN`), ok ones gathered into the table (up to `MAX_ROWS`).
#[derive(Default)]
struct HtmlPart {
    /// The capture's prefix of element ids (`c2-conn-7`): ids restart per capture.
    anchor: String,
    drawn: u64,
    drawn_left: u64,
    listed: u64,
    rows_left: u64,
    rows: String,
    /// Failures already drawn, by what makes them the same: their index in `repeats`.
    seen: std::collections::HashMap<String, usize>,
    /// Per failure drawn: its id, the ids of the same failure again (the first 20), how many.
    repeats: Vec<(u64, Vec<u64>, u64)>,
    /// Start time and status of each connection (for the timeline), the first million.
    points: Vec<(f64, Status)>,
}

impl HtmlPart {
    /// What to write now for this connection, if anything.
    fn add(&mut self, c: &ConnectionReport) -> Option<String> {
        if self.points.len() < 1_000_000
            && let Some(t) = pcap_tls_audit::timefmt::seconds_f64(&c.start)
        {
            self.points.push((t, c.status));
        }
        if html::drawn(c) {
            let key = html::same_failure(c);
            if let Some(&i) = self.seen.get(&key) {
                let (_, ids, n) = &mut self.repeats[i];
                *n += 1;
                if ids.len() < 20 {
                    ids.push(c.id);
                }
                return None;
            }
            if self.drawn < html::MAX_DRAWN {
                self.drawn += 1;
                self.seen.insert(key, self.repeats.len());
                self.repeats.push((c.id, Vec::new(), 0));
                return Some(html::failed(c, &self.anchor));
            }
            self.drawn_left += 1;
        } else if self.listed < html::MAX_ROWS {
            self.listed += 1;
            self.rows.push_str(&html::ok_row(c));
        } else {
            self.rows_left += 1;
        }
        None
    }

    /// The end of the capture's section.
    fn finish(self, rep: &CaptureReport) -> String {
        let repeats: Vec<_> = self.repeats.into_iter().filter(|r| r.2 > 0).collect();
        let mut extra = html::repeats(&repeats, &self.anchor);
        if self.points.len() > 20 {
            extra.push_str(&html::timeline(&self.points));
        }
        html::capture_end(rep, (self.drawn_left, self.rows_left), &extra, &self.rows)
    }
}

/// A capture's JUnit testcases, kept in an unnamed temporary file (not in
/// memory) until the suite's counts, which open it, are known.
struct JunitSpill {
    file: std::io::BufWriter<std::fs::File>,
    counts: Counts,
    names: junit::Names,
}

impl JunitSpill {
    fn new() -> std::io::Result<Self> {
        Ok(JunitSpill {
            file: std::io::BufWriter::new(tempfile::tempfile()?),
            counts: Counts::default(),
            names: junit::Names::default(),
        })
    }

    fn add(&mut self, c: &ConnectionReport, case: &str, outcome: Outcome) -> std::io::Result<()> {
        self.counts.add(outcome, c.close.duration_s);
        self.names.add(c);
        self.file.write_all(case.as_bytes())
    }

    /// The suite: its opening tag, the testcases (their names made final:
    /// ` #K` where a name repeats), the capture's own, the end. Its counts.
    fn write_to(mut self, rep: &CaptureReport, out: &mut dyn Write) -> std::io::Result<Counts> {
        use std::io::{BufRead, Seek, SeekFrom};
        let mut counts = self.counts;
        let own = junit::capture_cases(rep);
        for (_, o) in &own {
            counts.add(*o, 0.0);
        }
        self.names.seal();
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        out.write_all(junit::suite_start(rep, &counts).as_bytes())?;
        let mut lines = std::io::BufReader::with_capacity(1 << 16, file);
        let mut line = String::new();
        while lines.read_line(&mut line)? > 0 {
            if line.contains(junit::MARK) {
                out.write_all(self.names.resolve(&line).as_bytes())?;
            } else {
                out.write_all(line.as_bytes())?;
            }
            line.clear();
        }
        for (case, _) in own {
            out.write_all(case.as_bytes())?;
        }
        out.write_all(b"  </testsuite>\n")?;
        Ok(counts)
    }
}

/// What a capture's report says when it ends: whether it failed a gate,
/// the first errors writing it and exporting certificates, its JUnit counts.
pub struct Finished {
    pub failing: bool,
    pub write_error: Option<std::io::Error>,
    pub export_error: Option<std::io::Error>,
    pub junit: Counts,
}

/// What the writing of every capture shares.
pub struct Settings<'a> {
    /// How the text report is written (`--verbose`, the trust store's label).
    pub text: pcap_tls_audit::report::TextStyle,
    pub gates: &'a [Gate],
    pub only_failed: bool,
    pub export: Option<&'a Mutex<CertExporter>>,
    /// Failures and findings across the captures of the run.
    pub groups: &'a Mutex<BatchGroups>,
}

/// One report of the run: its format, in colour or not, and whether it is
/// the first (`-o` or standard output) or one of `--write`.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    pub format: Format,
    pub color: bool,
    pub primary: bool,
}

/// Every report of the run, from one analysis (`--write`): each connection
/// goes to each. By first frame when one of them needs it (json, html);
/// the others take connections in any order.
pub struct Fan<'a>(pub Vec<CaptureOut<'a>>);

impl ConnectionSink for Fan<'_> {
    fn order(&self) -> Emit {
        if self.0.iter().any(|o| o.order() == Emit::FirstFrame) {
            Emit::FirstFrame
        } else {
            Emit::Completion
        }
    }

    fn connection(&mut self, c: ConnectionReport) {
        if let Some((last, rest)) = self.0.split_last_mut() {
            for o in rest {
                o.connection(c.clone());
            }
            last.connection(c);
        }
    }
}

/// `--annotate`: each connection's comments gathered on its way to the reports.
pub struct Annotating<'a> {
    pub fan: Fan<'a>,
    pub comments: pcap_tls_audit::annotate::Comments,
}

impl ConnectionSink for Annotating<'_> {
    fn order(&self) -> Emit {
        self.fan.order()
    }

    fn connection(&mut self, c: ConnectionReport) {
        self.comments.connection(&c);
        self.fan.connection(c);
    }
}

/// The first `--fail-on` word a connection matches.
fn matched<'g>(conn: &ConnectionReport, gates: &'g [Gate]) -> Option<&'g Gate> {
    let codes = || {
        conn.findings.iter().chain(
            [&conn.server_chain, &conn.client_chain]
                .into_iter()
                .flatten()
                .flat_map(|ch| ch.findings.iter()),
        )
    };
    gates.iter().find(|g| match g {
        Gate::Status(s) => conn.status == *s,
        Gate::Cause(cause) => {
            conn.failure.as_ref().is_some_and(|f| f.cause == *cause)
                // server_key_mismatch is a cause and a finding: either matches.
                || cause.word().parse::<FindingCode>().is_ok_and(|code| codes().any(|x| x.code == code))
        }
        Gate::Finding(code) => codes().any(|x| x.code == *code),
        Gate::Damaged | Gate::Nothing => false,
    })
}

/// A connection's jsonl line into `line`: its type and the capture's path
/// first, then the connection's own fields, written straight after them
/// (its opening brace becomes the comma between them).
fn jsonl_line(line: &mut Vec<u8>, path_json: &str, c: ConnectionReport) {
    line.clear();
    line.extend_from_slice(b"{\"type\":\"connection\",\"capture\":");
    line.extend_from_slice(path_json.as_bytes());
    let start = line.len();
    match json_handshake::connection(line, c) {
        Ok(()) if line.len() > start + 2 => line[start] = b',',
        _ => {
            line.truncate(start);
            line.push(b'}');
        }
    }
    line.push(b'\n');
}

/// One capture's report, written connection by connection.
pub struct CaptureOut<'a> {
    s: &'a Settings<'a>,
    /// This report's format, and its text in colour (`--color`).
    format: Format,
    color: bool,
    /// The first of the run's reports: it alone gates, groups and exports
    /// (the others, of `--write`, only write).
    primary: bool,
    /// The capture's place in the batch (0-based) and in its archive, for
    /// exported chain names.
    index: usize,
    member: Option<usize>,
    /// The capture's path as shown, and as a JSON string.
    path: String,
    path_json: String,
    out: &'a mut dyn Write,
    text: TextCapture,
    /// This capture's part of the batch groups, merged at its end.
    groups: BatchGroups,
    /// html: the connections drawn and listed so far.
    html: HtmlPart,
    /// ecs: the chains already encoded.
    ecs: pcap_tls_audit::report::ecs::Cache,
    /// junit: the testcases so far, on disk until the suite's counts are known.
    junit: Option<JunitSpill>,
    /// json, jsonl: a connection's line, the buffer kept from one to the next.
    line: Vec<u8>,
    listed: u64,
    /// A connection matched a `--fail-on` word.
    pub failing: bool,
    /// The first error writing the report, and the first exporting certificates.
    pub write_error: Option<std::io::Error>,
    pub export_error: Option<std::io::Error>,
}

impl<'a> CaptureOut<'a> {
    /// Starts the capture's report (`path` as shown) in `to`'s format.
    pub fn new(
        s: &'a Settings<'a>,
        to: Report,
        (index, member): (usize, Option<usize>),
        path: &str,
        out: &'a mut dyn Write,
    ) -> Self {
        let mut c = CaptureOut {
            s,
            format: to.format,
            color: to.color,
            primary: to.primary,
            index,
            member,
            path: path.to_string(),
            path_json: json_string(path),
            out,
            text: TextCapture::new(s.text.clone()),
            groups: BatchGroups::default(),
            junit: None,
            html: HtmlPart {
                anchor: format!(
                    "c{}{}-",
                    index + 1,
                    member.map(|m| format!("-{}", m + 1)).unwrap_or_default()
                ),
                ..HtmlPart::default()
            },
            ecs: Default::default(),
            line: Vec::new(),
            listed: 0,
            failing: false,
            write_error: None,
            export_error: None,
        };
        c.groups.name(index, path);
        if let Format::Junit = c.format {
            match JunitSpill::new() {
                Ok(j) => c.junit = Some(j),
                Err(e) => c.write_error = Some(e),
            }
        }
        if let Format::Json = c.format {
            let start = format!("{{\"path\":{},\"connections\":[", c.path_json);
            c.write(start.as_bytes());
        }
        if let Format::Html = c.format {
            c.write(html::capture_start(path).as_bytes());
        }
        c
    }

    fn write(&mut self, b: &[u8]) {
        if self.write_error.is_none()
            && let Err(e) = self.out.write_all(b)
        {
            self.write_error = Some(e);
        }
    }

    /// The end of the capture: the rest of its report.
    pub fn finish(mut self, rep: &CaptureReport) -> Finished {
        let mut junit = Counts::default();
        if self.primary {
            let groups = std::mem::take(&mut self.groups);
            self.s.groups.lock().unwrap_or_else(|e| e.into_inner()).merge(groups);
        }
        match self.format {
            Format::Text => {
                let mut t = self.text.render(rep);
                // --only-failed: an all-ok capture is its one summary line.
                let clean = rep.error.is_none() && rep.warnings.is_empty() && rep.summary.ok == rep.summary.connections;
                if self.s.only_failed && clean {
                    t = t.lines().next().map(|l| format!("{l}\n")).unwrap_or_default();
                }
                if self.color {
                    t = super::color::paint(&t);
                }
                self.write(t.as_bytes());
            }
            Format::Json => {
                let mut rest = String::from("\n]");
                if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(rep) {
                    for (k, v) in m.iter().filter(|(k, _)| *k != "path" && *k != "connections") {
                        rest.push_str(&format!(",{}:{v}", json_string(k)));
                    }
                }
                rest.push('}');
                self.write(rest.as_bytes());
            }
            Format::Ecs => {
                let mut line = pcap_tls_audit::report::ecs::capture(rep);
                line.push('\n');
                self.write(line.as_bytes());
            }
            Format::Junit => junit = self.finish_junit(rep),
            Format::Html => {
                let end = std::mem::take(&mut self.html).finish(rep);
                self.write(end.as_bytes());
            }
            Format::Jsonl => {
                let line = jsonl_capture_line(rep);
                self.write(line.as_bytes());
            }
        }
        // A capture not read to its end fails the gate `damaged`.
        if self.primary && rep.read_stopped_early && self.s.gates.contains(&Gate::Damaged) {
            self.failing = true;
        }
        Finished {
            failing: self.failing,
            write_error: self.write_error,
            export_error: self.export_error,
            junit,
        }
    }
}

/// The jsonl line of a capture, after its connections: its type, then the
/// capture document's fields but its connections (an unreadable capture
/// has its line too, with its `error`).
fn jsonl_capture_line(rep: &CaptureReport) -> String {
    let mut line = String::from("{\"type\":\"capture\"");
    if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(rep) {
        for (k, v) in m.iter().filter(|(k, _)| *k != "connections") {
            line.push_str(&format!(",{}:{v}", json_string(k)));
        }
    }
    line.push_str("}\n");
    line
}

impl CaptureOut<'_> {
    fn finish_junit(&mut self, rep: &CaptureReport) -> Counts {
        let spill = match self.junit.take() {
            Some(j) => j,
            // The temporary file could not be made: the suite says so.
            None => match JunitSpill::new() {
                Ok(j) => j,
                Err(_) => return Counts::default(),
            },
        };
        if self.write_error.is_some() {
            return Counts::default();
        }
        match spill.write_to(rep, &mut *self.out) {
            Ok(c) => c,
            Err(e) => {
                self.write_error = Some(e);
                Counts::default()
            }
        }
    }
}

impl ConnectionSink for CaptureOut<'_> {
    /// json lists connections by first frame; text (grouped, and the same
    /// in any order) and jsonl (each line has its id) take them as they end,
    /// so that nothing waits for a long connection to close.
    fn order(&self) -> Emit {
        match self.format {
            Format::Json | Format::Html => Emit::FirstFrame,
            Format::Text | Format::Jsonl | Format::Ecs | Format::Junit => Emit::Completion,
        }
    }

    fn connection(&mut self, c: ConnectionReport) {
        let gate = matched(&c, self.s.gates);
        self.failing |= gate.is_some();
        if self.primary {
            self.groups.add(self.index, &c);
        }
        if let Some(x) = self.s.export.filter(|_| self.primary)
            && self.export_error.is_none()
            && let Err(e) = x
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))
                .and_then(|mut x| {
                    let at = pcap_tls_audit::export::Place {
                        input: self.index,
                        member: self.member,
                        capture: &self.path,
                    };
                    x.connection(&at, &c)
                })
        {
            self.export_error = Some(e);
        }
        if self.s.only_failed && c.status == Status::Ok {
            return;
        }
        let first = self.listed == 0;
        self.listed += 1;
        match self.format {
            Format::Text => self.text.add(&c),
            Format::Json => {
                let mut line = std::mem::take(&mut self.line);
                line.clear();
                line.extend_from_slice(if first { b"\n" } else { b",\n" });
                let start = line.len();
                if json_handshake::connection(&mut line, c).is_err() {
                    line.truncate(start);
                }
                self.write(&line);
                self.line = line;
            }
            Format::Jsonl => {
                let mut line = std::mem::take(&mut self.line);
                jsonl_line(&mut line, &self.path_json, c);
                self.write(&line);
                self.line = line;
            }
            Format::Junit => {
                let word = gate.map(|g| g.word());
                let (case, outcome) = junit::testcase(&c, &self.path, word.as_deref());
                if let Some(j) = &mut self.junit
                    && let Err(e) = j.add(&c, &case, outcome)
                    && self.write_error.is_none()
                {
                    self.write_error = Some(e);
                }
            }
            Format::Html => {
                if let Some(block) = self.html.add(&c) {
                    self.write(block.as_bytes());
                }
            }
            Format::Ecs => {
                let mut line = pcap_tls_audit::report::ecs::connection(&c, &self.path, &mut self.ecs);
                line.push('\n');
                self.write(line.as_bytes());
            }
        }
    }
}

pub(super) fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}
