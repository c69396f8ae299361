#!/usr/bin/env bash
# Writes tests/data/keylog-oracle.tsv: what tshark decrypts in the captures
# that come with their keys (the keylog-* samples with their key logs, the
# pcapng with a secrets block, and the corpus captures published with a key
# log): per frame, the handshake message types, alert descriptions and the
# number of certificates. tests/keylog.rs compares our decrypted events with
# it; the tests never run tshark.
#
#   scripts/keylog-oracle.sh > tests/data/keylog-oracle.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# tshark $(tshark --version | head -n 1 | awk '{print $3}') with the capture's key log: capture, frame, handshake types, alert descriptions, certificates"
one() { # CAPTURE [KEYLOG]
  local opts=()
  [[ -n "${2:-}" ]] && opts=(-o "tls.keylog_file:$2")
  tshark -r "$1" "${opts[@]}" -Y tls -T fields -e frame.number -e tls.handshake.type \
    -e tls.alert_message.desc -e tls.handshake.certificate_length 2>/dev/null |
    awk -F'\t' -v c="$1" 'BEGIN{OFS="\t"} {n = ($4 == "") ? 0 : split($4, a, ","); print c, $1, $2, $3, n}'
}
for k in samples/keylog-*.keylog; do
  one "${k%.keylog}.pcap" "$k"
done
one samples/keylog-tls13-secrets.pcapng
one tests/corpus/public/illustrated__tls13-capture.pcap tests/corpus/public/illustrated__tls13-capture.pcap.keylog
one tests/corpus/public/ja4__http2-with-cookies.pcapng
one tests/corpus/public/zeek__tls-1.2-stream-keylog.pcap tests/corpus/public/zeek__tls-1.2-stream-keylog.pcap.keylog
