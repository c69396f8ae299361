//! Options of the command line that the golden tests do not exercise.

mod common;
use common::{run, top};

fn tmpdir(name: &str) -> common::Scratch {
    common::scratch(&format!("cli-{name}"))
}

#[test]
fn export_certs_writes_fingerprint_names_and_never_follows_symlinks() {
    let dir = tmpdir("export");
    let outside_dir = tmpdir("outside");
    let outside = outside_dir.join("victim.pem");
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
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[2], "chain-1.pem");
    assert_eq!(names[3], "index.tsv");
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = index.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], ["file", "capture", "connection", "subject", "sha256"]);
    assert_eq!(rows.len(), 3, "a row per certificate of the chain: {index}");
    assert_eq!(rows[1][..3], ["chain-1.pem", "samples/java-pkix-tls12.pcap", "1"]);
    for r in &rows[1..] {
        assert!(
            names.contains(&format!("{}.pem", r[4])),
            "{r:?}: its certificate's file"
        );
    }
    assert_eq!(rows[1][3], "C=US, O=Company Backend, CN=backend.company.com");
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
    // Two failed connections, then the capture's own line.
    assert_eq!(lines.len(), 3);
    assert!(
        lines[..2]
            .iter()
            .all(|l| l["type"] == "connection" && l["status"] != "ok" && l["capture"] == "samples/multi.pcap")
    );
    assert_eq!(lines[2]["type"], "capture");
    assert_eq!(lines[2]["path"], "samples/multi.pcap");
    assert_eq!(lines[2]["summary"]["connections"], 4);
    assert!(lines[2].get("connections").is_none());
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

#[test]
fn an_unknown_fail_on_word_is_exit_2_with_the_valid_words() {
    let o = run(&["--fail-on", "faild", "samples/tls12-ok.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("\"faild\" is not a status"), "{e}");
    assert!(
        e.contains("no_connection") && e.contains("untrusted_root") && e.contains("tcp_refused"),
        "{e}"
    );
    assert!(o.stdout.is_empty());
    // Causes, alert causes and codes of the contract are words.
    for w in [
        "certificate_rejected_by_client",
        "alert_decode_error",
        "reset_after_idle",
        "incomplete",
    ] {
        let o = run(&["--fail-on", w, "samples/tls12-ok.pcap"]);
        assert_eq!(o.status.code(), Some(0), "{w}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let o = run(&["--fail-on", "alert_decode_error", "samples/alert-decode-error.pcap"]);
    assert_eq!(o.status.code(), Some(1));
}

#[cfg(unix)]
#[test]
fn directories_follow_links_detect_loops_and_name_what_cannot_be_read() {
    let d = tmpdir("walk");
    std::fs::create_dir_all(d.join("hosts/mp1")).unwrap();
    std::fs::copy(top().join("samples/tls12-ok.pcap"), d.join("hosts/mp1/gw.pcap")).unwrap();
    // A linked directory is followed; a link back up is a loop, reported once, not followed.
    std::os::unix::fs::symlink(top().join("samples/pki"), d.join("hosts/pki-link")).unwrap();
    let far = tmpdir("walk-far");
    std::fs::copy(top().join("samples/refused.pcap"), far.join("r.pcap")).unwrap();
    std::os::unix::fs::symlink(&far, d.join("hosts/far")).unwrap();
    std::os::unix::fs::symlink(d.join("hosts"), d.join("hosts/mp1/loop")).unwrap();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("hosts/dangling.pcap")).unwrap();
    let o = run(&["--format", "jsonl", d.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("symbolic link loop"), "{e}");
    assert!(e.contains("dangling.pcap: cannot read"), "{e}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("mp1/gw.pcap"), "{out}");
    assert!(out.contains("far/r.pcap"), "the linked directory is walked: {out}");
}

#[test]
fn an_input_without_any_capture_is_exit_2() {
    let d = tmpdir("empty");
    std::fs::write(d.join("notes.txt"), "not a capture").unwrap();
    let o = run(&[d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no capture found in this directory"), "{e}");
}

#[test]
fn quiet_keeps_warnings_and_forced_progress_writes_no_escape_codes_off_a_terminal() {
    let bytes = std::fs::read(top().join("samples/tls12-ok.pcap")).unwrap();
    let d = tmpdir("quiet");
    let cut = d.join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let o = run(&["-q", cut.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("warning: reading stopped early"), "{e}");
    let o = run(&["--progress", cut.to_str().unwrap(), "samples/tls12-ok.pcap"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("[2/2] samples/tls12-ok.pcap"), "{e}");
    assert!(!e.contains('\x1b') && !e.contains('\r'), "{e:?}");
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("[1/2]"),
        "progress never reaches the report"
    );
}

#[test]
fn a_batch_is_analysed_in_parallel_and_reported_in_input_order() {
    let names = [
        "samples/tls12-ok.pcap",
        "samples/java-pkix-tls12.pcap",
        "samples/refused.pcap",
        "samples/multi.pcap",
        "samples/nginx-untrusted.pcap",
        "samples/tls13-ok.pcap",
    ];
    let o = run(&[&["--format", "json", "--jobs", "2"][..], &names[..]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["captures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, names);
    // Each capture's report is the one it gets alone.
    for (i, n) in names.iter().enumerate() {
        let one = run(&["--format", "json", n]);
        let w: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
        assert_eq!(v["captures"][i], w["captures"][0], "{n}");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_options() {
    for (what, marker) in [
        ("complete-bash", "complete -F _pcap__tls__audit"),
        ("complete-zsh", "#compdef pcap-tls-audit"),
        ("complete-fish", "complete -c pcap-tls-audit"),
        ("complete-powershell", "Register-ArgumentCompleter"),
        ("man", ".TH pcap-tls-audit"),
    ] {
        let o = run(&["--generate", what]);
        assert_eq!(o.status.code(), Some(0), "{what}");
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains(marker), "{what}: {}", &text[..text.len().min(300)]);
        // roff escapes the hyphens of option names.
        let text = text.replace("\\-", "-");
        assert!(
            text.contains("fail-on") && text.contains("export-certs"),
            "{what}: every option is in it"
        );
        if what == "man" {
            for section in [
                "EXIT STATUS",
                "ENVIRONMENT",
                "NO_COLOR",
                "SSLKEYLOGFILE",
                "EXAMPLES",
                "SEE ALSO",
                ".SH FILTERS",
            ] {
                assert!(text.contains(section), "man: {section}");
            }
        } else if what != "complete-powershell" {
            // --fail-on's words, --write's formats, the filters (clap's
            // PowerShell script completes option names only).
            for word in [
                "untrusted_root",
                "alert_decode_error",
                "damaged",
                "junit=",
                "sni",
                "server",
            ] {
                assert!(text.contains(word), "{what}: {word}");
            }
        }
    }
    // The completions' words are not the check: an unknown --fail-on word
    // is still our own message, listing the words.
    let o = run(&["--fail-on", "faild", "samples/tls12-ok.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Valid words"));
    let o = run(&["--generate", "complete-tcsh"]);
    assert_eq!(o.status.code(), Some(2), "an unknown word is a usage error");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_only_around_whole_lines() {
    let plain = run(&["samples/java-pkix-tls12.pcap", "samples/tls12-ok.pcapng"]);
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert!(!plain.contains('\u{1b}'), "auto: standard output is a pipe here");
    let never = run(&[
        "--color",
        "never",
        "samples/java-pkix-tls12.pcap",
        "samples/tls12-ok.pcapng",
    ]);
    assert_eq!(String::from_utf8(never.stdout).unwrap(), plain);
    let o = run(&[
        "--color",
        "always",
        "samples/java-pkix-tls12.pcap",
        "samples/tls12-ok.pcapng",
    ]);
    let coloured = String::from_utf8(o.stdout).unwrap();
    assert!(coloured.contains("\u{1b}[31mFAILED"), "failures red");
    assert!(coloured.contains("\u{1b}[32mok "), "ok green");
    assert!(coloured.contains("\u{1b}[33m    ! untrusted_root"), "findings yellow");
    // Take the escapes out: the same report.
    let mut stripped = String::new();
    let mut it = coloured.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\u{1b}' {
            for d in it.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, plain);
    let json = run(&["--color", "always", "--format", "json", "samples/java-pkix-tls12.pcap"]);
    assert!(!json.stdout.contains(&0x1b), "never in json");
}

#[test]
fn help_shows_the_three_uses_and_their_options_exist() {
    let o = run(&["--help"]);
    let help = String::from_utf8(o.stdout).unwrap();
    for want in [
        "One capture for a support case",
        "A CI job over a folder",
        "JSON for scripts",
    ] {
        assert!(help.contains(want), "{want}");
    }
    // The CI example's gate words are accepted (exit 1: the sample fails).
    let o = run(&[
        "--fail-on",
        "failed,no_connection,untrusted_root",
        "samples/java-pkix-tls12.pcap",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn jsonl_has_a_capture_line_for_every_capture_even_an_unreadable_one() {
    let o = run(&[
        "--format",
        "jsonl",
        "samples/refused.pcap",
        "samples/does-not-exist.pcap",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap_or("?")).collect();
    assert_eq!(types, vec!["connection", "capture", "capture"], "{text}");
    assert_eq!(lines[1]["summary"]["no_connection"], 1);
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("does-not-exist.pcap")),
        "{text}"
    );
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_written_and_dash_is_stdout() {
    let dir = tmpdir("out-is-in");
    let cap = dir.join("x.pcap");
    std::fs::copy(top().join("samples/refused.pcap"), &cap).unwrap();
    let before = std::fs::read(&cap).unwrap();
    let o = run(&["-q", "-o", cap.to_str().unwrap(), cap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("this is the input"));
    assert_eq!(std::fs::read(&cap).unwrap(), before, "the capture is untouched");
    // `-o -` is standard output, not a file named "-".
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_pcap-tls-audit"))
        .current_dir(&dir)
        .args(["-q", "-o", "-", "x.pcap"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 no connection"));
    assert!(!dir.join("-").exists());
}

#[test]
fn only_failed_prints_one_summary_line_for_an_all_ok_capture() {
    let o = run(&[
        "-q",
        "--only-failed",
        "--ca-file",
        "samples/pki/root.pem",
        "samples/tls12-ok.pcap",
        "samples/refused.pcap",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let ok_part: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("samples/refused.pcap"))
        .collect();
    assert_eq!(ok_part.len(), 1, "{out}");
    assert!(
        ok_part[0].starts_with("samples/tls12-ok.pcap:") && ok_part[0].ends_with("1 ok"),
        "{out}"
    );
    assert!(out.contains("tcp_refused"), "{out}");
}

#[test]
fn an_input_error_names_its_file_once_in_the_report() {
    let o = run(&["-q", "samples/refused.pcap", "samples/does-not-exist.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().find(|l| l.contains("ERROR")).unwrap_or_default();
    assert_eq!(line.matches("does-not-exist.pcap").count(), 1, "{line}");
    assert!(
        line.starts_with("samples/does-not-exist.pcap: ERROR: cannot read"),
        "{line}"
    );
}

#[test]
fn a_key_log_that_opens_nothing_says_so_once_and_a_file_without_key_log_lines_is_an_error() {
    let o = run(&[
        "-q",
        "--keylog",
        "samples/keylog-go-tls13-reject.keylog",
        "samples/keylog-curl-tls13-ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("keylog-go-tls13-reject.keylog: 1 session(s), none of them a connection"),
        "{e}"
    );
    // The log of the capture: no such line.
    let o = run(&[
        "-q",
        "--keylog",
        "samples/keylog-curl-tls13-ok.keylog",
        "samples/keylog-curl-tls13-ok.pcap",
    ]);
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    // A PEM given as a key log: one error, exit 2, before any analysis.
    let o = run(&[
        "-q",
        "--keylog",
        "samples/pki/root.pem",
        "samples/keylog-curl-tls13-ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("no key log line in this file: a PEM file"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn without_keys_the_report_says_how_to_get_them() {
    let o = run(&["samples/java-pkix-tls13.pcap"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("SSLKEYLOGFILE given with --keylog"), "{text}");
    assert!(text.contains("docs/decryption.md"), "{text}");
    assert!(!text.contains("does not decrypt"), "{text}");
}

#[test]
fn the_text_to_paste_is_wrapped_fixed_and_says_nothing_twice() {
    let goldens = top().join("samples/golden");
    let mut failed = 0;
    for e in std::fs::read_dir(&goldens).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            let text = std::fs::read_to_string(&p).unwrap();
            for l in text.lines().filter(|l| !l.trim_start().starts_with("$ ")) {
                assert!(l.chars().count() <= 100, "{name}: {l}");
            }
        }
        if name.ends_with(".json") {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            for c in v["captures"].as_array().into_iter().flatten() {
                for conn in c["connections"].as_array().into_iter().flatten() {
                    if let Some(f) = conn["failure"].as_object() {
                        failed += 1;
                        let fix = &f["fix"];
                        assert!(fix["summary"].as_str().is_some_and(|s| s.len() > 20), "{name}: {fix}");
                        assert!(["client", "server", "network", "capture"].contains(&fix["who"].as_str().unwrap()));
                        assert!(fix["commands"].is_array());
                    }
                }
            }
        }
    }
    assert!(failed > 30, "{failed} failures among the goldens");
    let o = run(&["samples/java-pkix-tls12.pcap"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[3].starts_with("FAILED #1 ") && lines[5].starts_with("  fix: [client] Add "),
        "{text}"
    );
    assert_eq!(
        text.matches("add it to the client's trust store").count(),
        0,
        "the fix says it, once: {text}"
    );
    assert!(text.contains("! untrusted_root: the verdict above"), "{text}");
    assert!(text.contains("judged by mozilla-builtin ("), "{text}");
    assert!(text.contains("+0.092 s  client  Alert"), "{text}");
    assert!(
        !text.contains("ja3") && !text.contains("ja4x"),
        "fingerprints only with --verbose"
    );
    let v = run(&["--verbose", "samples/java-pkix-tls12.pcap", "samples/tls12-ok.pcap"]);
    let verbose = String::from_utf8(v.stdout).unwrap();
    assert!(
        verbose.contains("fingerprints: ja4 ") && verbose.contains("ja4x"),
        "{verbose}"
    );
    let flat = verbose.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        flat.matches("the trust store (mozilla-builtin) lacks").count(),
        2,
        "once per connection: {verbose}"
    );
    assert!(
        verbose.matches("server certificate chain").count() >= 2,
        "ok chains too: {verbose}"
    );
}

#[test]
fn a_retransmitted_syn_is_counted_and_a_tls13_hello_labelled_by_its_highest_version() {
    let o = run(&["samples/tcp-no-response.pcap"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("client  SYN  sent 4 times, the last at +"), "{text}");
    let o = run(&["--format", "json", "samples/java-pkix-tls13.pcap"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ch = &v["captures"][0]["connections"][0]["handshake"][2];
    assert_eq!(ch["message"], "ClientHello");
    assert!(ch["detail"].as_str().unwrap().starts_with("TLS 1.3"), "{ch}");
}

#[test]
fn a_root_the_server_sent_gets_the_commands_that_add_it_to_the_stores() {
    let dir = common::scratch("fix-commands");
    let d = dir.to_str().unwrap();
    let o = run(&["--format", "json", "--export-certs", d, "samples/self-signed.pcap"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fix = &v["captures"][0]["connections"][0]["failure"]["fix"];
    assert_eq!(fix["who"], "client");
    let cmds: Vec<&str> = fix["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert!(
        cmds[0].starts_with("keytool -importcert -noprompt -alias backend-company-com -file '")
            && cmds[0].contains(" -cacerts")
    );
    // The file it names is the one --export-certs wrote.
    let file = cmds[0].split('\'').nth(1).unwrap();
    assert!(std::path::Path::new(file).is_file(), "{file}");
    // With the run's own store: the line for that store only.
    let pem = top().join("samples/pki/root.pem");
    let o = run(&[
        "--format",
        "json",
        "--export-certs",
        d,
        "--ca-file",
        pem.to_str().unwrap(),
        "samples/self-signed.pcap",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cmds = &v["captures"][0]["connections"][0]["failure"]["fix"]["commands"];
    assert_eq!(cmds.as_array().unwrap().len(), 1, "{cmds}");
    assert!(
        cmds[0].as_str().unwrap().ends_with(&format!(">> '{}'", pem.display())),
        "{cmds}"
    );
    // Without --export-certs there is no file to name: no command.
    let o = run(&["--format", "json", "samples/self-signed.pcap"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["captures"][0]["connections"][0]["failure"]["fix"]["commands"],
        serde_json::json!([])
    );
}
