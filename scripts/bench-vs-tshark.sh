#!/usr/bin/env bash
# Compares pcap-tls-audit with tshark on a large capture made from a sample
# (the sample's connection repeated COPIES times with other client ports).
#   scripts/bench-vs-tshark.sh [COPIES] [SAMPLE]
# Prints wall time and peak memory of each (GNU time). Needs tshark
# (scripts/install-tools.sh installs it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
copies=${1:-20000}
sample=${2:-$top/samples/tls12-ok.pcap}
big=${TMPDIR:-/tmp}/pta-bench-$copies.pcap
cd "$top"
cargo build --release -q --example make_large_capture
cargo build --release -q
[ -f "$big" ] || ./target/release/examples/make_large_capture "$sample" "$big" "$copies"
echo "capture: $big, $(stat -c %s "$big") bytes, $copies connections"
measure() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s wall, %M KiB peak RSS" "$@" >/dev/null 2>"$big.$name.time" || true
  tail -n 1 "$big.$name.time"
}
# Warm the page cache so that both read from memory.
cat "$big" >/dev/null
measure pcap-tls-audit-text ./target/release/pcap-tls-audit -q "$big"
measure pcap-tls-audit-json ./target/release/pcap-tls-audit -q --format json "$big"
measure pcap-tls-audit-1job ./target/release/pcap-tls-audit -q -j 1 "$big"
measure tshark tshark -n -r "$big" -o tcp.desegment_tcp_streams:TRUE -o tls.desegment_ssl_records:TRUE \
  -Y "tls.handshake.type || tls.alert_message" -T fields -e frame.number -e tcp.stream -e tls.handshake.type \
  -e tls.alert_message.desc
