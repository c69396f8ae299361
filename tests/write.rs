//! `--write FORMAT=FILE`: one analysis, every report of the run, each the
//! same as a run in that format alone; files that would destroy an input
//! or mix two reports are refused before anything is written.

mod common;
use common::{run, top};

#[test]
fn one_run_writes_every_format_as_runs_of_each_would() {
    let dir = common::scratch("write");
    let inputs = [
        "samples/java-pkix-tls12.pcap",
        "samples/multi.pcap",
        "samples/tls12-ok.pcap",
    ];
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (junit, ecs, jsonl, json, html) = (
        file("junit.xml"),
        file("report.ecs.ndjson"),
        file("report.jsonl"),
        file("report.json"),
        file("report.html"),
    );
    let mut args = vec!["-q", "--jobs", "1"];
    let writes = [
        format!("junit={junit}"),
        format!("ecs={ecs}"),
        format!("jsonl={jsonl}"),
        format!("json={json}"),
        format!("html={html}"),
    ];
    for w in &writes {
        args.extend(["--write", w.as_str()]);
    }
    args.extend(inputs);
    let all = run(&args);
    assert_eq!(all.status.code(), Some(1), "{}", String::from_utf8_lossy(&all.stderr));
    let alone = |format: &str| {
        let mut a = vec!["-q", "--jobs", "1", "--format", format];
        a.extend(inputs);
        run(&a).stdout
    };
    assert_eq!(all.stdout, alone("text"), "text on standard output");
    for (format, path) in [("junit", &junit), ("ecs", &ecs), ("jsonl", &jsonl), ("json", &json)] {
        let mut got = std::fs::read_to_string(path).unwrap();
        let mut want = String::from_utf8(alone(format)).unwrap();
        // (ECS documents carry the time of the run.)
        if format == "ecs" {
            let strip = |s: &str| -> String {
                s.lines()
                    .map(|l| {
                        let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                        v.as_object_mut().unwrap().remove("event.ingested");
                        if let Some(e) = v.get_mut("event").and_then(|e| e.as_object_mut()) {
                            e.remove("ingested");
                        }
                        v.to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (got, want) = (strip(&got), strip(&want));
        }
        assert!(got == want, "{format}: the same as a run of its own");
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("multi.pcap"));
    assert!(!page.contains("\x1b["), "no colour in files");
}

#[test]
fn a_write_to_an_input_or_twice_to_one_file_is_refused_before_anything_is_written() {
    let dir = common::scratch("write-refused");
    let cap = dir.join("x.pcap");
    std::fs::copy(top().join("samples/refused.pcap"), &cap).unwrap();
    let before = std::fs::read(&cap).unwrap();
    let c = cap.to_string_lossy().into_owned();
    let o = run(&["-q", "--write", &format!("json={c}"), &c]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("this is the input"));
    assert_eq!(std::fs::read(&cap).unwrap(), before, "the capture is untouched");
    let out = dir.join("r.json").to_string_lossy().into_owned();
    let o = run(&["-q", "-o", &out, "--write", &format!("jsonl={out}"), &c]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("two reports"));
    assert!(!dir.join("r.json").exists(), "nothing written");
    for bad in ["junit", "xml=out.xml", "=x"] {
        let o = run(&["-q", "--write", bad, &c]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains("FORMAT=FILE") || e.contains("not a format"), "{bad}: {e}");
    }
    // `-`: standard output, when -o sends the first report to a file.
    let o = run(&["-q", "-o", &out, "--write", "jsonl=-", &c]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"type\":\"connection\""));
    let o = run(&["-q", "--write", "jsonl=-", &c]);
    assert_eq!(o.status.code(), Some(2));
}
