#!/usr/bin/env bash
# What live signing costs through pdns, side by side in one run: the same queries (DO bit set)
# against a signed zone (NSEC, ECDSA P-256, pharos-zone.sh's ordering rows) and an unsigned one
# served by the same pdns and pharos, for a static gsqlite3 record, a pharos globalname and a
# globalname's NODATA (AAAA of an IPv4-only pool), with caches off and with pdns's defaults.
#
#   bench/pdns/dnssec.sh [BUILD_DIR] [SECONDS_PER_POINT] [DISTRIBUTOR_THREADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
seconds=${2:-5}
threads=${3:-8}
bin=$build/bin
port=5398
work=$(mktemp -d /tmp/pharos-dnssec-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"; rm -f /dev/shm/pharos-dnssec-bench /dev/shm/pharos-dnssec-bench.lock' EXIT

cat >"$work/pharos.yaml" <<EOC
lb: lb.yaml
topology: null
backend: {socket: $work/pharos.sock, socket_group: root}
health: {table: /pharos-dnssec-bench, table_group: root}
log_level: warning
EOC
cat >"$work/lb.yaml" <<EOC
pools:
  bench:
    monitor: forced
    lb_method: wrr
    members:
    - {ip: 192.0.2.3, name: m1, weight: 1}
    - {ip: 192.0.2.4, name: m2, weight: 1}
globalnames:
  www.signed.example: {pool: bench, ttl: 60}
  www.unsigned.example: {pool: bench, ttl: 60}
EOC

write_conf() {  # dir caches
    mkdir -p "$1"
    {
        echo "launch=gsqlite3,remote"
        echo "gsqlite3-database=$work/pdns.sqlite3"
        echo "gsqlite3-dnssec=yes"
        echo "remote-connection-string=unix:path=$work/pharos.sock"
        echo "local-address=127.0.0.1"; echo "local-port=$port"; echo "socket-dir=$1"
        echo "daemon=no"; echo "guardian=no"; echo "disable-syslog=yes"; echo "loglevel=3"
        echo "security-poll-suffix="; echo "distributor-threads=$threads"
        if [ "$2" = off ]; then
            echo "cache-ttl=0"; echo "query-cache-ttl=0"; echo "negquery-cache-ttl=0"
        fi
    } >"$1/pdns.conf"
}

sqlite3 "$work/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
write_conf "$work/setup" off
util() { pdnsutil --config-dir="$work/setup" "$@" >/dev/null 2>&1; }
"$bin/pharos-health" -c "$work/pharos.yaml" 2>"$work/health.log" &
"$bin/pharos-backend" -c "$work/pharos.yaml" 2>"$work/backend.log" &
sleep 1
for zone in signed.example unsigned.example; do
    util create-zone "$zone" "ns1.$zone"
    util add-record "$zone" static A 60 192.0.2.1
done
util secure-zone signed.example
PHAROSCTL=$bin/pharosctl "$root/scripts/pharos-zone.sh" -c "$work/pharos.yaml" \
    --pdns-config-dir "$work/setup" signed.example unsigned.example >/dev/null

run_point() {  # caches name qtype -> qps
    local dir=$work/pdns-$RANDOM
    write_conf "$dir" "$1"
    pdns_server --config-dir="$dir" >"$dir/log" 2>&1 &
    local pid=$!
    for _ in $(seq 50); do
        dig +short +time=1 +tries=1 @127.0.0.1 -p $port "$2" A >/dev/null 2>&1 && break
        sleep 0.1
    done
    echo "$2 $3" >"$dir/queries"
    local qps
    qps=$(dnsperf -D -s 127.0.0.1 -p $port -d "$dir/queries" -l "$seconds" -c 16 -q 64 2>/dev/null |
        awk '/Queries per second/ {print $4}')
    kill $pid; wait $pid 2>/dev/null || true
    echo "${qps:-0}"
}

echo "distributor-threads=$threads, $seconds s per point, DO bit set"
printf '%-30s %12s %12s %8s\n' "query, caches" "unsigned" "signed" "ratio"
for caches in off default; do
    for query in "static A" "www A" "www AAAA"; do
        set -- $query
        u=$(run_point "$caches" "$1.unsigned.example" "$2")
        s=$(run_point "$caches" "$1.signed.example" "$2")
        printf '%-30s %12.0f %12.0f %8.2f\n' "$1 $2, caches $caches" "$u" "$s" \
            "$(echo "$s / $u" | bc -l)"
    done
done
