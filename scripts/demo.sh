#!/usr/bin/env bash
# The README's demo command: installs what the demo needs, builds the three programs (not the
# tests), then runs pdns + pharos + two members on loopback and shows a failover. Pass --once
# to stop after the failback instead of staying up.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "demo: $*"; }

step "checking the Debian packages the demo needs"
scripts/setup.sh

# A build tree already there (the tests' one) is reused as it is: only the programs are
# brought up to date. A new one is made for compile speed (a unity build parses Boost once per
# batch of files, -Os without debug information: a quarter of the default build's CPU time)
# and builds no tests and no benchmarks.
if [ ! -f build/CMakeCache.txt ]; then
    step "configuring build/ (the three programs only)"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_UNITY_BUILD=ON \
        -DPHAROS_BUILD_TESTS=OFF -DPHAROS_BUILD_BENCH=OFF >/dev/null
fi
step "building pharos-backend, pharos-health and pharosctl in build/"
# Ninja and make both print one line per step; only the progress lines are kept.
cmake --build build -j"$(nproc)" --target programs |
    { grep --line-buffered -E '^\[ *[0-9]+%\]|^\[[0-9]+/[0-9]+\]|error|warning' || true; } |
    sed -u 's/^/demo:   /'

step "starting pdns on 127.0.0.1:5300, pharos and two members"
exec python3 test/e2e/demo.py build/bin "$@"
