#!/usr/bin/env bash
# Builds and runs every benchmark (bench/README.md). Figures, not pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHAROS_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== bench_lb";      build/bin/bench_lb --benchmark_min_time=0.2
echo "== bench_backend"; build/bin/bench_backend 5
for kind in tcp http https https-noresume; do
    echo "== bench_prober $kind"; build/bin/bench_prober $kind 10000 10
done
echo "== bench/pdns";    bench/pdns/run.sh build 5
echo "== bench/pdns/dnssec"; bench/pdns/dnssec.sh build 5
echo "== bench/config-scale"; bench/config-scale/run.py build/bin 1000 10000 100000
echo "== bench/failover"; bench/failover/run.py build/bin 50 20
