#!/usr/bin/env bash
# Builds the fuzz targets with clang-14 (build-fuzz/) and runs each for SECONDS over its seed
# corpus (test/fuzz/corpus/<target>); what a run discovers goes to a scratch directory, not
# into the repository. Prints each target's executions; exits non-zero on the first crash,
# leak, timeout or sanitizer report, keeping the input that caused it.
#
#   test/fuzz/run.sh [SECONDS] [TARGET...]
#   test/fuzz/run.sh --build-only       (scripts/test.sh --full builds ahead of the run)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(BackendStream ScannerVsJson Config Addresses HttpResponse
                                     TcpReply DnsReply Vote StateCodec EtcdReply HttpReply)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPHAROS_FUZZ=ON -DCMAKE_UNITY_BUILD=ON -DPHAROS_BUILD_TESTS=OFF -DPHAROS_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
[ "$seconds" != --build-only ] || exit 0
work=$(mktemp -d /tmp/pharos-fuzz.XXXXXX)
jobs_at_once=$(nproc)
echo "== fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs_at_once at a time (work in $work)"

fuzz_one() {  # target
    local target=$1 log=$work/$1.log
    mkdir -p "$work/$target"
    if ! (cd "$work" && "$OLDPWD/build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$target-" \
            "$work/$target" "$OLDPWD/test/fuzz/corpus/$target") >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz_$target FAILED; the input is in $work/$target-*" >&2
        return 1
    fi
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '  %-16s %12s executions  %8s/s  0 crashes\n' "$target" "$runs" "$rate"
}

# One target per core; the first failure stops the others.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
failed=0
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_at_once" ]; do
        wait -n || failed=1
        [ $failed = 0 ] || exit 1
    done
    fuzz_one "$target" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
    wait -n || exit 1
done
rm -rf "$work"
