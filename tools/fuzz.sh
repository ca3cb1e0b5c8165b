#!/usr/bin/env bash
# On-demand libFuzzer run of every parser target in fuzz/ (docs/reliability.md, "Fuzzing").
# The long run (ASan, a growing corpus). `npm test` runs the brief one instead (tools/fuzz-brief.sh).
#
#   npm run fuzz                    # every target for 60 s each
#   FUZZ_SECONDS=600 npm run fuzz   # longer
#   FUZZ_TARGETS="hints manifest" npm run fuzz
#
# Needs `cargo install cargo-fuzz` and a C++ compiler (to build libFuzzer). Uses the nightly
# toolchain when rustup has one; otherwise the default (stable) toolchain with
# RUSTC_BOOTSTRAP=1, which cargo-fuzz's `-Z` flags need (tested with Rust 1.95). The growing
# corpus is kept in fuzz/corpus/<target> (git-ignored); the committed seeds are in
# fuzz/seeds/<target>. A crash is saved under fuzz/artifacts/ and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-manifest hints shadow files_shadow files_index analysis meta translations}"
jobs="${FUZZ_JOBS:-1}"
parallel=()
# -jobs forks workers that log to fuzz-N.log; with one job, run in this process instead.
if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz() { cargo +nightly fuzz "$@"; }
else
  fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi
fuzz build -O
status=0
for t in $targets; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  echo "== $t: ${secs}s"
  if ! fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 "${parallel[@]}" \
      -print_final_stats=1 >"$log" 2>&1; then
    status=1
    echo "!! $t found a crash; see fuzz/artifacts/$t and the log below"
    tail -40 "$log"
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs' "$log" | sed "s/^/   $t /" || true
  echo "   $t corpus: $(ls "corpus/$t" | wc -l) inputs"
  rm -f "$log"
done
exit $status
