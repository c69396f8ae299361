#!/usr/bin/env bash
# Times, in one run, on one capture: pcap-tls-audit (text, jsonl, --jobs 1),
# tshark extracting the same facts (TCP and TLS reassembly on), ssldump, and
# the floor (a loop over the pcap record headers). Wall time, CPU time
# (user + system) and peak RssAnon of each; page cache warmed first. Our
# tool and the floor run RUNS times (default 3; the best wall and CPU time
# are given: the machine is shared and noisy), tshark and ssldump once.
#
#   benches/compare.sh CAPTURE.pcap             # any pcap
#   benches/compare.sh --make SIZE_MB CONNS     # generate one (examples/make_capture.rs) first
#   REREAD=1 benches/compare.sh CAPTURE.pcap    # the file read afresh into the page cache first
#   benches/compare.sh --cases                  # the six cases of docs/performance.md, one table
#
# Needs tshark and ssldump (scripts/install-tools.sh installs them); a tool
# that is missing is reported as such. Not part of the test suite.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cargo build --release -q
cargo build --release -q --example make_capture --example floor
runs=${RUNS:-3}
measure() { # NAME N COMMAND...: best wall and CPU of N runs (a shared machine is noisy), highest RssAnon
  local name=$1 n=$2
  shift 2
  if ! command -v "$1" >/dev/null 2>&1 && [[ ! -x "$1" ]]; then
    printf '| %s | not installed | | |\n' "$name"
    return
  fi
  local best_wall=999999 best_cpu=999999 peak=0 i out wall rss cpu
  for ((i = 0; i < n; i++)); do
    out=$( { /usr/bin/time -f "%U %S" python3 scripts/rss-anon.py "$@"; } 2>&1 )
    # rss-anon.py prints "W s wall, peak RssAnon M MiB, exit C"; time prints the CPU seconds of the whole.
    wall=$(sed -n 's/^\([0-9.]*\) s wall.*/\1/p' <<<"$out")
    rss=$(sed -n 's/.*peak RssAnon \([0-9]*\) MiB.*/\1/p' <<<"$out")
    cpu=$(tail -n 1 <<<"$out" | awk '{print $1 + $2}')
    best_wall=$(awk -v a="$best_wall" -v b="$wall" 'BEGIN{print (b < a) ? b : a}')
    best_cpu=$(awk -v a="$best_cpu" -v b="$cpu" 'BEGIN{print (b < a) ? b : a}')
    peak=$(( rss > peak ? rss : peak ))
  done
  printf '| %s | %s s | %s s | %s MiB |\n' "$name" "$best_wall" "$best_cpu" "$peak"
}
bin=./target/release/pcap-tls-audit
if [[ "${1:-}" == "--cases" ]]; then
  # The six cases of issue 26 (docs/performance.md), each generated into
  # $TMPDIR once (never committed): ours in text and jsonl, tshark on the two
  # large captures (TSHARK=0 leaves it out: it takes minutes), the floor.
  t=${TMPDIR:-/tmp}
  make() { [[ -f "$1" ]] || "${@:2}" > /dev/null; }
  make "$t/pta-2000-9000.pcap" ./target/release/examples/make_capture "$t/pta-2000-9000.pcap" 2000 9000 1 512 177
  make "$t/pta-2600-300k.pcap" ./target/release/examples/make_capture "$t/pta-2600-300k.pcap" 2600 300000 7 20000 3 \
    --shapes=started_before=20,server_only=10,clock_steps=1,acked_drops=5
  make "$t/pta-open-200k.pcap" python3 benches/open-connections.py samples/tls12-ok.pcap 200000 "$t/pta-open-200k.pcap"
  make "$t/pta-clock-jump.pcap" python3 benches/clock-jump.py 200000 "$t/pta-clock-jump.pcap"
  make "$t/pta-acked-holes.pcap" python3 benches/acked-holes.py 1000 360 "$t/pta-acked-holes.pcap"
  make "$t/pta-day.keylog" python3 benches/keylog-day.py 2000000 samples/keylog-curl-tls13-ok.keylog "$t/pta-day.keylog"
  echo "$(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); best of $runs runs (tshark once)"
  echo "| case | tool | wall | CPU | peak RssAnon |"
  echo "|---|---|---|---|---|"
  row() { # CASE then measure's arguments
    local c=$1
    shift
    measure "$@" | sed "s/^| /| $c | /"
  }
  for c in pta-2000-9000 pta-2600-300k; do
    cap=$t/$c.pcap
    cat "$cap" > /dev/null
    row "$c" "pcap-tls-audit (text)" "$runs" $bin -q "$cap"
    row "$c" "pcap-tls-audit --format jsonl" "$runs" $bin -q --format jsonl -o /dev/null "$cap"
    row "$c" "pcap-tls-audit --jobs 1" "$runs" $bin -q --jobs 1 "$cap"
    if [[ "${TSHARK:-1}" == 1 ]]; then
      row "$c" "tshark (same facts)" 1 tshark -n -r "$cap" -o tcp.desegment_tcp_streams:TRUE \
        -o tcp.reassemble_out_of_order:TRUE -o tls.desegment_ssl_records:TRUE \
        -Y "tls.handshake.type==1 || tls.handshake.type==2 || tls.handshake.type==11 || tls.alert_message" \
        -T fields -e frame.number -e tcp.stream -e tls.handshake.type -e tls.alert_message.desc
    fi
    row "$c" "floor (record headers)" "$runs" ./target/release/examples/floor "$cap"
  done
  for c in pta-open-200k pta-clock-jump pta-acked-holes; do
    row "$c" "pcap-tls-audit --format jsonl" "$runs" $bin -q --format jsonl -o /dev/null "$t/$c.pcap"
  done
  row "pta-day.keylog" "pcap-tls-audit --keylog" "$runs" $bin -q --keylog "$t/pta-day.keylog" \
    --format jsonl -o /dev/null samples/keylog-curl-tls13-ok.pcap
  exit 0
fi
if [[ "${1:-}" == "--make" ]]; then
  cap=${TMPDIR:-/tmp}/pta-compare-$2-$3.pcap
  # Records per connection so that SIZE_MB is reached with CONNS connections (~1.2 KB each).
  records=$(( $2 * 1000000 / $3 / 1250 ))
  [[ -f "$cap" ]] || ./target/release/examples/make_capture "$cap" "$2" "$3" 1 512 "$records"
else
  cap=$1
fi
echo "capture: $cap, $(stat -c %s "$cap") bytes; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
# How the file lies in the page cache changes the floor and us by up to a
# half (docs/performance.md): a file written on this machine is in 4 KiB
# pages, one read from disk (Linux 6.18, ext4) in folios up to 2 MiB.
# REREAD=1 drops the file's pages and reads it afresh first.
if [[ "${REREAD:-0}" == 1 ]]; then
  python3 -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)' "$cap"
fi
cat "$cap" > /dev/null   # page cache
echo "page cache: $(grep FileHugePages /proc/meminfo 2>/dev/null | tr -s ' ') in 2 MiB folios (all files)"
echo "| tool | wall | CPU | peak RssAnon |"
echo "|---|---|---|---|"
measure "pcap-tls-audit (text)" "$runs" $bin -q "$cap"
measure "pcap-tls-audit --format jsonl" "$runs" $bin -q --format jsonl "$cap"
measure "pcap-tls-audit --format json" "$runs" $bin -q --format json "$cap"
measure "pcap-tls-audit --jobs 1" "$runs" $bin -q --jobs 1 "$cap"
measure "tshark (same facts, reassembly on)" 1 tshark -n -r "$cap" -o tcp.desegment_tcp_streams:TRUE \
  -o tcp.reassemble_out_of_order:TRUE -o tls.desegment_ssl_records:TRUE \
  -Y "tls.handshake.type==1 || tls.handshake.type==2 || tls.handshake.type==11 || tls.alert_message" \
  -T fields -e frame.number -e tcp.stream -e tls.handshake.type -e tls.alert_message.desc
measure "ssldump" 1 ssldump -n -r "$cap"
measure "floor (record headers)" "$runs" ./target/release/examples/floor "$cap"
