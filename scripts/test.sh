#!/usr/bin/env bash
# The README's test command: install dependencies, then build and run every test (unit and
# end-to-end) in the default build type (build/) and in Release (build-release/, prefix /usr),
# since -O3 brings its own warnings and its own timing; then build the Debian package from the
# Release build, install it and run the end-to-end suite against it (scripts/package-test.sh;
# PHAROS_SKIP_PACKAGE_TEST=1 skips that step). Arguments go to ctest (e.g. -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for type in RelWithDebInfo Release; do
    dir=build
    [ "$type" = RelWithDebInfo ] || dir=build-release
    echo "== $type build in $dir/"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
    cmake --build "$dir" -j"$(nproc)"
    (cd "$dir" && ctest --output-on-failure --timeout 600 "$@")
done
if [ "${PHAROS_SKIP_PACKAGE_TEST:-0}" != 1 ]; then
    echo "== Debian package"
    scripts/package-test.sh build-release
fi
