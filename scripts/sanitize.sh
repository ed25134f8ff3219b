#!/usr/bin/env bash
# The sanitizer stage of CI: builds the whole test suite and the libFuzzer targets with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer (any report fails), runs the suite, then each
# fuzzer for FUZZ_SECONDS (default 30) from seeds written by kaiin-fuzz-seeds. For a longer
# fuzzing session: FUZZ_SECONDS=3600 ./scripts/sanitize.sh (or SKIP_TESTS=1 to fuzz only).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
dir=${BUILD_DIR:-build-sanitize}
seconds=${FUZZ_SECONDS:-30}
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only -fno-sanitize-recover=undefined" \
  -DKAIIN_SANITIZE=address,undefined -DKAIIN_FUZZ=ON -DKAIIN_BUILD_BENCH=OFF > /dev/null
cmake --build "$dir"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ -z "${SKIP_TESTS:-}" ]; then
  (cd "$dir" && ctest --output-on-failure -j "$(nproc)" --timeout 1800)
fi
corpus=$(mktemp -d /tmp/kaiin-corpus-XXXX)
trap 'rm -rf "$corpus"' EXIT
"$dir/fuzz/kaiin-fuzz-seeds" "$corpus"
for target in envelope command csv model; do
  echo "== fuzz $target for $seconds s"
  "$dir/fuzz/kaiin-fuzz-$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-$target-" "$corpus/$target" 2>&1 | tail -12
done
