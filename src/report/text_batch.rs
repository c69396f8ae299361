//! The text report's closing block for a batch: the groups of failures
//! and findings across its captures, one line each.

use std::fmt::Write as _;

use super::GroupReport;
use super::text::plural;

/// The closing block of a batch: one line per group of failures and
/// findings across the captures, largest first.
pub fn render_groups(groups: &[GroupReport], captures: usize, not_grouped: u64) -> String {
    let mut o = String::new();
    if groups.is_empty() {
        let _ = writeln!(o, "ACROSS {captures} CAPTURES: no failures and no findings");
        return o;
    }
    let n = plural(groups.len() as u64, "group", "groups");
    let _ = writeln!(o, "ACROSS {captures} CAPTURES: {n} of failures and findings");
    for g in groups {
        let port = g.server.rsplit_once(':').map_or("", |(_, p)| p);
        let place = match &g.sni {
            Some(sni) => format!("{sni}:{port}"),
            None => g.server.clone(),
        };
        let what = match g.cause {
            Some(c) => c.to_string(),
            None => g.status.to_string(),
        };
        let codes: Vec<&str> = g.codes.iter().map(|c| c.as_str()).collect();
        let codes = if codes.is_empty() {
            String::new()
        } else {
            format!(" {}", codes.join(" "))
        };
        let eg: Vec<String> = g
            .examples
            .iter()
            .map(|e| format!("{} frame {}", crate::escape::text(e.capture.as_bytes()), e.frame))
            .collect();
        let _ = writeln!(
            o,
            "  {place} {what}{codes}: {} in {}, e.g. {}",
            plural(g.connections, "connection", "connections"),
            plural(g.captures, "capture", "captures"),
            eg.join(", ")
        );
    }
    if not_grouped > 0 {
        let _ = writeln!(
            o,
            "  and {} beyond {} groups, not grouped",
            plural(not_grouped, "connection", "connections"),
            super::groups::MAX_GROUPS
        );
    }
    super::text_parts::wrapped(&o)
}
