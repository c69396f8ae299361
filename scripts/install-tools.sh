#!/usr/bin/env bash
# Installs the system tools that samples/generate.sh and the tshark cross-checks use:
# tcpdump (records), tshark/editcap (cross-check, format conversion), openssl, iproute2
# and nftables (network namespaces, dropped SYNs), python3 cryptography (test PKI),
# a JDK (the Java client and server of the samples), nginx, haproxy, Go and
# Node.js (the gateways and clients of the post-handshake samples), ssldump
# (benches/compare.sh), socat (a backend's idle timeout) and libnss3-tools (tstclnt,
# NSS's client). Debian packages only.
# The test suite itself needs none of them (it runs on the committed samples),
# except chromium for the HTML report: `install-tools.sh chromium`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# `install-tools.sh chromium`: only the browser the test suite renders the
# HTML report in (tests/browser.rs); the README's test command runs this.
if [[ "${1:-}" == chromium ]]; then
  command -v chromium >/dev/null 2>&1 && exit 0
  echo "install-tools: installing chromium (Debian) for the browser tests" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get install -y -qq chromium >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; }
  command -v chromium >/dev/null 2>&1 || { echo "install-tools: chromium could not be installed" >&2; exit 1; }
  exit 0
fi
need=()
for t in tcpdump tshark editcap openssl ip nft javac curl nginx haproxy go node ssldump socat tstclnt; do
  command -v "$t" >/dev/null 2>&1 || need+=("$t")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-tools: installing for: ${need[*]}" >&2
  apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq tcpdump tshark openssl iproute2 nftables openjdk-17-jdk-headless curl \
    nginx haproxy golang-go nodejs ssldump socat libnss3-tools >/dev/null
fi
python3 -c 'import cryptography' 2>/dev/null || pip install -q cryptography
echo "install-tools: ok" >&2
