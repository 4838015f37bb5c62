#!/usr/bin/env bash
# The README's test command: installs the dependencies, then
#   1. builds and runs every test (unit and end-to-end) in the default build type (build/) and
#      in Release (build-release/, prefix /usr): -O3 brings its own warnings and timing; the
#      fault drills and a 60 s soak (test/faults/, label "faults") run in the Release build;
#   2. builds the Debian package from the Release build, installs it and runs the end-to-end
#      suite against it (scripts/package-test.sh; PHAROS_SKIP_PACKAGE_TEST=1 skips it);
#   3. runs every suite again under AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-asan/), and the threaded ones (table, prober, balancers, backend, webhooks) under
#      ThreadSanitizer (build-tsan/): any report fails;
#   4. runs each fuzz target for PHAROS_FUZZ_SECONDS (default 60) over its corpus
#      (test/fuzz/run.sh).
# Arguments go to ctest (e.g. -R e2e) in steps 1 and 3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build() {  # dir cmake-args...
    local dir=$1
    shift
    echo "== build $dir ($*)"
    cmake -S . -B "$dir" "$@" >/dev/null
}

build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure --timeout 600 -LE faults "$@")

build build-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
cmake --build build-release -j"$(nproc)"
# The zone-cache-off repeats of the e2e suites run in the default build only: they differ
# from their zone-cache-on runs in pdns's SOA lookups, not in pharos's code.
(cd build-release && ctest --output-on-failure --timeout 600 -LE zone-cache-off "$@")

if [ "${PHAROS_SKIP_PACKAGE_TEST:-0}" != 1 ]; then
    echo "== Debian package"
    scripts/package-test.sh build-release
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHAROS_SANITIZE=address \
    -DPHAROS_BUILD_BENCH=OFF
cmake --build build-asan -j"$(nproc)"
(cd build-asan && ctest --output-on-failure --timeout 900 -LE 'faults|zone-cache-off' "$@")

build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHAROS_SANITIZE=thread \
    -DPHAROS_BUILD_BENCH=OFF
cmake --build build-tsan -j"$(nproc)" --target test_health test_lb test_backend test_notify test_net
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure --timeout 900 \
    -R '^(health|lb|backend|notify|net)$')

test/fuzz/run.sh "${PHAROS_FUZZ_SECONDS:-60}"
