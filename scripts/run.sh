#!/usr/bin/env bash
# Installs what is missing, builds, and runs kaiind on 127.0.0.1:8080 with its data in ./data.
# The admin token is generated into ./data/admin-token on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
mkdir -p data
exec ./build/http/kaiind --data-dir ./data --listen "${KAIIN_LISTEN:-127.0.0.1:8080}"
