//! `--format ecs`: every field written is an Elastic Common Schema field
//! of the right type (checked against ECS's own field list, pinned in
//! tests/data/ecs-fields.csv), or under the tool's own namespace.

mod common;
use common::{tool, top};

use std::collections::HashMap;

use serde_json::Value;

/// Field -> (type, normalization) from the pinned list.
fn ecs_fields() -> HashMap<String, (String, String)> {
    let csv = std::fs::read_to_string(top().join("tests/data/ecs-fields.csv")).unwrap();
    csv.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("ECS_Version"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[3].to_string(), (f[4].to_string(), f[6].to_string()))
        })
        .collect()
}

/// Leaf paths of a document, with their values (arrays are leaves).
fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, x, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

fn type_fits(ty: &str, v: &Value) -> bool {
    match ty {
        "keyword" | "match_only_text" | "wildcard" | "constant_keyword" => v.is_string(),
        "long" => v.is_i64() || v.is_u64(),
        "float" | "scaled_float" => v.is_number(),
        "boolean" => v.is_boolean(),
        "ip" => v.as_str().is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        "date" => v
            .as_str()
            .is_some_and(|s| pcap_tls_audit::timefmt::parse_rfc3339(s).is_ok()),
        _ => false,
    }
}

fn ecs_lines(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "ecs"];
    all.extend_from_slice(args);
    String::from_utf8(tool(&all))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_field_is_an_ecs_field_of_its_type() {
    let fields = ecs_fields();
    assert!(fields.len() > 200);
    let docs = ecs_lines(&["samples", "tests/corpus/public/ja4__tls-handshake.pcapng"]);
    assert!(docs.len() > 100, "{}", docs.len());
    let (mut checked, mut bad) = (0, Vec::new());
    for d in &docs {
        let mut out = Vec::new();
        leaves("", d, &mut out);
        for (path, v) in out {
            if path.starts_with("pcap_tls_audit.") {
                continue;
            }
            let Some((ty, norm)) = fields.get(&path) else {
                bad.push(format!("{path}: not an ECS field"));
                continue;
            };
            let ok = match &v {
                Value::Array(a) => norm == "array" && !a.is_empty() && a.iter().all(|x| type_fits(ty, x)),
                _ => type_fits(ty, &v),
            };
            if !ok {
                bad.push(format!("{path}: {v} is not {ty} ({norm})"));
            }
            checked += 1;
        }
    }
    bad.sort();
    bad.dedup();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(checked > 3000, "{checked}");
}

#[test]
fn a_rejected_chain_in_ecs() {
    let docs = ecs_lines(&["samples/java-pkix-tls12.pcap"]);
    assert_eq!(docs.len(), 2, "one connection, then the capture");
    let d = &docs[0];
    assert_eq!(d["@timestamp"], "2026-11-23T16:58:39.491554Z");
    assert_eq!(d["event"]["outcome"], "failure");
    assert_eq!(d["event"]["dataset"], "pcap_tls_audit.connection");
    assert_eq!(d["error"]["code"], "certificate_rejected_by_client");
    assert_eq!(
        (&d["source"]["ip"], &d["source"]["port"]),
        (&"127.0.0.1".into(), &34066.into())
    );
    assert_eq!(d["destination"]["port"], 8443);
    assert_eq!(d["tls"]["version"], "1.2");
    assert_eq!(d["tls"]["version_protocol"], "tls");
    assert_eq!(d["tls"]["established"], false);
    assert_eq!(d["tls"]["client"]["server_name"], "backend.company.com");
    let sha = d["tls"]["server"]["hash"]["sha256"].as_str().unwrap();
    assert_eq!(
        sha, "8E36D451BA75EC97BF517471674D1BE5A9C98CCF60CA4B6B63C3D616D1E3BA5B",
        "upper case, as ECS asks"
    );
    assert_eq!(d["tls"]["server"]["certificate_chain"].as_array().unwrap().len(), 2);
    assert_eq!(
        d["tls"]["server"]["x509"]["subject"]["distinguished_name"],
        "C=US, O=Company Backend, CN=backend.company.com"
    );
    assert_eq!(d["related"]["hosts"][0], "backend.company.com");
    let own = &d["pcap_tls_audit"];
    assert_eq!(own["cause"], "certificate_rejected_by_client");
    assert_eq!(own["side"], "client");
    assert_eq!(own["frame"], 10);
    assert_eq!(own["codes"][0], "untrusted_root");
    assert_eq!(own["capture"], "samples/java-pkix-tls12.pcap");
    assert!(own["ja4"].as_str().unwrap().starts_with("t12d"));
    // The capture's own document closes it.
    let c = &docs[1];
    assert_eq!(c["event"]["dataset"], "pcap_tls_audit.capture");
    assert_eq!(c["pcap_tls_audit"]["capture_report"]["summary"]["failed"], 1);
}
