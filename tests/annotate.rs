//! `--annotate`: the capture written back as pcapng with the verdicts as
//! packet comments, read back by tshark (`scripts/install-tools.sh test`
//! installs it): the decisive frame's `frame.comment` names the cause, every
//! packet is there with its time and lengths, and with a key log tshark
//! decrypts the annotated file on its own.

mod common;
use common::{run, top};

/// tshark's fields of every frame (or of those matching `filter`).
fn tshark(file: &std::path::Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = std::process::Command::new("tshark");
    cmd.arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-T", "fields", "-E", "separator=|"]);
    if !filter.is_empty() {
        cmd.args(["-Y", filter]);
    }
    for f in fields {
        cmd.args(["-e", f]);
    }
    let o = cmd
        .output()
        .expect("tshark (scripts/install-tools.sh test installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect()
}

#[test]
fn the_verdict_is_at_the_decisive_packet_and_every_packet_is_kept() {
    let dir = common::scratch("annotate");
    let out = dir.join("case.pcapng");
    let input = top().join("samples/java-pkix-tls12.pcap");
    let o = run(&["-q", "--annotate", out.to_str().unwrap(), input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let comments = tshark(&out, "frame.comment", &["frame.number", "frame.comment"]);
    let decisive = comments
        .iter()
        .find(|l| l.starts_with("10|"))
        .expect("frame 10 has comments");
    assert!(
        decisive.contains("pcap-tls-audit #1: failed certificate_rejected_by_client (client gave up): Add "),
        "{decisive}"
    );
    assert!(
        comments
            .iter()
            .any(|l| l.starts_with("4|") && l.contains("ClientHello")),
        "{comments:?}"
    );
    // The same packets, times and lengths as the input.
    let fields = ["frame.time_epoch", "frame.len", "frame.cap_len", "frame.protocols"];
    assert_eq!(tshark(&out, "", &fields), tshark(&input, "", &fields));
}

#[test]
fn with_a_key_log_tshark_decrypts_the_annotated_file_alone() {
    let dir = common::scratch("annotate-keys");
    let out = dir.join("keys.pcapng");
    let o = run(&[
        "-q",
        "--keylog",
        "samples/keylog-curl-tls13-ok.keylog",
        "--annotate",
        out.to_str().unwrap(),
        "samples/keylog-curl-tls13-ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let certs = tshark(&out, "tls.handshake.type == 11", &["frame.number"]);
    assert!(!certs.is_empty(), "the TLS 1.3 Certificate decrypted by tshark");
    assert!(
        tshark(
            &top().join("samples/keylog-curl-tls13-ok.pcap"),
            "tls.handshake.type == 11",
            &["frame.number"]
        )
        .is_empty()
    );
}

#[test]
fn several_captures_go_into_a_directory_and_standard_input_is_refused() {
    let dir = common::scratch("annotate-several");
    let gz = dir.join("refused.pcap.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, &std::fs::read(top().join("samples/refused.pcap")).unwrap()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let out = dir.join("annotated");
    let o = run(&[
        "-q",
        "--annotate",
        out.to_str().unwrap(),
        "samples/tls12-ok.pcap",
        gz.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let comments = tshark(&out.join("2-refused.pcapng"), "frame.comment", &["frame.comment"]);
    assert!(comments.iter().any(|c| c.contains("tcp_refused")), "{comments:?}");
    assert!(out.join("1-tls12-ok.pcapng").is_file());
    let o = run(&["-q", "--annotate", out.join("x.pcapng").to_str().unwrap(), "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input is read once"));
}
