//! The HTML report in a real browser: Debian's chromium, headless (installed
//! by the README's test command through `scripts/install-tools.sh test`).
//! The DOM chromium builds has one ladder arrow per handshake entry and the
//! decisive one marked, hostile strings stay text, and no element of it can
//! ask the network for anything (no src, href, srcset or CSS url(); the
//! page's policy forbids it besides). Chromium's own traffic (update checks,
//! accounts) shows in its network log whatever the page does, so the log is
//! not what is checked.

mod common;
use common::{tool, top};

use std::path::Path;
use std::process::Command;

/// The DOM chromium builds from the page.
fn render(page: &Path) -> String {
    let o = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        // Chromium's own traffic (updates, sync, spelling dictionaries) is
        // switched off, so that what the log shows is the page's.
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--no-first-run",
            "--disable-features=SpellcheckService,OptimizationHints,MediaRouter",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium (run scripts/install-tools.sh test, as the README's test command does)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Attributes of the DOM's elements that could make the browser fetch something.
fn fetching(dom: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in dom.split('<').skip(1) {
        let head = tag.split('>').next().unwrap_or("");
        // In-page anchors (href="#c1-conn-3") fetch nothing.
        let head = head.replace(" href=\"#", " anchor=\"");
        for a in [" src=", " href=", " srcset=", " action=", "url("] {
            if head.contains(a) {
                found.push(head.to_string());
            }
        }
    }
    found
}

fn dir() -> common::Scratch {
    common::scratch("browser")
}

#[test]
fn chromium_draws_one_arrow_per_entry_and_fetches_nothing() {
    let cases: [&[&str]; 3] = [
        &["samples/java-pkix-tls12.pcap"],
        &["samples/client-cert-required-tls13.pcap"],
        &[
            "--keylog",
            "samples/keylog-go-tls13-reject.keylog",
            "samples/keylog-go-tls13-reject.pcap",
        ],
    ];
    for (i, args) in cases.iter().enumerate() {
        let json: serde_json::Value = serde_json::from_slice(&tool(&[&["--format", "json"], *args].concat())).unwrap();
        let conn = &json["captures"][0]["connections"][0];
        let entries = conn["handshake"].as_array().unwrap().len();
        let d = dir();
        let page = d.join(format!("page{i}.html"));
        tool(&[&["--format", "html", "-o", page.to_str().unwrap()], *args].concat());
        let dom = render(&page);
        assert_eq!(dom.matches("class=\"arrow").count(), entries, "{args:?}");
        assert_eq!(dom.matches("class=\"arrow decisive").count(), 1, "{args:?}");
        // The chain is drawn when the capture shows it (not a TLS 1.3 one without keys).
        assert_eq!(
            dom.contains("class=\"cert"),
            !conn["server_chain"].is_null(),
            "{args:?}"
        );
        assert!(fetching(&dom).is_empty(), "{args:?}: {:?}", fetching(&dom));
    }
}

#[test]
fn hostile_names_stay_text_in_the_browser() {
    let sample = std::fs::read(top().join("samples/java-pkix-tls12.pcap")).unwrap();
    let (from, to): (&[u8], &[u8]) = (b"backend.company.com", b"<img src=x onerror=");
    let mut b = sample.clone();
    let mut i = 0;
    while let Some(p) = b[i..].windows(from.len()).position(|w| w == from) {
        b[i + p..i + p + from.len()].copy_from_slice(&to[..from.len()]);
        i += p + from.len();
    }
    let d = dir();
    let pcap = d.join("hostile.pcap");
    std::fs::write(&pcap, &b).unwrap();
    let page = d.join("hostile.html");
    tool(&["--format", "html", "-o", page.to_str().unwrap(), pcap.to_str().unwrap()]);
    let dom = render(&page);
    assert!(!dom.contains("<img"), "no element made from the capture's strings");
    assert!(dom.contains("SNI &lt;img src=x onerror="), "the name is shown as text");
    assert!(fetching(&dom).is_empty(), "{:?}", fetching(&dom));
}

/// Every sample on one page (a batch): in the DOM chromium builds, each
/// connection drawn has one arrow per entry of its handshake and one
/// decisive arrow when it failed at a frame.
#[test]
fn every_sample_is_drawn_right_in_the_browser() {
    let mut samples: Vec<String> = std::fs::read_dir(top().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .map(|p| format!("samples/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    samples.sort();
    let args: Vec<&str> = samples.iter().map(|s| s.as_str()).collect();
    let json: serde_json::Value = serde_json::from_slice(&tool(&[&["--format", "json"], &args[..]].concat())).unwrap();
    let d = dir();
    let page = d.join("all.html");
    tool(&[&["--format", "html", "-o", page.to_str().unwrap()], &args[..]].concat());
    let dom = render(&page);
    let sections: Vec<&str> = dom.split("<section class=\"capture\">").skip(1).collect();
    assert_eq!(sections.len(), samples.len());
    let mut drawn = 0;
    for (k, (section, capture)) in sections.iter().zip(json["captures"].as_array().unwrap()).enumerate() {
        for c in capture["connections"].as_array().unwrap() {
            let marker = format!("id=\"c{}-conn-{}\"", k + 1, c["id"]);
            let Some(at) = section.find(&marker) else { continue };
            let block = &section[at..];
            let block = &block[..block[1..].find("<div class=\"conn ").map_or(block.len(), |e| e + 1)];
            let entries = c["handshake"].as_array().unwrap().len();
            assert_eq!(
                block.matches("class=\"arrow").count(),
                entries,
                "{} #{}",
                capture["path"],
                c["id"]
            );
            let decisive = block.matches("class=\"arrow decisive").count();
            assert_eq!(
                decisive,
                usize::from(!c["failure"]["frame"].is_null()),
                "{} #{}",
                capture["path"],
                c["id"]
            );
            drawn += 1;
        }
    }
    assert!(drawn > 40, "{drawn}");
    assert!(fetching(&dom).is_empty(), "{:?}", fetching(&dom));
}

/// The page in chromium at `width` pixels: the elements whose right edge
/// passes the window's (the page's copy gets a script that marks them,
/// its policy relaxed for that script alone).
fn too_wide(page: &str, width: u32) -> (String, String) {
    let d = dir();
    let start = page.find("<meta http-equiv=\"Content-Security-Policy\"").unwrap();
    let end = start + page[start..].find("/>").unwrap() + 2;
    let probe = "<script>var w=document.documentElement.clientWidth,bad=[];\
document.querySelectorAll('body *').forEach(function(e){var r=e.getBoundingClientRect();\
if(r.width>0&&r.right>w+1){bad.push(e.tagName+'.'+e.getAttribute('class'));}});\
document.body.setAttribute('data-wide',bad.join(' '));</script></body>";
    let copy = format!("{}{}", &page[..start], &page[end..]).replace("</body>", probe);
    let p = d.join("page.html");
    std::fs::write(&p, copy).unwrap();
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--dump-dom",
        ])
        .arg(format!("--window-size={width},3000"))
        .arg(format!("file://{}", p.display()))
        .output()
        .expect("chromium (run scripts/install-tools.sh test, as the README's test command does)");
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let wide = dom
        .split("data-wide=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("(the probe did not run)")
        .to_string();
    (wide, dom)
}

#[test]
fn at_1280_and_420_pixels_nothing_is_wider_than_the_window_and_the_verdict_comes_first() {
    let d = dir();
    let certs = d.join("certs");
    let page = String::from_utf8(tool(&[
        "--format",
        "html",
        "--export-certs",
        certs.to_str().unwrap(),
        "samples/self-signed.pcap",
        "samples/java-pkix-tls12.pcap",
        "samples/multi.pcap",
    ]))
    .unwrap();
    for width in [1280, 420] {
        let (wide, dom) = too_wide(&page, width);
        assert_eq!(wide, "", "{width} px: elements wider than the window");
        assert!(
            dom.contains("class=\"verdict\"") && dom.contains("Fix (client):"),
            "{width} px"
        );
        assert!(dom.contains("class=\"context\""), "the page says what made it");
    }
}
