#!/usr/bin/env bash
# Installs what pharos needs on Debian 12, and no more than the step that runs needs.
# Idempotent and non-interactive; safe to run again.
#
#   scripts/setup.sh          build the three programs and run them with pdns (the demo)
#   scripts/setup.sh --test   and the test suites (scripts/test.sh)
#   scripts/setup.sh --full   and the whole matrix (scripts/test.sh --full): sanitizers, fuzzing,
#                             the package, the cluster drills
set -euo pipefail

mode=${1:-}
case "$mode" in
"" | --test | --full) ;;
*)
    echo "usage: scripts/setup.sh [--test|--full]" >&2
    exit 2
    ;;
esac

packages=(
    build-essential cmake pkg-config
    nlohmann-json3-dev libboost-dev libboost-system-dev libboost-regex-dev libyaml-cpp-dev
    libssl-dev libsystemd-dev
    pdns-server pdns-backend-remote pdns-backend-sqlite3 pdns-tools sqlite3 dnsutils python3
)
if [ "$mode" != "" ]; then
    # The suites: Catch2, the benchmarks' library, a validating resolver and delv (dnssec), load
    # (dnsperf), real TLS members (openssl), a browser (the status page), etcd (the cluster),
    # promtool (the metrics and the alerting rules).
    packages+=(
        catch2 libbenchmark-dev clang-format pdns-recursor bind9-dnsutils dnsperf procps
        iproute2 bc openssl chromium etcd-server etcd-client prometheus
    )
fi
if [ "$mode" = --full ]; then
    # Fuzzing (libFuzzer comes with clang) and Debian's package checker.
    packages+=(clang lintian)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
    # Keep the distribution's pdns from starting on port 53 while it is being installed.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
        trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0)
    "${apt[@]}" update | { grep -E '^(Err|W:)' || true; }
    # One line per package unpacked, so a slow mirror shows progress rather than silence.
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" |
        { grep --line-buffered -E '^Unpacking' || true; } | sed -u 's/^/setup:   /'
    # Installed here for its promtool only: its server must not start at the next boot either
    # (one the operator installed before is left as it was).
    if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
        "${sudo_cmd[@]}" systemctl disable prometheus.service >/dev/null 2>&1 || true
    fi
fi

# A pdns already running on this machine (an operator's name server) is left alone: the tests
# and the demo run their own pdns_server instances on ports of their own (5300, 5391-5399), and
# packages installed above were kept from starting by policy-rc.d.
echo "setup: dependencies present${mode:+ ($mode)}"
