#!/usr/bin/env bash
# The README's demo command: install, build, then run pdns + pharos + two members on loopback
# and show a failover. Pass --once to stop after the failback instead of staying up.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec python3 test/e2e/demo.py build/bin "$@"
