//! `--format html`: one self-contained page, read back here as XML (the
//! page is well-formed): the policy forbids network access and allows only
//! its own inline script; each failed connection has a ladder with one
//! arrow per handshake entry and the decisive one marked, and its chain as
//! a tree; strings from the capture stay text; element ids are unique in a
//! batch page. (Rendered in chromium: `tests/browser.rs`.)

mod common;
use common::{tool, top};

use sha2::Digest;

fn run(format: &str, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["--format", format, "--ca-file", "samples/pki/root.pem"];
    all.extend_from_slice(args);
    tool(&all)
}

fn parse(page: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(page, opts).expect("the page is well-formed")
}

fn class_has(n: &roxmltree::Node, c: &str) -> bool {
    n.attribute("class").is_some_and(|v| v.split(' ').any(|x| x == c))
}

#[test]
fn the_page_is_self_contained_and_its_script_is_the_only_one_allowed() {
    let page = String::from_utf8(run("html", &["samples/java-pkix-tls12.pcap"])).unwrap();
    let doc = parse(&page);
    let csp = doc
        .descendants()
        .find(|n| n.attribute("http-equiv") == Some("Content-Security-Policy"))
        .and_then(|n| n.attribute("content"))
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let scripts: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("script")).collect();
    assert_eq!(scripts.len(), 1);
    let code = scripts[0].text().unwrap();
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(code.as_bytes()),
    );
    assert!(
        csp.contains(&format!("'sha256-{hash}'")),
        "the policy allows exactly the page's script"
    );
    // Nothing is fetched: no src, and no href but in-page anchors.
    for n in doc.descendants() {
        assert!(n.attribute("src").is_none(), "{:?} has src", n.tag_name());
        assert!(
            n.attribute("href").is_none_or(|h| h.starts_with('#')),
            "{:?} has href",
            n.tag_name()
        );
    }
}

#[test]
fn a_ladder_arrow_per_handshake_entry_and_the_decisive_one_marked() {
    for sample in [
        "samples/java-pkix-tls12.pcap",
        "samples/client-cert-required-tls13.pcap",
        "samples/refused.pcap",
    ] {
        let json: serde_json::Value = serde_json::from_slice(&run("json", &[sample])).unwrap();
        let c = &json["captures"][0]["connections"][0];
        let page = String::from_utf8(run("html", &[sample])).unwrap();
        let doc = parse(&page);
        let ladder = doc
            .descendants()
            .find(|n| n.has_tag_name("svg") && class_has(n, "ladder"))
            .unwrap();
        let arrows: Vec<_> = ladder.children().filter(|n| class_has(n, "arrow")).collect();
        assert_eq!(arrows.len(), c["handshake"].as_array().unwrap().len(), "{sample}");
        let decisive: Vec<_> = arrows.iter().filter(|n| class_has(n, "decisive")).collect();
        assert_eq!(decisive.len(), 1, "{sample}");
        assert_eq!(
            decisive[0].attribute("data-frame"),
            Some(c["failure"]["frame"].to_string().as_str()),
            "{sample}"
        );
        if let Some(certs) = c["server_chain"]["certificates"].as_array() {
            let boxes = doc
                .descendants()
                .filter(|n| class_has(n, "cert") && n.attribute("data-index").is_some())
                .count();
            assert_eq!(boxes, certs.len(), "{sample}");
        }
    }
}

#[test]
fn hostile_names_stay_text() {
    let sample = std::fs::read(top().join("samples/java-pkix-tls12.pcap")).unwrap();
    let (from, to): (&[u8], &[u8]) = (b"backend.company.com", b"<script>x()</script");
    let mut b = sample.clone();
    let mut i = 0;
    while let Some(p) = b[i..].windows(from.len()).position(|w| w == from) {
        b[i + p..i + p + from.len()].copy_from_slice(&to[..from.len()]);
        i += p + from.len();
    }
    let dir = common::scratch("html");
    let p = dir.join("hostile.pcap");
    std::fs::write(&p, &b).unwrap();
    let page = String::from_utf8(run("html", &[p.to_str().unwrap()])).unwrap();
    let doc = parse(&page);
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("script")).count(),
        1,
        "no script injected"
    );
    let h3 = doc.descendants().find(|n| n.has_tag_name("h3")).unwrap();
    assert!(h3.text().unwrap().contains("SNI <script>x()</scrip"), "{:?}", h3.text());
}

#[path = "../benches/support/generate.rs"]
mod generate;

#[test]
fn the_same_failure_is_drawn_once_and_the_capture_has_a_timeline() {
    let templates = generate::templates(&top().join("samples"));
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 400, 48, 50), 3, &mut pcap, &mut truth).unwrap();
    let dir = common::scratch("html-gen");
    let p = dir.join("gen.pcap");
    std::fs::write(&p, &pcap).unwrap();
    let page = String::from_utf8(run("html", &[p.to_str().unwrap()])).unwrap();
    let doc = parse(&page);
    let drawn: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("div") && class_has(n, "failed"))
        .collect();
    let truth = String::from_utf8(truth).unwrap();
    let failing = truth.lines().filter(|l| !l.contains("\tok")).count();
    assert!(
        !drawn.is_empty() && drawn.len() < failing,
        "{} drawn of {failing}",
        drawn.len()
    );
    // Every repeat points at a failure drawn above.
    let ids: Vec<String> = drawn
        .iter()
        .filter_map(|n| n.attribute("id"))
        .map(|s| format!("#{s}"))
        .collect();
    let links: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("href")).collect();
    assert!(!links.is_empty());
    assert!(links.iter().all(|l| ids.iter().any(|i| i == l)), "{links:?}");
    let timeline = doc
        .descendants()
        .find(|n| n.has_tag_name("div") && class_has(n, "timeline"))
        .unwrap();
    assert!(timeline.descendants().filter(|n| n.has_tag_name("rect")).count() > 10);
}

#[test]
fn a_batch_page_has_its_groups_and_every_capture() {
    let page = String::from_utf8(run(
        "html",
        &[
            "samples/java-pkix-tls12.pcap",
            "samples/nginx-untrusted.pcap",
            "samples/tls12-ok.pcap",
        ],
    ))
    .unwrap();
    let doc = parse(&page);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("section") && class_has(n, "capture"))
            .count(),
        3
    );
    let groups = doc
        .descendants()
        .find(|n| n.has_tag_name("section") && class_has(n, "groups"))
        .unwrap();
    assert!(groups.descendants().any(|n| n.has_tag_name("li")));
    // ok connections are rows of a sortable table.
    let table = doc
        .descendants()
        .find(|n| n.has_tag_name("table") && class_has(n, "sortable"))
        .unwrap();
    assert!(table.descendants().filter(|n| n.has_tag_name("tr")).count() >= 2);
}

#[test]
fn element_ids_are_unique_in_a_batch_page_and_links_resolve() {
    // The same capture twice: connection ids repeat, element ids do not.
    let page = String::from_utf8(run(
        "html",
        &[
            "samples/java-pkix-tls12.pcap",
            "samples/java-pkix-tls12.pcap",
            "samples/multi.pcap",
        ],
    ))
    .unwrap();
    let doc = parse(&page);
    let ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    for n in doc.descendants().filter(|n| n.has_tag_name("a")) {
        if let Some(target) = n.attribute("href").and_then(|h| h.strip_prefix('#')) {
            assert!(ids.contains(&target), "a link to #{target}");
        }
    }
    // Each capture's size and hash, as the file lies on disk.
    let bytes = std::fs::read(top().join("samples/multi.pcap")).unwrap();
    let hash = hex::encode(sha2::Sha256::digest(&bytes));
    assert!(
        page.contains(&format!("{} bytes; file sha256 {hash}", bytes.len())),
        "the capture's hash"
    );
}
