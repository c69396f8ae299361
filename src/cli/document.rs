//! The document around the captures' reports (json's, html's, JUnit's
//! opening and end, the groups of a batch) and the captures of a batch put
//! in input order as each is done.

use std::collections::BTreeMap;
use std::io::Write;

use pcap_tls_audit::report::junit::{self, Counts};
use pcap_tls_audit::report::{BatchTotal, GroupReport, Tool, TrustStoreInfo, html, render_groups};

use super::flags::Format;
use super::output::Report;
use super::spill::Spill;

/// The command line as it was given, for the page's context (each
/// argument escaped; a keystore password never shown).
fn command_line() -> String {
    let mut hide = false;
    let args: Vec<String> = std::env::args()
        .map(|a| {
            let shown = if hide {
                "***".to_string()
            } else {
                pcap_tls_audit::escape::text(a.as_bytes())
            };
            hide = a == "--keystore-password";
            if a.starts_with("--keystore-password=") {
                "--keystore-password=***".into()
            } else {
                shown
            }
        })
        .collect();
    args.join(" ")
}

/// The trust store as the page names it: the built-in roots, or its files.
fn store_name(store: &TrustStoreInfo) -> String {
    if store.files.is_empty() {
        store.source.clone()
    } else {
        pcap_tls_audit::escape::text(store.files.join(", ").as_bytes())
    }
}

/// What the end of every document of the run shares.
pub struct End<'a> {
    pub groups: &'a [GroupReport],
    pub not_grouped: u64,
    pub total: &'a BatchTotal,
}

type Out = Box<dyn Write + Send>;

/// The document around the captures (json), and the captures of a batch in
/// input order as each is done.
pub struct Document {
    out: Out,
    /// JUnit: the suites, held (in a temporary file when large) until
    /// `<testsuites>` can give their totals.
    suites: Option<Spill>,
    format: Format,
    color: bool,
    next: usize,
    done: BTreeMap<usize, super::spill::Spill>,
    pub error: Option<std::io::Error>,
}

impl Document {
    pub fn begin(out: Out, to: Report, tool: &Tool, store: &TrustStoreInfo) -> Self {
        let format = to.format;
        let mut d = Document {
            out,
            suites: matches!(format, Format::Junit).then(Spill::default),
            format,
            color: to.color,
            next: 0,
            done: BTreeMap::new(),
            error: None,
        };
        if let Format::Html = format {
            let context = [
                ("tool", format!("{} {}", tool.name, tool.version)),
                ("command", command_line()),
                (
                    "trust store",
                    format!("{} ({} roots)", store_name(store), store.anchors),
                ),
                ("generated", pcap_tls_audit::timefmt::now()),
            ];
            d.write(html::page_start_with("pcap-tls-audit report", &context).as_bytes());
        }
        if let Format::Json = format {
            let head = format!(
                "{{\"tool\":{},\"trust_store\":{},\"captures\":[\n",
                serde_json::to_string(tool).unwrap_or_default(),
                serde_json::to_string(store).unwrap_or_default()
            );
            d.write(head.as_bytes());
        }
        d
    }

    /// Where the captures' reports go: the output, or JUnit's held suites.
    fn body(&mut self) -> &mut dyn Write {
        match &mut self.suites {
            Some(s) => s,
            None => &mut self.out,
        }
    }

    fn write(&mut self, b: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.body().write_all(b)
        {
            self.error = Some(e);
        }
    }

    /// Where the next capture in order is written directly.
    pub fn stream(&mut self) -> &mut dyn Write {
        if self.next > 0 && matches!(self.format, Format::Json) {
            self.write(b",\n");
        }
        self.next += 1;
        self.body()
    }

    /// Capture `i`'s whole report; written when those before it are.
    pub fn put(&mut self, i: usize, report: super::spill::Spill) {
        self.done.insert(i, report);
        while let Some(r) = self.done.remove(&self.next) {
            if self.next > 0 && matches!(self.format, Format::Json) {
                self.write(b",\n");
            }
            if self.error.is_none()
                && let Err(e) = r.copy_to(self.body())
            {
                self.error = Some(e);
            }
            self.next += 1;
        }
    }

    /// The end of the document: the groups and totals of the run's
    /// captures, JUnit's suites under their totals (`counts`); the first
    /// error writing it.
    pub fn end(mut self, end: &End, counts: &Counts) -> Option<std::io::Error> {
        let captures = end.total.captures as usize;
        match self.format {
            Format::Json => {
                let g = serde_json::to_string(end.groups).unwrap_or_else(|_| "[]".into());
                let t = serde_json::to_string(end.total).unwrap_or_else(|_| "{}".into());
                self.write(format!("\n],\"groups\":{g},\"total\":{t}}}\n").as_bytes());
            }
            // A batch ends with its groups and its total.
            Format::Text if captures > 1 => {
                let mut t = format!("\n{}", render_groups(end.groups, captures, end.not_grouped));
                t.push_str(&end.total.line());
                if self.color {
                    t = super::color::paint(&t);
                }
                self.write(t.as_bytes());
            }
            Format::Junit => self.end_junit(counts),
            Format::Html => {
                let mut page = String::new();
                if captures > 1 {
                    page.push_str(&html::groups(end.groups, captures));
                }
                page.push_str(&html::page_end());
                self.write(page.as_bytes());
            }
            Format::Text | Format::Jsonl | Format::Ecs => {}
        }
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        self.error
    }

    /// JUnit: `<testsuites>` with the totals, then the suites held.
    fn end_junit(&mut self, counts: &Counts) {
        let Some(suites) = self.suites.take() else { return };
        let head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
            junit::suites_start(counts)
        );
        let r = (self.out.write_all(head.as_bytes()))
            .and_then(|()| suites.copy_to(&mut self.out))
            .and_then(|()| self.out.write_all(b"</testsuites>\n"));
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(e);
        }
    }
}
