//! The examples in docs/failures.md are real output: every line quoted in a
//! `text` block must be in a golden report of the samples.

mod common;

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

#[test]
fn ci_doc_shows_the_real_closing_block() {
    let top = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(top.join("docs/ci.md")).unwrap();
    let start = doc.find("```text\n").unwrap() + "```text\n".len();
    let block = &doc[start..start + doc[start..].find("\n```").unwrap()];
    let d = common::scratch("docs-ci");
    for (from, to) in [
        ("java-pkix-tls12.pcap", "captures/mp1/gw.pcap"),
        ("java-pkix-tls12.pcap", "captures/mp2/gw.pcap"),
        ("tls12-ok.pcap", "captures/mp1/health.pcap"),
        ("refused.pcap", "captures/mp2/backend.pcap"),
    ] {
        let to = d.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(top.join("samples").join(from), to).unwrap();
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(&d)
        .args(["-q", "--only-failed", "--fail-on", "failed,no_connection", "captures/"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.ends_with(&format!("{block}\n")),
        "docs/ci.md's block is not the output's end:\n{out}"
    );
}

/// The yaml blocks of docs/ci.md, in order.
fn yaml_blocks(doc: &str) -> Vec<String> {
    doc.split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split_once("\n```").map(|(y, _)| format!("{y}\n")))
        .collect()
}

#[test]
fn ci_doc_jobs_and_the_release_workflow_match_the_ci_schemas() {
    // check-jsonschema (PyPI; scripts/install-tools.sh test installs it)
    // with its copies of the GitHub workflow and GitLab CI schemas.
    let top = common::top();
    let doc = std::fs::read_to_string(top.join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&doc);
    assert_eq!(blocks.len(), 3, "GitHub's audit job, GitLab's release and audit jobs");
    assert!(blocks[0].contains("checks: write"), "the JUnit action needs it");
    for b in &blocks {
        assert!(b.contains("--write") || b.contains("package.sh"), "{b}");
        assert!(
            !b.contains("cargo install"),
            "jobs install the package, never compile: {b}"
        );
        assert!(!b.contains("example.com"), "no placeholder URL: {b}");
    }
    let d = common::scratch("docs-ci-schemas");
    let github = d.join("tls-audit.yml");
    std::fs::write(&github, &blocks[0]).unwrap();
    let gitlab = d.join("gitlab-ci.yml");
    std::fs::write(&gitlab, format!("{}{}", blocks[1], blocks[2])).unwrap();
    let release = top.join(".github/workflows/release.yml");
    for (schema, file) in [
        ("vendor.github-workflows", &github),
        ("vendor.github-workflows", &release),
        ("vendor.gitlab-ci", &gitlab),
    ] {
        let o = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .arg(file)
            .output()
            .expect("check-jsonschema (scripts/install-tools.sh test installs it)");
        assert!(
            o.status.success(),
            "{} against {schema}: {}{}",
            file.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
