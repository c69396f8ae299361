#!/usr/bin/env bash
# Installs the system tools that samples/generate.sh and the tshark cross-checks use:
# tcpdump (records), tshark/editcap (cross-check, format conversion), openssl, iproute2
# and nftables (network namespaces, dropped SYNs), python3 cryptography (test PKI),
# a JDK (the Java client and server of the samples), nginx, haproxy, Go and
# Node.js (the gateways and clients of the post-handshake samples), ssldump
# (benches/compare.sh), socat (a backend's idle timeout) and libnss3-tools (tstclnt,
# NSS's client). Debian packages only.
# The test suite itself needs none of them (it runs on the committed samples),
# only chromium, tshark, cargo-deb and check-jsonschema: `install-tools.sh test`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# `install-tools.sh test`: what the test suite needs beyond the Rust
# toolchain, each only when missing: chromium (Debian; the HTML report is
# rendered in it, tests/browser.rs), tshark (Debian; it reads the files of
# --annotate back, tests/annotate.rs), cargo-deb (crates.io; the package test,
# tests/package.rs) and check-jsonschema (PyPI; docs/ci.md's jobs are checked
# against the GitHub and GitLab schemas, tests/docs.rs). The README's test
# command runs this. `install-tools.sh chromium`: the browser alone.
sudo=""
[[ $(id -u) -ne 0 ]] && sudo=sudo
chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  echo "install-tools: installing chromium (Debian) for the browser tests" >&2
  $sudo apt-get install -y -qq chromium >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; }
  command -v chromium >/dev/null 2>&1 || { echo "install-tools: chromium could not be installed" >&2; exit 1; }
}
if [[ "${1:-}" == chromium ]]; then
  chromium
  exit 0
fi
if [[ "${1:-}" == test ]]; then
  chromium
  if ! command -v tshark >/dev/null 2>&1; then
    echo "install-tools: installing tshark (Debian) for the --annotate tests" >&2
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
    $sudo apt-get install -y -qq tshark >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq tshark >/dev/null; }
    command -v tshark >/dev/null 2>&1 || { echo "install-tools: tshark could not be installed" >&2; exit 1; }
  fi
  if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "install-tools: installing cargo-deb (crates.io) for the package test" >&2
    cargo install --locked --quiet cargo-deb
  fi
  if ! command -v check-jsonschema >/dev/null 2>&1; then
    echo "install-tools: installing check-jsonschema (PyPI) for the CI job checks" >&2
    python3 -m pip install -q check-jsonschema 2>/dev/null ||
      python3 -m pip install -q --user --break-system-packages check-jsonschema
    hash -r
  fi
  command -v dpkg-deb >/dev/null 2>&1 || { echo "install-tools: dpkg-deb is missing (Debian's dpkg)" >&2; exit 1; }
  command -v check-jsonschema >/dev/null 2>&1 || { echo "install-tools: check-jsonschema is not on PATH (pip's --user scripts: ~/.local/bin)" >&2; exit 1; }
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
