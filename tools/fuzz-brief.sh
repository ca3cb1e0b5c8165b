#!/usr/bin/env bash
# The brief libFuzzer run of `npm test` (issue 5: "a fuzz target for every parser of ours, run
# briefly in CI, longer on demand"): every target in fuzz/ for FUZZ_SECONDS (default 5) from its
# committed seeds. Longer runs with a growing corpus: `npm run fuzz` (tools/fuzz.sh).
#
# No cargo-fuzz and no nightly needed: the targets are built with plain cargo on the stable
# toolchain and the SanitizerCoverage flags cargo-fuzz would pass (no sanitizer; `--target` keeps
# the flags off build scripts). libfuzzer-sys builds libFuzzer with the C++ compiler (cc).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${FUZZ_SECONDS:-5}"
targets="${FUZZ_TARGETS:-manifest hints shadow files_shadow files_index analysis meta translations}"
host="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing" \
  cargo build --quiet --release --bins --target "$host"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in $targets; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # A crash is written to the artifact prefix and makes libFuzzer exit non-zero.
  if "$CARGO_TARGET_DIR/$host/release/$t" "$work/$t" "seeds/$t" -max_total_time="$secs" \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/$t-" >"$log" 2>&1; then
    echo "fuzz $t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") inputs in ${secs}s, no crash"
  else
    status=1
    echo "fuzz $t: FAILED"
    tail -40 "$log"
    mkdir -p artifacts && cp "$work/$t"-* artifacts/ 2>/dev/null || true
  fi
done
exit $status
