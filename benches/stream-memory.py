#!/usr/bin/env python3
"""Peak RssAnon of pcap-tls-audit reading a capture from standard input,
fed by another command (a generator, or `cat x.gz`), so that a capture of
any size is measured without being written to disk.

    benches/stream-memory.py "PRODUCER COMMAND" [TOOL ARGS...]
    benches/stream-memory.py "target/release/examples/make_capture - 20000 1000000 3 512 177" -q
    benches/stream-memory.py "cat /tmp/pta-compare-2000-9000.pcap.gz" -q

Prints the wall time, the peak RssAnon of the tool (not the producer's),
and the first line of its report.
"""
import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
import time


def _rss_anon_kib():
    """The sampler of scripts/rss-anon.py (its file name is not a module name)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "rss-anon.py")
    spec = importlib.util.spec_from_file_location("rss_anon", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rss_anon_kib


rss_anon_kib = _rss_anon_kib()

producer = subprocess.Popen(shlex.split(sys.argv[1]), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
start = time.monotonic()
report = tempfile.TemporaryFile()
tool = subprocess.Popen(
    ["target/release/pcap-tls-audit", *sys.argv[2:], "-"],
    stdin=producer.stdout,
    stdout=report,
    stderr=subprocess.DEVNULL,
)
producer.stdout.close()
peak = 0
first = b""
while tool.poll() is None:
    peak = max(peak, rss_anon_kib(tool.pid))
    time.sleep(0.01)
report.seek(0)
first = report.readline()[:200]
print(f"{time.monotonic() - start:.1f} s wall, peak RssAnon {peak // 1024} MiB, exit {tool.returncode}")
print(first.decode(errors="replace").rstrip())
