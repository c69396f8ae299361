#!/usr/bin/env bash
# Times, in one run, on one capture: pcap-tls-audit (text, jsonl, --jobs 1),
# tshark extracting the same facts (TCP and TLS reassembly on), ssldump, and
# the floor (a loop over the pcap record headers). Wall time, CPU time
# (user + system) and peak RssAnon of each; page cache warmed first.
#
#   benches/compare.sh CAPTURE.pcap             # any pcap
#   benches/compare.sh --make SIZE_MB CONNS     # generate one (examples/make_capture.rs) first
#
# Needs tshark and ssldump (scripts/install-tools.sh installs them); a tool
# that is missing is reported as such. Not part of the test suite.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cargo build --release -q
cargo build --release -q --example make_capture --example floor
if [[ "${1:-}" == "--make" ]]; then
  cap=${TMPDIR:-/tmp}/pta-compare-$2-$3.pcap
  # Records per connection so that SIZE_MB is reached with CONNS connections (~1.2 KB each).
  records=$(( $2 * 1000000 / $3 / 1250 ))
  [[ -f "$cap" ]] || ./target/release/examples/make_capture "$cap" "$2" "$3" 1 512 "$records"
else
  cap=$1
fi
echo "capture: $cap, $(stat -c %s "$cap") bytes; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
cat "$cap" > /dev/null   # page cache
measure() { # NAME COMMAND...
  local name=$1
  shift
  if ! command -v "$1" >/dev/null 2>&1 && [[ ! -x "$1" ]]; then
    printf '| %s | not installed | | |\n' "$name"
    return
  fi
  local out
  out=$( { /usr/bin/time -f "%U %S" python3 scripts/rss-anon.py "$@"; } 2>&1 )
  # rss-anon.py prints "W s wall, peak RssAnon M MiB, exit C"; time prints the CPU seconds of the whole.
  local wall rss cpu
  wall=$(sed -n 's/^\([0-9.]*\) s wall.*/\1/p' <<<"$out")
  rss=$(sed -n 's/.*peak RssAnon \([0-9]*\) MiB.*/\1/p' <<<"$out")
  cpu=$(tail -n 1 <<<"$out" | awk '{print $1 + $2}')
  printf '| %s | %s s | %s s | %s MiB |\n' "$name" "$wall" "$cpu" "$rss"
}
echo "| tool | wall | CPU | peak RssAnon |"
echo "|---|---|---|---|"
bin=./target/release/pcap-tls-audit
measure "pcap-tls-audit (text)" $bin -q "$cap"
measure "pcap-tls-audit --format jsonl" $bin -q --format jsonl "$cap"
measure "pcap-tls-audit --jobs 1" $bin -q --jobs 1 "$cap"
measure "tshark (same facts, reassembly on)" tshark -n -r "$cap" -o tcp.desegment_tcp_streams:TRUE \
  -o tcp.reassemble_out_of_order:TRUE -o tls.desegment_ssl_records:TRUE \
  -Y "tls.handshake.type==1 || tls.handshake.type==2 || tls.handshake.type==11 || tls.alert_message" \
  -T fields -e frame.number -e tcp.stream -e tls.handshake.type -e tls.alert_message.desc
measure "ssldump" ssldump -n -r "$cap"
measure "floor (record headers)" ./target/release/examples/floor "$cap"
