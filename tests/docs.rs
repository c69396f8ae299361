//! The examples in docs/failures.md are real output: every line quoted in a
//! `text` block must be in a golden report of the samples.

use std::path::PathBuf;

#[test]
fn failures_doc_quotes_real_output() {
    let top = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(top.join("docs/failures.md")).unwrap();
    let mut goldens = String::new();
    for e in std::fs::read_dir(top.join("samples/golden")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            goldens.push_str(&std::fs::read_to_string(p).unwrap());
        }
    }
    let mut in_block = false;
    let mut quoted = 0;
    for line in doc.lines() {
        if line.starts_with("```") {
            in_block = line == "```text";
            continue;
        }
        if in_block {
            quoted += 1;
            assert!(
                goldens.lines().any(|g| g == line),
                "docs/failures.md quotes a line no golden has (run scripts/failures_doc.py):\n{line}"
            );
        }
    }
    assert!(quoted > 20);
}

#[test]
fn readme_example_is_the_golden_of_its_command() {
    let top = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(top.join("README.md")).unwrap();
    let start = readme.find("```text\n").unwrap() + "```text\n".len();
    let end = start + readme[start..].find("\n```").unwrap();
    let golden = std::fs::read_to_string(top.join("samples/golden/java-pkix-tls12.pcap@mozilla.txt")).unwrap();
    assert_eq!(&readme[start..end], golden.trim_end_matches('\n'));
}
