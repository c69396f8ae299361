//! A generated capture (replayed sample connections over IPv4 and IPv6,
//! interleaved, with application data, failures, retransmissions and
//! reordering; `benches/support/generate.rs`) is reported exactly as its
//! truth file says: every connection, in first-packet order, with its status.

#[path = "../benches/support/generate.rs"]
mod generate;

use std::sync::Arc;

use pcap_tls_audit::analyze::{Options, analyze_capture, analyze_in_chunks};
use pcap_tls_audit::capture::CaptureFile;
use pcap_tls_audit::chain::Chains;
use pcap_tls_audit::trust::TrustStore;

/// The run's options: the Mozilla trust store, nothing else.
fn opts() -> Options {
    Options {
        chains: Arc::new(Chains::new(TrustStore::mozilla())),
        at: None,
        host: None,
        keylog: None,
        filters: Default::default(),
        stores: Default::default(),
    }
}

#[test]
fn a_generated_capture_matches_its_truth() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    for seed in [1, 2, 3] {
        let (mut pcap, mut truth) = (Vec::new(), Vec::new());
        let (_, n) = generate::generate(&templates, (u64::MAX, 600, 48, 50), seed, &mut pcap, &mut truth).unwrap();
        assert_eq!(n, 600);
        let cf = CaptureFile::from_bytes("generated", pcap).unwrap();
        let opts = opts();
        let rep = analyze_capture(&cf, &opts);
        assert!(rep.warnings.is_empty() && rep.error.is_none(), "{:?}", rep.warnings);
        let truth = String::from_utf8(truth).unwrap();
        let want: Vec<(&str, &str)> = truth
            .lines()
            .map(|l| {
                let mut f = l.split('\t');
                (f.next().unwrap(), f.next().unwrap())
            })
            .collect();
        let got: Vec<(&str, &str)> = rep
            .connections
            .iter()
            .map(|c| (c.client.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(got.len(), want.len(), "seed {seed}: every connection is reported");
        let wrong: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).take(5).collect();
        assert!(wrong.is_empty(), "seed {seed}: {wrong:?}");
        let failures = want.iter().filter(|(_, s)| *s != "ok").count();
        assert!(failures > 5, "seed {seed}: the mix has failures ({failures})");
    }
}

#[test]
fn a_generated_capture_with_connections_shown_in_part_matches_its_truth() {
    // A tenth of the completing connections began before the capture, a
    // tenth are seen from the server only: each is incomplete, never a
    // failure, whatever the workers.
    let shapes = generate::Shapes {
        started_before: 100,
        server_only: 100,
        ..Default::default()
    };
    let (pcap, truth) = shaped(shapes, 7);
    let want: Vec<(&str, &str)> = truth
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap_or(""), f.next().unwrap_or(""))
        })
        .collect();
    let partial = want.iter().filter(|(_, s)| *s == "incomplete").count();
    assert!(partial > 60, "{partial}");
    let cf = CaptureFile::from_bytes("generated", pcap).unwrap();
    let opts = opts();
    for workers in [1, 2] {
        let mut c = AsTheyEnd(Vec::new());
        let rep = pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, workers, &mut c);
        let mut got: Vec<(u64, String, String)> =
            c.0.iter()
                .map(|r| (r.first_frame, r.client.clone(), r.status.as_str().to_string()))
                .collect();
        got.sort();
        let got: Vec<(&str, &str)> = got.iter().map(|(_, a, b)| (a.as_str(), b.as_str())).collect();
        let wrong: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).take(5).collect();
        assert_eq!(got.len(), want.len());
        assert!(wrong.is_empty(), "{workers} workers: {wrong:?}");
        assert!(
            rep.warnings
                .iter()
                .any(|w| w.contains("captured in one direction only")),
            "{:?}",
            rep.warnings
        );
    }
}

/// A generated capture of 600 connections (48 open at once) in `shapes`,
/// from `seed`, and its truth file.
fn shaped(shapes: generate::Shapes, seed: u64) -> (Vec<u8>, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate_shaped(&templates, (u64::MAX, 600, 48, 20), shapes, seed, &mut pcap, &mut truth).unwrap();
    (pcap, String::from_utf8(truth).unwrap())
}

/// A generated capture of 800 connections, from `seed`.
fn eight_hundred(seed: u64) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 800, 64, 20), seed, &mut pcap, &mut truth).unwrap();
    pcap
}

/// Collects reports in completion order (as text and jsonl take them).
struct AsTheyEnd(Vec<pcap_tls_audit::report::ConnectionReport>);

impl pcap_tls_audit::analyze::ConnectionSink for AsTheyEnd {
    fn connection(&mut self, c: pcap_tls_audit::report::ConnectionReport) {
        self.0.push(c);
    }

    fn order(&self) -> pcap_tls_audit::analyze::Emit {
        pcap_tls_audit::analyze::Emit::Completion
    }
}

#[test]
fn reports_taken_as_connections_end_have_the_ids_and_text_of_first_frame_order() {
    let cf = CaptureFile::from_bytes("generated", eight_hundred(9)).unwrap();
    let opts = opts();
    let ordered = analyze_capture(&cf, &opts);
    for workers in [1, 2, 3] {
        let mut sink = AsTheyEnd(Vec::new());
        let rep = pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, workers, &mut sink);
        assert_eq!(rep.summary.connections, ordered.summary.connections);
        let mut text = pcap_tls_audit::report::TextCapture::default();
        for c in &sink.0 {
            text.add(c);
        }
        let mut sorted = sink.0;
        sorted.sort_by_key(|c| c.id);
        let a = serde_json::to_value(&sorted).unwrap();
        let b = serde_json::to_value(&ordered.connections).unwrap();
        assert!(a == b, "{workers} workers: the same reports, ids by first frame");
        let mut whole = pcap_tls_audit::report::TextCapture::default();
        for c in &ordered.connections {
            whole.add(c);
        }
        assert_eq!(
            text.render(&rep),
            whole.render(&ordered),
            "{workers} workers: the same text"
        );
    }
}

#[test]
fn a_mapped_capture_gives_the_same_reports_with_any_number_of_workers() {
    // A file on disk is mapped, and its pages are mapped ahead and given
    // back while the workers run (`capture::Pages`, shared by the reading
    // thread and worker 1): the reports are those of the same bytes in
    // memory, whatever the threads.
    use std::io::Write;
    let pcap = eight_hundred(11);
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&pcap).unwrap();
    f.flush().unwrap();
    let opts = opts();
    let in_memory = analyze_capture(&CaptureFile::from_bytes("generated", pcap).unwrap(), &opts);
    let want = serde_json::to_value(&in_memory.connections).unwrap();
    let mapped = CaptureFile::open(f.path()).unwrap();
    assert!(mapped.pages().is_some(), "a file on disk is mapped");
    for workers in [1, 2, 3] {
        let mut sink = AsTheyEnd(Vec::new());
        let rep = pcap_tls_audit::analyze::analyze_into(&mapped, &opts, &|_, _| {}, workers, &mut sink);
        assert!(rep.warnings.is_empty() && rep.error.is_none(), "{:?}", rep.warnings);
        let mut got = sink.0;
        got.sort_by_key(|c| c.id);
        assert!(serde_json::to_value(&got).unwrap() == want, "{workers} workers");
    }
}

#[test]
fn many_batches_read_the_same_with_any_workers_whole_or_streamed() {
    // Over 100 000 frames: workers send what they judged every few batches
    // of 4 096 frames (`analyze::pass`), so this crosses many such groups,
    // and chunks of a stream end between and inside them.
    use std::io::Write;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 8000, 64, 1), 5, &mut pcap, &mut truth).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&pcap).unwrap();
    let gz = gz.finish().unwrap();
    let opts = opts();
    let whole = analyze_capture(&CaptureFile::from_bytes("generated", pcap).unwrap(), &opts);
    assert!(whole.packets > 100_000, "{} packets", whole.packets);
    assert_eq!(whole.summary.connections, 8000);
    let want = serde_json::to_value(&whole).unwrap();
    for (workers, chunk) in [(2, 1 << 20), (2, 3_000_017), (3, 5_000_011)] {
        // (A stream is read once.)
        let cf = CaptureFile::from_bytes("generated", gz.clone()).unwrap();
        let streamed = analyze_in_chunks(&cf, &opts, workers, chunk);
        assert!(
            serde_json::to_value(&streamed).unwrap() == want,
            "{workers} workers, chunks of {chunk}"
        );
    }
}

/// The first `frames` frames of a classic pcap (little-endian, as generated).
fn first_frames(pcap: &[u8], frames: usize) -> Vec<u8> {
    let mut end = 24;
    for _ in 0..frames {
        let Some(h) = pcap.get(end + 8..end + 12) else {
            break;
        };
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
        end += 16 + len;
    }
    pcap[..end.min(pcap.len())].to_vec()
}

#[test]
fn a_capture_that_ends_with_thousands_open_reads_the_same_with_any_workers() {
    // 6 000 connections, up to 3 000 open at once, the capture cut in the
    // middle: thousands are still open at its end, and are judged then a
    // step at a time (`Worker::finish_step`), each step's reports handed on
    // before the next is judged. Their ids, order and reports are those of
    // one worker, by first frame and as they end, with up to eight workers.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let templates = generate::templates(&dir);
    let (mut pcap, mut truth) = (Vec::new(), Vec::new());
    generate::generate(&templates, (u64::MAX, 6000, 3000, 2), 21, &mut pcap, &mut truth).unwrap();
    let cf = CaptureFile::from_bytes("generated", first_frames(&pcap, 30_000)).unwrap();
    let opts = opts();
    let mut one = Vec::new();
    let alone = pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, 1, &mut one);
    let open_at_end = (one.iter())
        .filter(|c| c.close.first_fin.is_none() && c.close.first_rst.is_none())
        .count();
    assert!(open_at_end > 2048, "{open_at_end} connections open at the end");
    let want = serde_json::to_value(&one).unwrap();
    for workers in [2, 4, 8] {
        let mut by_first = Vec::new();
        let rep = pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, workers, &mut by_first);
        assert_eq!(rep.summary.connections, alone.summary.connections);
        let ids: Vec<u64> = by_first.iter().map(|c| c.id).collect();
        assert!(
            ids.windows(2).all(|w| w[1] == w[0] + 1),
            "{workers} workers: in id order"
        );
        assert!(serde_json::to_value(&by_first).unwrap() == want, "{workers} workers");
        let mut sink = AsTheyEnd(Vec::new());
        pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, workers, &mut sink);
        let mut got = sink.0;
        got.sort_by_key(|c| c.id);
        assert!(
            serde_json::to_value(&got).unwrap() == want,
            "{workers} workers, as they end"
        );
    }
}

#[test]
fn a_generated_capture_with_clock_steps_and_acked_drops_matches_its_truth() {
    // One connection in fifty starts with a frame dated ten years ahead, one
    // completing connection in five misses a server segment the client
    // acknowledged: the statuses are those without, the bytes missed are
    // said (a `g` in the history).
    let shapes = generate::Shapes {
        clock_steps: 20,
        acked_drops: 200,
        ..Default::default()
    };
    let (pcap, truth) = shaped(shapes, 13);
    let cf = CaptureFile::from_bytes("generated", pcap).unwrap();
    let opts = opts();
    for workers in [1, 2] {
        let mut conns = Vec::new();
        let rep = pcap_tls_audit::analyze::analyze_into(&cf, &opts, &|_, _| {}, workers, &mut conns);
        let got: Vec<String> = conns
            .iter()
            .map(|c| format!("{}\t{}", c.client, c.status.as_str()))
            .collect();
        let want: Vec<String> = truth
            .lines()
            .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
            .collect();
        let wrong: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).take(5).collect();
        assert_eq!(got.len(), want.len());
        assert!(wrong.is_empty(), "{workers} workers: {wrong:?}");
        let gaps = conns
            .iter()
            .filter(|c| c.history.contains('G') || c.history.contains('g'))
            .count();
        assert!(gaps > 40, "{workers} workers: {gaps} connections with a gap");
        assert!(rep.error.is_none() && rep.warnings.is_empty(), "{:?}", rep.warnings);
    }
}

#[test]
fn filtered_runs_report_what_an_unfiltered_run_reports_of_those_connections() {
    // Connections the filters cannot keep are never analysed (left out at
    // their first packet); those kept are reported as in a run without
    // filters, with the same ids, whatever the workers.
    let cf = CaptureFile::from_bytes("generated", eight_hundred(17)).unwrap();
    let all = analyze_capture(&cf, &opts());
    let clients: Vec<std::net::IpAddr> = (all.connections.iter())
        .step_by(7)
        .map(|c| c.client.parse::<std::net::SocketAddr>().unwrap().ip())
        .collect();
    let want: Vec<_> = (all.connections.iter())
        .filter(|c| clients.contains(&c.client.parse::<std::net::SocketAddr>().unwrap().ip()))
        .collect();
    let filtered = Options {
        filters: pcap_tls_audit::filter::Filters {
            client: clients,
            ..Default::default()
        },
        ..opts()
    };
    for workers in [1, 2, 4] {
        let mut got = Vec::new();
        let rep = pcap_tls_audit::analyze::analyze_into(&cf, &filtered, &|_, _| {}, workers, &mut got);
        assert!(
            serde_json::to_value(&got).unwrap() == serde_json::to_value(&want).unwrap(),
            "{workers} workers"
        );
        assert_eq!(rep.summary.connections, want.len() as u64);
        assert_eq!(
            rep.summary.filtered_out,
            Some(all.summary.connections - want.len() as u64)
        );
    }
}
