#!/usr/bin/env bash
# pdns's qps through dnsperf, side by side in one run:
#   (a) a static gsqlite3 record, launch=gsqlite3            - pdns's own ceiling
#   (b) bench/pdns's minimal remote backend, gsqlite3,remote  - the protocol's ceiling
#   (c) a pharos globalname, gsqlite3,remote                  - pharos
#   (d) pdns's own LUA record, enable-lua-records=shared       - the same work in-process
# with caches off at distributor-threads 3, 8, 16, 32, with the 1 s caches pharos recommends,
# and with pdns's default caches.
# (c) and (d) do the same work: a failover group of two http members (127.0.0.61 first,
# 127.0.0.62 second, both up), checked every second, the first one answered.
#
#   bench/pdns/run.sh [BUILD_DIR] [SECONDS_PER_POINT]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
seconds=${2:-5}
bin=$build/bin
port=5399
work=$(mktemp -d /tmp/pharos-pdns-bench.XXXXXX)
trap 'pkill -P $$ 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"; rm -f /dev/shm/pharos-pdns-bench /dev/shm/pharos-pdns-bench.lock' EXIT

# The zone, with the static record for (a).
sqlite3 "$work/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
printf 'launch=gsqlite3\ngsqlite3-database=%s\n' "$work/pdns.sqlite3" >"$work/pdnsutil.conf"
mkdir -p "$work/util" && cp "$work/pdnsutil.conf" "$work/util/pdns.conf"
pdnsutil --config-dir="$work/util" create-zone example.com ns1.example.com >/dev/null 2>&1
pdnsutil --config-dir="$work/util" add-record example.com static A 60 192.0.2.1 >/dev/null 2>&1
pdnsutil --config-dir="$work/util" add-record example.com lua LUA 60 \
    "A \"ifurlup('http://lua.example.com:18090/', {{'127.0.0.61'}, {'127.0.0.62'}})\"" >/dev/null

for member in 127.0.0.61 127.0.0.62; do
    python3 -m http.server 18090 --bind $member --directory "$work" >/dev/null 2>&1 &
done

# pharos: one globalname on the failover group (c) and (d) share.
cat >"$work/pharos.yaml" <<EOC
lb: lb.yaml
topology: null
backend: {socket: $work/pharos.sock, socket_group: root}
health: {table: /pharos-pdns-bench, table_group: root}
control: {socket: $work/control.sock}
log_level: warning
EOC
cat >"$work/lb.yaml" <<EOC
pools:
  bench:
    monitor: http
    monitor_params: {port: 18090, interval: 1, timeout: 1}
    lb_method: fogroup
    members:
    - {ip: 127.0.0.61, name: first, weight: 1}
    - {ip: 127.0.0.62, name: second, weight: 1}
globalnames:
  pharos.example.com: {pool: bench, ttl: 60}
EOC
"$bin/pharos-health" -c "$work/pharos.yaml" 2>"$work/health.log" &
"$bin/pharos-backend" -c "$work/pharos.yaml" 2>"$work/backend.log" &
"$bin/minimal_remote_backend" "$work/minimal.sock" minimal.example.com. 192.0.2.2 &
sleep 1

run_point() {  # launch remote-socket threads caches name answer -> qps
    local launch=$1 socket=$2 threads=$3 caches=$4 name=$5 answer=$6
    local dir=$work/pdns-$RANDOM
    mkdir -p "$dir"
    {
        echo "launch=$launch"
        echo "gsqlite3-database=$work/pdns.sqlite3"
        [ -n "$socket" ] && echo "remote-connection-string=unix:path=$socket"
        echo "local-address=127.0.0.1"
        echo "local-port=$port"
        echo "socket-dir=$dir"
        echo "daemon=no"; echo "guardian=no"; echo "disable-syslog=yes"; echo "loglevel=3"
        echo "security-poll-suffix="
        echo "enable-lua-records=shared"; echo "lua-health-checks-interval=1"
        echo "distributor-threads=$threads"
        if [ "$caches" = off ]; then
            echo "cache-ttl=0"; echo "query-cache-ttl=0"; echo "negquery-cache-ttl=0"
        elif [ "$caches" = pharos ]; then  # scripts/pdns/pharos.conf
            echo "cache-ttl=1"; echo "query-cache-ttl=1"; echo "negquery-cache-ttl=1"
        fi
    } >"$dir/pdns.conf"
    pdns_server --config-dir="$dir" >"$dir/log" 2>&1 &
    local pid=$!
    # Measured once the answer is the expected one: LUA's first checks run after its first
    # query, and until then it answers every address.
    local got=""
    for _ in $(seq 100); do
        got=$(dig +short +time=1 +tries=1 @127.0.0.1 -p $port "$name" A 2>/dev/null || true)
        [ "$got" = "$answer" ] && break
        sleep 0.1
    done
    [ "$got" = "$answer" ] || echo "warning: $name answered '$got', not $answer" >&2
    echo "$name A" >"$dir/queries"
    local qps
    qps=$(dnsperf -s 127.0.0.1 -p $port -d "$dir/queries" -l "$seconds" -c 16 -q 64 2>/dev/null |
        awk '/Queries per second/ {print $4}')
    kill $pid; wait $pid 2>/dev/null || true
    echo "${qps:-0}"
}

printf '%-14s %10s %10s %10s %10s %7s %7s %7s\n' "point" "a:static" "b:minimal" "c:pharos" \
    "d:lua" "c/b" "c/a" "c/d"
for point in "3 off" "8 off" "16 off" "32 off" "3 pharos" "3 default"; do
    set -- $point
    a=$(run_point gsqlite3 "" "$1" "$2" static.example.com 192.0.2.1)
    b=$(run_point gsqlite3,remote "$work/minimal.sock" "$1" "$2" minimal.example.com 192.0.2.2)
    c=$(run_point gsqlite3,remote "$work/pharos.sock" "$1" "$2" pharos.example.com 127.0.0.61)
    d=$(run_point gsqlite3 "" "$1" "$2" lua.example.com 127.0.0.61)
    printf '%-14s %10.0f %10.0f %10.0f %10.0f %7.2f %7.2f %7.2f\n' "t=$1 caches=$2" "$a" "$b" \
        "$c" "$d" "$(echo "$c / $b" | bc -l)" "$(echo "$c / $a" | bc -l)" "$(echo "$c / $d" | bc -l)"
done
