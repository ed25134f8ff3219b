#!/usr/bin/env bash
# Configures and builds kaiin into ${BUILD_DIR:-build}. KAIIN_SANITIZE=address,undefined builds
# with sanitizers (use another BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DKAIIN_SANITIZE="${KAIIN_SANITIZE:-}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
