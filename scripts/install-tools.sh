#!/usr/bin/env bash
# Installs the system tools that samples/generate.sh and the tshark cross-checks use:
# tcpdump (records), tshark/editcap (cross-check, format conversion), openssl, iproute2
# and nftables (network namespaces, dropped SYNs), python3 cryptography (test PKI),
# a JDK (the Java client and server of the samples), nginx, haproxy, Go and
# Node.js (the gateways and clients of the post-handshake samples), ssldump
# (benches/compare.sh). Debian packages only.
# The test suite itself needs none of them: it runs on the committed samples.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for t in tcpdump tshark editcap openssl ip nft javac curl nginx haproxy go node ssldump; do
  command -v "$t" >/dev/null 2>&1 || need+=("$t")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-tools: installing for: ${need[*]}" >&2
  apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq tcpdump tshark openssl iproute2 nftables openjdk-17-jdk-headless curl \
    nginx haproxy golang-go nodejs ssldump >/dev/null
fi
python3 -c 'import cryptography' 2>/dev/null || pip install -q cryptography
echo "install-tools: ok" >&2
