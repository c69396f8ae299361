//! The captures named on the command line: files, directories walked with
//! walkdir (links followed, loops detected), standard input.

use std::path::{Path, PathBuf};

use pcap_tls_audit::capture::looks_like_capture;

/// The inputs named on the command line, directories walked (symbolic links
/// followed, loops detected). Every file or directory that cannot be read,
/// and every input that yields no capture, is a message in `errors`.
pub fn collect_inputs(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut found = Vec::new();
        for ent in walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name() {
            let ent = match ent {
                Ok(e) => e,
                Err(e) => {
                    errors.push(walk_error(&e));
                    continue;
                }
            };
            if !ent.file_type().is_file() {
                continue;
            }
            let mut head = [0u8; 4];
            match std::fs::File::open(ent.path()).and_then(|mut f| std::io::Read::read(&mut f, &mut head)) {
                Ok(n) if looks_like_capture(&head[..n]) => found.push(ent.into_path()),
                Ok(_) => {}
                Err(e) => errors.push(format!("{}: cannot read: {e}", shown(ent.path()))),
            }
        }
        if found.is_empty() {
            errors.push(format!(
                "{}: no pcap, pcapng or gzip capture found in this directory",
                shown(p)
            ));
        }
        out.extend(found);
    }
    out
}

fn walk_error(e: &walkdir::Error) -> String {
    let path = e.path().map(shown).unwrap_or_else(|| "?".into());
    if let Some(anc) = e.loop_ancestor() {
        return format!("{path}: symbolic link loop back to {}; not followed", shown(anc));
    }
    match e.io_error() {
        Some(io) => format!("{path}: cannot read: {io}"),
        None => format!("{path}: cannot read"),
    }
}

/// A path for a message, control characters escaped.
pub fn shown(p: &Path) -> String {
    pcap_tls_audit::escape::text(p.display().to_string().as_bytes())
}
