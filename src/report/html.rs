//! `--format html`: one self-contained page for a support case. Inline CSS,
//! SVG and one small inline script (allowed by its hash in the page's
//! Content-Security-Policy, which forbids every network access); every
//! string from the capture HTML-escaped. Failed connections get the
//! handshake as a ladder (client and server lanes, one arrow per message,
//! the decisive one highlighted) and the chain as a tree from the leaf to
//! the trust anchor or the missing issuer; ok connections a sortable table.
//! The page is well-formed XML as well as HTML, so that tests read it with
//! an XML parser.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{CaptureReport, ChainReport, ConnectionReport, GroupReport};
use crate::vocabulary::Status;

/// Failed connections drawn in full per capture; the others are counted.
pub const MAX_DRAWN: u64 = 300;
/// Rows of the ok table per capture; the others are counted.
pub const MAX_ROWS: u64 = 1000;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;display:flex;flex-direction:column}\
.groups{order:-1}h1{order:-2}section.capture{display:flex;flex-direction:column;border-top:2px solid #888;margin-top:1em}\
section.capture h2{order:-2}.summary{order:-1}.conn{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.8em 0;page-break-inside:avoid}\
.failed h3{color:#b00020}.ok{color:#1b5e20}.finding{color:#8a5a00}.decisive line,.decisive polygon{stroke:#b00020;fill:#b00020}\
.decisive text{fill:#b00020;font-weight:bold}svg text{font:12px system-ui,sans-serif}\
.cert{border:1px solid #999;border-radius:4px;padding:.3em .6em;margin:.2em 0 .2em 1.5em;font-family:monospace;font-size:12px}\
.anchor{border-color:#1b5e20}.missing{border:2px dashed #b00020;color:#b00020}\
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;overflow-wrap:anywhere}th{cursor:pointer;background:#eee}\
code{background:#f4f4f4;padding:1px 4px}svg.ladder{max-width:720px;height:auto;display:block}\
.verdict{border-left:4px solid #b00020;padding:.2em .8em;margin:.4em 0;background:#fff5f5}.fix{margin:.3em 0}\
pre.cmd{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.3em .5em;margin:.2em 0}\
.cert,code,p{overflow-wrap:anywhere}.context{color:#555;font-size:12px;order:-1}\
@media print{button{display:none}.conn{border-color:#999}body{margin:0}}";

const SCRIPT: &str = "document.querySelectorAll('button.copy').forEach(function(b){b.onclick=function(){navigator.clipboard.writeText(b.getAttribute('data-filter'));};});\
document.querySelectorAll('table.sortable th').forEach(function(h,i){h.onclick=function(){var t=h.closest('table'),b=t.tBodies[0],r=Array.from(b.rows);\
var d=h.getAttribute('data-dir')==='a'?'d':'a';h.setAttribute('data-dir',d);r.sort(function(x,y){var p=x.cells[i].textContent,q=y.cells[i].textContent;\
var n=parseFloat(p)-parseFloat(q);var c=isNaN(n)?p.localeCompare(q):n;return d==='a'?c:-c;});r.forEach(function(e){b.appendChild(e);});};});";

/// Escapes text for the page (`escape::markup`).
pub fn esc(s: &str) -> String {
    crate::escape::markup(s)
}

/// The page's start with its context: which tool and options made it,
/// with which trust store, when.
pub fn page_start_with(title: &str, context: &[(&str, String)]) -> String {
    let mut o = page_start(title);
    o.push_str("<p class=\"context\">");
    for (i, (k, v)) in context.iter().enumerate() {
        let _ = write!(o, "{}{}: {}", if i == 0 { "" } else { " · " }, esc(k), esc(v));
    }
    o.push_str("</p>\n");
    o
}

/// The page's start: the policy, the style, the title.
pub fn page_start(title: &str) -> String {
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        Sha256::digest(SCRIPT.as_bytes()),
    );
    format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:\"/>\
<title>{0}</title><style>{STYLE}</style></head><body><h1>{0}</h1>\n",
        esc(title)
    )
}

/// The page's end, with its script.
pub fn page_end() -> String {
    format!("<script>{SCRIPT}</script></body></html>\n")
}

/// A capture's section starts.
pub fn capture_start(path: &str) -> String {
    format!("<section class=\"capture\"><h2>{}</h2>\n", esc(path))
}

/// A capture's summary (placed first by the style) and the end of its
/// section; `extra` (the repeats and the timeline) goes before the table.
pub fn capture_end(rep: &CaptureReport, (drawn_left, rows_left): (u64, u64), extra: &str, ok_rows: &str) -> String {
    let s = &rep.summary;
    let mut o = format!(
        "<div class=\"summary\"><p>{} {}, {}, {}: {}{}</p><p class=\"context\">{}{}</p>",
        esc(rep.format.as_deref().unwrap_or("")),
        esc(&rep.link_types.join(", ")),
        super::text::plural(rep.packets, "packet", "packets"),
        super::text::plural(s.connections, "TCP connection", "TCP connections"),
        esc(&s.words()),
        match (&rep.first_packet, &rep.last_packet) {
            (Some(a), Some(b)) => format!("; captured {} .. {}", esc(a), esc(b)),
            _ => String::new(),
        },
        super::text::plural(rep.bytes, "byte", "bytes"),
        rep.file_sha256
            .as_ref()
            .map(|h| format!("; file sha256 {}", esc(h)))
            .unwrap_or_default()
    );
    if let Some(e) = &rep.error {
        let _ = write!(o, "<p class=\"failed\">{}</p>", esc(e));
    }
    for w in &rep.warnings {
        let _ = write!(o, "<p class=\"finding\">warning: {}</p>", esc(w));
    }
    o.push_str("</div>\n");
    if drawn_left > 0 {
        let _ = writeln!(
            o,
            "<p>{drawn_left} more connections that did not succeed are not drawn (see the json report).</p>"
        );
    }
    o.push_str(extra);
    if !ok_rows.is_empty() {
        o.push_str("<table class=\"sortable\"><thead><tr><th>id</th><th>client</th><th>server</th><th>SNI</th><th>version</th><th>cipher suite</th><th>first frame</th><th>findings</th></tr></thead><tbody>\n");
        o.push_str(ok_rows);
        o.push_str("</tbody></table>\n");
    }
    if rows_left > 0 {
        let _ = writeln!(o, "<p>{rows_left} more ok connections are not listed.</p>");
    }
    o.push_str("</section>\n");
    o
}

/// One ok connection's table row.
pub fn ok_row(c: &ConnectionReport) -> String {
    let codes: Vec<&str> = c.findings.iter().map(|f| f.code.as_str()).collect();
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        c.id,
        esc(&c.client),
        esc(&c.server),
        esc(c.sni.as_deref().unwrap_or("")),
        esc(c.tls_version.as_deref().unwrap_or("")),
        esc(c.cipher_suite.as_deref().unwrap_or("")),
        c.first_frame,
        esc(&codes.join(" "))
    )
}

/// The handshake entry the verdict rests on: the alert of the failure, or
/// the last entry of the decisive frame from the side that gave up.
fn decisive_entry(c: &ConnectionReport) -> Option<usize> {
    let f = c.failure.as_ref()?;
    let frame = f.frame?;
    let side = f.side.to_string();
    let all: Vec<usize> = (0..c.handshake.len())
        .filter(|i| c.handshake[*i].frame == frame && c.handshake[*i].from == side)
        .collect();
    let alert = all.iter().copied().find(|i| c.handshake[*i].message == "Alert");
    match f.alert {
        Some(_) => alert.or(all.last().copied()),
        None => all.last().copied(),
    }
}

/// The handshake as a ladder: client and server lanes, one arrow per entry.
pub fn ladder(c: &ConnectionReport) -> String {
    let (cx, sx, row) = (150, 560, 30);
    let h = 40 + row * c.handshake.len();
    let decisive = decisive_entry(c);
    let mut o = format!(
        "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 720 {h}\" role=\"img\">\
<text x=\"{cx}\" y=\"16\" text-anchor=\"middle\">client {}</text><text x=\"{sx}\" y=\"16\" text-anchor=\"middle\">server {}</text>\
<line x1=\"{cx}\" y1=\"22\" x2=\"{cx}\" y2=\"{h}\" stroke=\"#999\"/><line x1=\"{sx}\" y1=\"22\" x2=\"{sx}\" y2=\"{h}\" stroke=\"#999\"/>",
        esc(&c.client),
        esc(&c.server)
    );
    for (i, e) in c.handshake.iter().enumerate() {
        let y = 40 + row * i;
        let (x1, x2) = if e.from == "client" { (cx, sx) } else { (sx, cx) };
        let head = if x2 > x1 { x2 - 8 } else { x2 + 8 };
        let is_decisive = decisive == Some(i);
        let gap = e.message.to_ascii_lowercase().contains("gap");
        let full = match &e.detail {
            Some(d) => format!("{} ({})", e.message, d),
            None => e.message.to_string(),
        };
        // What fits between the lifelines (about 60 characters); the whole
        // on hover.
        let label = if full.chars().count() > 60 {
            format!("{}…", full.chars().take(58).collect::<String>())
        } else {
            full.clone()
        };
        let _ = write!(
            o,
            "<g class=\"arrow{}{}\" data-frame=\"{}\"><text x=\"8\" y=\"{}\">frame {}{}</text>\
<line x1=\"{x1}\" y1=\"{y}\" x2=\"{head}\" y2=\"{y}\" stroke=\"#333\"{}/>\
<polygon points=\"{x2},{y} {head},{} {head},{}\" fill=\"#333\"/>\
<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"><title>{}</title>{}</text></g>",
            if is_decisive { " decisive" } else { "" },
            if gap { " gap" } else { "" },
            e.frame,
            y + 4,
            e.frame,
            e.t.map(|t| format!("  +{t:.3} s")).unwrap_or_default(),
            if gap { " stroke-dasharray=\"4 3\"" } else { "" },
            y - 4,
            y + 4,
            (cx + sx) / 2,
            y - 6,
            esc(&full),
            esc(&label)
        );
    }
    o.push_str("</svg>\n");
    o
}

/// The chain as a tree from the leaf up to the anchor (or the missing issuer).
pub fn chain_tree(title: &str, ch: &ChainReport) -> String {
    let mut o = format!("<div class=\"chain\"><h4>{} (frame {})</h4>", esc(title), ch.frame);
    if let Some(a) = &ch.trust.anchor {
        let _ = write!(o, "<div class=\"cert anchor\">trust anchor: {}</div>", esc(a));
    }
    if let Some(m) = &ch.trust.missing_issuer {
        let _ = write!(
            o,
            "<div class=\"cert missing\">missing: {} (the path breaks here)</div>",
            esc(m)
        );
    }
    // Top of the tree first: the last certificate sent, down to the leaf.
    for cert in ch.certificates.iter().rev() {
        let _ = write!(
            o,
            "<div class=\"cert\" data-index=\"{}\">{} s: {}<br/>i: {}<br/>valid {} to {}; {} {}; {}{}{}<br/>sha256 {}",
            cert.index,
            cert.index,
            esc(&cert.subject),
            esc(&cert.issuer),
            esc(&cert.not_before),
            esc(&cert.not_after),
            esc(&cert.key.algorithm),
            cert.key.bits.map(|b| b.to_string()).unwrap_or_default(),
            esc(&cert.signature_algorithm),
            if cert.is_ca { "; CA" } else { "" },
            if cert.san.is_empty() {
                String::new()
            } else {
                format!("<br/>SAN {}", esc(&cert.san.join(", ")))
            },
            esc(&cert.sha256)
        );
        for f in ch.findings.iter().filter(|f| f.cert_index == Some(cert.index)) {
            let _ = write!(
                o,
                "<br/><span class=\"finding\">! {}: {}</span>",
                f.code,
                esc(&f.message)
            );
        }
        o.push_str("</div>");
    }
    let _ = writeln!(o, "<p>trust: {}</p></div>", ch.trust.verdict);
    o
}

/// A connection that did not succeed, drawn in full; `anchor`: the
/// capture's prefix of its element id (ids restart per capture).
pub fn failed(c: &ConnectionReport, anchor: &str) -> String {
    let mut o = format!(
        "<div class=\"conn failed\" id=\"{anchor}conn-{}\"><h3>{} #{} {} -&gt; {}{}</h3>",
        c.id,
        esc(&c.status.to_string().to_uppercase()),
        c.id,
        esc(&c.client),
        esc(&c.server),
        c.sni.as_ref().map(|s| format!(" SNI {}", esc(s))).unwrap_or_default()
    );
    if let Some(f) = &c.failure {
        let at = f.frame.map(|fr| format!(", frame {fr}")).unwrap_or_default();
        let who = match f.side {
            crate::vocabulary::Blame::Network => "no answer".to_string(),
            side => format!("{side} gave up"),
        };
        let _ = write!(
            o,
            "<div class=\"verdict\"><p><b>{}: {who}{at}.</b></p><p class=\"fix\"><b>Fix ({}):</b> {}</p>",
            f.cause,
            f.fix.who,
            esc(&f.fix.summary)
        );
        for cmd in &f.fix.commands {
            let _ = write!(
                o,
                "<pre class=\"cmd\"><code>{0}</code></pre><button class=\"copy\" type=\"button\" data-filter=\"{0}\">copy</button>",
                esc(cmd)
            );
        }
        let _ = write!(o, "</div><p>{}</p>", esc(&f.explanation));
        if let Some(ch) = &c.client_hello {
            let _ = write!(o, "<p>Client offered: {}.</p>", esc(&super::text_parts::offer(ch)));
        }
        if let Some(d) = &c.decryption {
            let _ = write!(o, "<p>{}.</p>", esc(&super::text_parts::decryption(d)));
        }
    } else if let Some(n) = &c.note {
        let _ = write!(o, "<p>{}</p>", esc(n));
    }
    o.push_str(&ladder(c));
    if let Some(ch) = &c.server_chain {
        o.push_str(&chain_tree("server certificate chain", ch));
    }
    if let Some(ch) = &c.client_chain {
        o.push_str(&chain_tree("client certificate chain", ch));
    }
    for f in &c.findings {
        let _ = write!(o, "<p class=\"finding\">! {}: {}</p>", f.code, esc(&f.message));
    }
    let _ = writeln!(
        o,
        "<p>Wireshark: <code>{0}</code> <button class=\"copy\" type=\"button\" data-filter=\"{0}\">copy</button></p></div>",
        esc(&c.wireshark_filter)
    );
    o
}

/// What makes two failures "the same" on the page, as in the text report:
/// status, cause, server, SNI, the leaf and the finding codes.
pub fn same_failure(c: &ConnectionReport) -> String {
    let leaf = c
        .server_chain
        .as_ref()
        .and_then(|ch| ch.certificates.first())
        .map(|x| x.sha256.as_str());
    let codes: Vec<&str> = c.findings.iter().map(|f| f.code.as_str()).collect();
    format!(
        "{}|{}|{}|{}|{}|{}",
        c.status,
        c.failure.as_ref().map(|f| f.cause.to_string()).unwrap_or_default(),
        c.server,
        c.sni.as_deref().unwrap_or(""),
        leaf.unwrap_or(""),
        codes.join(" ")
    )
}

/// The connections like one drawn above: `(first id, ids of the others, how many)`.
pub fn repeats(list: &[(u64, Vec<u64>, u64)], anchor: &str) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut o = String::from("<div class=\"repeats\"><h4>The same failure again</h4><ul>");
    for (first, ids, n) in list {
        let shown: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
        let more = if *n > ids.len() as u64 {
            format!(" and {} more", n - ids.len() as u64)
        } else {
            String::new()
        };
        let _ = write!(
            o,
            "<li>like <a href=\"#{anchor}conn-{first}\">#{first}</a>: {}{more}</li>",
            shown.join(", ")
        );
    }
    o.push_str("</ul></div>\n");
    o
}

/// Connections over the capture's time, coloured by status: one bar per
/// slice of time, stacked by status. `points`: (start seconds, status).
pub fn timeline(points: &[(f64, Status)]) -> String {
    const SLICES: usize = 120;
    let (Some(t0), Some(t1)) = (
        points.iter().map(|p| p.0).reduce(f64::min),
        points.iter().map(|p| p.0).reduce(f64::max),
    ) else {
        return String::new();
    };
    let span = (t1 - t0).max(1e-6);
    let order = [
        Status::Ok,
        Status::Incomplete,
        Status::NotTls,
        Status::Failed,
        Status::NoConnection,
    ];
    let colour = ["#2e7d32", "#9e9e9e", "#1565c0", "#c62828", "#6a1b9a"];
    let mut counts = vec![[0u64; 5]; SLICES];
    for (t, st) in points {
        let i = (((t - t0) / span) * (SLICES as f64 - 1.0)) as usize;
        let k = order.iter().position(|s| s == st).unwrap_or(0);
        counts[i.min(SLICES - 1)][k] += 1;
    }
    let max = counts.iter().map(|c| c.iter().sum::<u64>()).max().unwrap_or(1).max(1) as f64;
    let (w, h) = (5, 80.0);
    let mut o = format!(
        "<div class=\"timeline\"><h4>Connections over the capture's time ({:.1} s; green ok, grey incomplete, blue not TLS, red failed, purple no connection)</h4>\
<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"84\" role=\"img\">",
        span,
        w * SLICES
    );
    for (i, c) in counts.iter().enumerate() {
        let mut y = h;
        for (k, n) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
            let bh = (*n as f64 / max) * h;
            y -= bh;
            let _ = write!(
                o,
                "<rect x=\"{}\" y=\"{y:.1}\" width=\"{}\" height=\"{bh:.1}\" fill=\"{}\"/>",
                i * w,
                w - 1,
                colour[k]
            );
        }
    }
    o.push_str("</svg></div>\n");
    o
}

/// Whether a connection is drawn in full rather than listed.
pub fn drawn(c: &ConnectionReport) -> bool {
    c.status != Status::Ok
}

/// The groups across a batch (placed first by the style).
pub fn groups(groups: &[GroupReport], captures: usize) -> String {
    let mut o = format!("<section class=\"groups\"><h2>Across {captures} captures</h2><ul>");
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    for g in groups {
        let place = match &g.sni {
            Some(s) => format!("{}:{}", s, g.server.rsplit_once(':').map_or("", |(_, p)| p)),
            None => g.server.clone(),
        };
        let what = g.cause.map(|c| c.to_string()).unwrap_or_else(|| g.status.to_string());
        let codes: Vec<&str> = g.codes.iter().map(|c| c.as_str()).collect();
        let eg: Vec<String> = g
            .examples
            .iter()
            .map(|e| format!("{} frame {}", esc(&e.capture), e.frame))
            .collect();
        let _ = write!(
            o,
            "<li><b>{} {}</b> {}: {} in {}, e.g. {}</li>",
            esc(&place),
            esc(&what),
            esc(&codes.join(" ")),
            plural(g.connections, "connection", "connections"),
            plural(g.captures, "capture", "captures"),
            eg.join(", ")
        );
    }
    o.push_str("</ul></section>\n");
    o
}
