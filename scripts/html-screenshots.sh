#!/usr/bin/env bash
# Writes the screenshots of the HTML report in docs/ with headless chromium
# (scripts/install-tools.sh chromium): the PKIX case (a Java client rejecting
# a chain whose root is not in the trust store) and a TLS 1.3 rejection
# decrypted with its key log.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/pcap-tls-audit
tmp=$(mktemp -d)
shot() { # NAME ARGS...
  local name=$1; shift
  "$bin" --format html -o "$tmp/$name.html" "$@" || [[ $? -eq 1 ]]
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1350 \
    --screenshot="docs/$name.png" "file://$tmp/$name.html" 2>/dev/null
  echo "wrote docs/$name.png" >&2
}
shot html-pkix samples/java-pkix-tls12.pcap
shot html-tls13-keylog --ca-file samples/pki/root.pem --keylog samples/keylog-go-tls13-reject.keylog samples/keylog-go-tls13-reject.pcap
rm -rf "$tmp"
