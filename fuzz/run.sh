#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, libFuzzer) for a fixed number of
# iterations, seeded from the samples, the public corpus and the test PKI.
#   fuzz/run.sh [RUNS] [TARGET...]      (default: 1000000 runs, all targets)
# Not part of the test suite. Crashes land in fuzz/artifacts/TARGET/ and
# become regression tests in tests/. cargo-fuzz needs nightly features; the
# machine has one stable toolchain, so RUSTC_BOOTSTRAP=1 enables them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(capture packet tcp tls chain pipeline)
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
cd "$top"

seed() { # target dir
  local t=$1 d="$here/corpus/$1"
  mkdir -p "$d"
  [ -n "$(ls -A "$d" 2>/dev/null)" ] && return 0
  case $t in
    capture|pipeline|packet)
      cp "$top"/samples/*.pcap "$top"/samples/*.pcapng "$d"/
      for f in "$top"/tests/corpus/public/*.pcap "$top"/tests/corpus/public/*.pcapng; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 200000 ] && cp "$f" "$d"/
      done ;;
    chain)
      for f in "$top"/samples/pki/*.pem; do
        openssl x509 -in "$f" -outform DER 2>/dev/null | python3 -c '
import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(len(d).to_bytes(2, "big") + d)' \
          > "$d/$(basename "$f").der" || true
        [ -s "$d/$(basename "$f").der" ] || rm -f "$d/$(basename "$f").der"
      done ;;
    tls|tcp)
      cp "$top"/samples/java-pkix-tls12.pcap "$top"/samples/mtls-ok.pcap "$d"/ ;;
  esac
}

for t in "${targets[@]}"; do
  seed "$t"
  log="$here/$t.log"
  echo "fuzz/run.sh: $t, $runs runs" >&2
  # The whole pipeline is slower per input: shorter inputs keep 1M runs within an hour.
  maxlen=65536
  [ "$t" = pipeline ] && maxlen=8192
  # -detect_leaks=0: the engine's threads talk over std channels, whose
  # per-thread context LeakSanitizer reports as a leak at exit (it is not:
  # one allocation per thread, freed with the thread's locals).
  cargo fuzz run -O -a "$t" "$here/corpus/$t" -- -runs="$runs" -max_len="$maxlen" -rss_limit_mb=4096 \
    -detect_leaks=0 -timeout=20 -print_final_stats=1 > "$log" 2>&1 || { echo "fuzz/run.sh: $t FAILED, see $log" >&2; tail -n 30 "$log" >&2; exit 1; }
  grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed "s/^/$t: /" >&2
done
