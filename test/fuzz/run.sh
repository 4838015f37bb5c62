#!/usr/bin/env bash
# Builds the fuzz targets with clang-14 (build-fuzz/) and runs each for SECONDS over its seed
# corpus (test/fuzz/corpus/<target>); what a run discovers goes to a scratch directory, not
# into the repository. Prints each target's executions; exits non-zero on the first crash,
# leak, timeout or sanitizer report, keeping the input that caused it.
#
#   test/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(BackendStream ScannerVsJson Config Addresses HttpResponse
                                     TcpReply DnsReply Vote StateCodec)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPHAROS_FUZZ=ON -DPHAROS_BUILD_TESTS=OFF -DPHAROS_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
work=$(mktemp -d /tmp/pharos-fuzz.XXXXXX)
echo "== fuzzing ${#targets[@]} targets for ${seconds}s each (work in $work)"
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    log=$work/$target.log
    if ! (cd "$work" && "$OLDPWD/build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$target-" \
            "$work/$target" "$OLDPWD/test/fuzz/corpus/$target") >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz_$target FAILED; the input is in $work/$target-*" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '  %-16s %12s executions  %8s/s  0 crashes\n' "$target" "$runs" "$rate"
done
rm -rf "$work"
