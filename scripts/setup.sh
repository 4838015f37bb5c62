#!/usr/bin/env bash
# Installs everything pharos needs to build, test and run on Debian 12. Idempotent and
# non-interactive; safe to run again.
set -euo pipefail

packages=(
    build-essential cmake pkg-config clang-format
    nlohmann-json3-dev libboost-dev libboost-system-dev libboost-regex-dev libyaml-cpp-dev libssl-dev catch2
    libsystemd-dev
    libbenchmark-dev
    pdns-server pdns-backend-remote pdns-backend-sqlite3 pdns-tools pdns-recursor sqlite3
    dnsutils bind9-dnsutils dnsperf python3 procps iproute2 bc openssl chromium
    etcd-server etcd-client
    prometheus
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # Keep the distribution's pdns from starting on port 53 while it is being installed.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
        trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}"
    # Installed here for its promtool only: its server must not start at the next boot either
    # (one the operator installed before is left as it was).
    if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
        "${sudo_cmd[@]}" systemctl disable prometheus.service >/dev/null 2>&1 || true
    fi
fi

# A pdns already running on this machine (an operator's name server) is left alone: the tests
# and the demo run their own pdns_server instances on ports of their own (5300, 5391-5399), and
# packages installed above were kept from starting by policy-rc.d. `prometheus` is there for its
# promtool, which checks /metrics (test/web).
echo "setup: dependencies present"
