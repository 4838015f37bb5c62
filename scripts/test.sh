#!/usr/bin/env bash
# The README's test command.
#
#   scripts/test.sh [ctest args]    after a change: installs what the suites need, builds once
#                                   (build/, RelWithDebInfo) and runs every unit and end-to-end
#                                   suite through real pdns; the long drills are left out
#   scripts/test.sh --full          the whole matrix, what CI runs (.ci/run):
#     1. the same build and every suite, the long drills too: the fault drills and a 60 s soak
#        (label "faults") and the etcd cluster drills (label "drill");
#     2. a Release build (build-release/, -O3 brings its own warnings and timing) and its
#        suites; the zone-cache-off repeats run in step 1 only: they differ from their zone-cache
#        -on runs in pdns's SOA lookups, not in pharos's code;
#     3. the Debian package from the Release build: lintian, install, the end-to-end suite on
#        the installed programs, remove and purge (scripts/package-test.sh;
#        PHAROS_SKIP_PACKAGE_TEST=1 skips it where installing pharos system-wide is not wanted);
#     4. every suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/),
#        and the threaded ones (table, prober, balancers, backend, webhooks) under
#        ThreadSanitizer (build-tsan/): any report fails;
#     5. each fuzz target for PHAROS_FUZZ_SECONDS (default 30; the long runs are by hand,
#        test/fuzz/README.md) over its corpus (test/fuzz/run.sh), one target per core.
#   The builds of steps 2 to 5 run in the background at nice 19 while the suites before them run.
# Other arguments go to ctest (e.g. -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
if [ "${1:-}" = --full ]; then
    full=1
    shift
fi
started=$SECONDS
step() { echo "== [$(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s] $*"; }

step "dependencies"
if [ $full = 1 ]; then scripts/setup.sh --full; else scripts/setup.sh --test; fi

build() {  # dir cmake-args...
    local dir=$1
    shift
    step "build $dir ($*)"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" | { grep -E 'error|warning:' || true; }
}
suites() {  # dir ctest-args...
    local dir=$1
    shift
    step "suites in $dir ($*)"
    (cd "$dir" && ctest --output-on-failure "$@")
}

# Unity builds (CMake joins a target's sources into batches, so Boost and Catch2 are parsed once
# per batch, not once per file) take under half the compile time. The Release build compiles
# every file on its own, so a file that does not include what it uses still fails CI.
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_UNITY_BUILD=ON \
    -DPHAROS_BUILD_TESTS=ON -DPHAROS_BUILD_BENCH=$([ $full = 1 ] && echo ON || echo OFF)
if [ $full = 0 ]; then
    suites build --timeout 600 -LE 'faults|drill' "$@"
    step "passed (the long drills, the Release build, the package, the sanitizers and fuzzing:"
    echo "   scripts/test.sh --full)"
    exit 0
fi
# The other builds are compiled in the background, at the lowest priority, while the suites
# before them run: the suites mostly wait on timers and sockets, and at nice 19 the compiler
# takes only the CPU they leave (their failover bounds hold). Each waits for its own build.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
rm -f build-release/ahead.ok build-asan/ahead.ok build-tsan/ahead.ok build-fuzz/ahead.ok
ahead() {  # dir cmake-args... : configure and build into DIR/ahead.log, at nice 19
    local dir=$1
    shift
    mkdir -p "$dir"
    { cmake -S . -B "$dir" "$@" && nice -n 19 cmake --build "$dir" -j"$(nproc)"; } \
        >"$dir/ahead.log" 2>&1
}
{
    ahead build-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DCMAKE_UNITY_BUILD=OFF && touch build-release/ahead.ok &&
        ahead build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHAROS_SANITIZE=address \
            -DCMAKE_UNITY_BUILD=ON -DPHAROS_BUILD_BENCH=OFF && touch build-asan/ahead.ok &&
        mkdir -p build-tsan build-fuzz &&
        { cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHAROS_SANITIZE=thread \
            -DCMAKE_UNITY_BUILD=ON -DPHAROS_BUILD_BENCH=OFF &&
            nice -n 19 cmake --build build-tsan -j"$(nproc)" --target test_health test_lb \
                test_backend test_notify test_net; } >build-tsan/ahead.log 2>&1 &&
        touch build-tsan/ahead.ok &&
        nice -n 19 test/fuzz/run.sh --build-only >build-fuzz/ahead.log 2>&1 &&
        touch build-fuzz/ahead.ok
} &
builder=$!
# Under set -e a failing command in the trap would turn a passed run into exit status 1.
trap 'pkill -P $builder 2>/dev/null || true; kill $builder 2>/dev/null || true' EXIT
waitfor() {  # dir log : until the background chain has built DIR, or has failed
    step "waiting for $1"
    while [ ! -e "$1/ahead.ok" ]; do
        if ! kill -0 $builder 2>/dev/null && [ ! -e "$1/ahead.ok" ]; then
            grep -E 'error|Error' -A3 "$2" | head -n 60
            echo "build of $1 failed; the whole log is in $2" >&2
            exit 1
        fi
        sleep 2
    done
}

suites build --timeout 600 -LE faults "$@"

waitfor build-release build-release/ahead.log
suites build-release --timeout 600 -LE zone-cache-off "$@"

if [ "${PHAROS_SKIP_PACKAGE_TEST:-0}" != 1 ]; then
    step "the Debian package"
    scripts/package-test.sh build-release
fi

waitfor build-asan build-asan/ahead.log
suites build-asan --timeout 900 -LE 'faults|zone-cache-off' "$@"

waitfor build-tsan build-tsan/ahead.log
TSAN_OPTIONS=halt_on_error=1 suites build-tsan --timeout 900 -R '^(health|lb|backend|notify|net)$'

waitfor build-fuzz build-fuzz/ahead.log
step "fuzzing"
test/fuzz/run.sh "${PHAROS_FUZZ_SECONDS:-30}"
step "passed"
