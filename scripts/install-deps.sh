#!/usr/bin/env bash
# Installs the Debian 12 packages kaiin builds with, if any is missing. Run as root.
set -euo pipefail
packages=(g++ cmake ninja-build ccache pkg-config curl
  librocksdb-dev libboost-dev libflatbuffers-dev flatbuffers-compiler libsimdjson-dev
  libspdlog-dev libgtest-dev libbenchmark-dev libsodium-dev libssl-dev libjemalloc-dev tzdata
  clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
