//! Options of the command line that the golden tests do not exercise.

use std::path::PathBuf;
use std::process::{Command, Output};

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(top())
        .args(args)
        .output()
        .unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pta-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn export_certs_writes_fingerprint_names_and_never_follows_symlinks() {
    let dir = tmpdir("export");
    let outside = tmpdir("outside").join("victim.pem");
    std::fs::write(&outside, "untouched").unwrap();
    // A planted link where a chain file will be written.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, dir.join("chain-1.pem")).unwrap();
    let o = run(&["--export-certs", dir.to_str().unwrap(), "samples/java-pkix-tls12.pcap"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "untouched");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[2], "chain-1.pem");
    for n in &names[..2] {
        assert_eq!(n.len(), 64 + 4);
        assert!(n.trim_end_matches(".pem").chars().all(|c| c.is_ascii_hexdigit()));
    }
    let chain = std::fs::read_to_string(dir.join("chain-1.pem")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    // The exported certificates are the ones the report fingerprints.
    let pem = std::fs::read(dir.join(&names[0])).unwrap();
    let der = pcap_tls_audit::chain::read_certificates(&pem);
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&der[0])),
        names[0].trim_end_matches(".pem")
    );
}

#[test]
fn keystore_with_wrong_password_is_exit_2() {
    let o = run(&[
        "--keystore",
        "samples/pki/truststore.p12",
        "--keystore-password",
        "nope",
        "samples/tls12-ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("truststore.p12") && e.contains("password"), "{e}");
    assert_eq!(e.lines().count(), 1);
}

#[test]
fn unreadable_ca_file_is_exit_2() {
    let o = run(&["--ca-file", "samples/README.md", "samples/tls12-ok.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("samples/README.md"));
}

#[test]
fn fail_on_takes_finding_codes() {
    let args = ["--ca-file", "samples/pki/root.pem", "samples/wrong-order.pcap"];
    assert_eq!(run(&args).status.code(), Some(0));
    let mut with = args.to_vec();
    with.extend(["--fail-on", "wrong_order"]);
    assert_eq!(run(&with).status.code(), Some(1));
}

#[test]
fn only_failed_jsonl_and_output_file() {
    let dir = tmpdir("out");
    let out = dir.join("report.jsonl");
    let o = run(&[
        "--only-failed",
        "--format",
        "jsonl",
        "-o",
        out.to_str().unwrap(),
        "samples/multi.pcap",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|l| l["status"] != "ok" && l["capture"] == "samples/multi.pcap")
    );
}

#[test]
fn at_changes_the_validity_verdict() {
    let o = run(&[
        "--ca-file",
        "samples/pki/root.pem",
        "--at",
        "2040-01-01T00:00:00Z",
        "--format",
        "json",
        "samples/tls12-ok.pcap",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let chain = &v["captures"][0]["connections"][0]["server_chain"];
    assert_eq!(chain["trust"]["verdict"], "untrusted");
    assert!(
        chain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "expired")
    );
    assert_eq!(
        run(&["--at", "yesterday", "samples/tls12-ok.pcap"]).status.code(),
        Some(2)
    );
}
