//! The captures named on the command line: files, directories walked with
//! walkdir (links followed, loops detected), standard input.

use std::path::{Path, PathBuf};

use pcap_tls_audit::capture::archive::kind;
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
            // (tar's magic is at byte 257.)
            let mut head = Vec::with_capacity(512);
            let read = std::fs::File::open(ent.path())
                .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 512), &mut head));
            match read {
                Ok(_) if looks_like_capture(&head) || kind(&head).is_some() => found.push(ent.into_path()),
                Ok(_) => {}
                Err(e) => errors.push(format!("{}: cannot read: {e}", shown(ent.path()))),
            }
        }
        if found.is_empty() {
            errors.push(format!(
                "{}: no capture found in this directory (pcap, pcapng, compressed, or an archive)",
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
