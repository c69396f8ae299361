//! `--color`: the text report's verdict lines in colour on a terminal
//! (failures red, ok green, findings and warnings yellow). Only lines the
//! report itself starts are coloured, by their leading label: strings from
//! the capture never begin a line (they are escaped, newlines included), so
//! they can neither choose nor carry a colour.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

use super::flags::{Cli, ColorChoice, Format};

/// Whether the report gets colour: `always`, `never`, or (auto) a text
/// report to a terminal with `NO_COLOR` unset or empty.
pub fn wanted(cli: &Cli) -> bool {
    if !matches!(cli.format, Format::Text) {
        return false;
    }
    match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            cli.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The style of a report line, by the label it starts with.
fn style_of(line: &str) -> Option<Style> {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    if ["FAILED", "NO CONNECTION", "INCOMPLETE"]
        .iter()
        .any(|l| line.starts_with(l))
    {
        Some(red)
    } else if line.starts_with("    ! ") || line.starts_with("  warning: ") {
        Some(yellow)
    } else if line.starts_with("ok ") {
        Some(green)
    } else {
        None
    }
}

/// The text report with its verdict lines coloured.
pub fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        match style_of(body) {
            Some(st) => {
                out.push_str(&format!("{st}{body}{st:#}"));
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}
