#!/usr/bin/env bash
# Writes tests/data/ja3.tsv: tshark's JA3 and JA3S strings (before MD5) for every ClientHello and
# ServerHello of the samples, keyed by sample and client port (the oracle of
# tests/fingerprints.rs; the tests never run tshark themselves).
#   scripts/ja3-oracle.sh      (needs tshark: scripts/install-tools.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/tests/data/ja3.tsv"
{
  echo "# sample	kind	client_port	value (tshark $(tshark --version 2>/dev/null | head -n 1 | awk '{print $3}'))"
  for f in "$top"/samples/*.pcap "$top"/samples/*.pcapng; do
    name=$(basename "$f")
    tshark -n -r "$f" -o tls.desegment_ssl_records:TRUE -o tcp.desegment_tcp_streams:TRUE \
      -Y "tls.handshake.type==1" -T fields -e tcp.srcport -e tls.handshake.ja3_full 2>/dev/null |
      awk -v n="$name" -F'\t' '$2 != "" { print n "\tja3\t" $1 "\t" $2 }'
    tshark -n -r "$f" -o tls.desegment_ssl_records:TRUE -o tcp.desegment_tcp_streams:TRUE \
      -Y "tls.handshake.type==2" -T fields -e tcp.dstport -e tls.handshake.ja3s_full 2>/dev/null |
      awk -v n="$name" -F'\t' '$2 != "" { print n "\tja3s\t" $1 "\t" $2 }'
  done
} > "$out"
echo "wrote $out: $(grep -vc '^#' "$out") values" >&2
