#!/usr/bin/env bash
# Creates (or completes) the gsqlite3 zones that hold pharos's globalnames, with pdnsutil: SOA,
# NS and an address for the name server, nothing delegated away. pharos itself answers the
# globalnames; the zone only has to exist so pdns is authoritative for them.
#
#   scripts/pharos-zone.sh [-c pharos.yaml] [--pdns-config-dir DIR] [--ns-address IP] [ZONE...]
#
# Without ZONE arguments each globalname's parent domain becomes a zone.
set -euo pipefail

config=/etc/pharos/pharos.yaml
pdns_dir=/etc/powerdns
ns_address=127.0.0.1
pharosctl=${PHAROSCTL:-pharosctl}
zones=()
while [ $# -gt 0 ]; do
    case "$1" in
        -c|--config) config=$2; shift 2 ;;
        --pdns-config-dir) pdns_dir=$2; shift 2 ;;
        --ns-address) ns_address=$2; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        -*) echo "pharos-zone: unknown option $1" >&2; exit 2 ;;
        *) zones+=("${1%.}"); shift ;;
    esac
done

names=$("$pharosctl" -c "$config" names | awk '{print $1}')
if [ ${#zones[@]} -eq 0 ]; then
    mapfile -t zones < <(for n in $names; do echo "${n#*.}"; done | sort -u)
fi

# The zones live in gsqlite3 alone, so pdnsutil is pointed at gsqlite3 only: pharos need not be
# running to create them (pdnsutil has no --launch override, hence the private config dir).
database=$( (cat "$pdns_dir/pdns.conf" "$pdns_dir"/pdns.d/*.conf 2>/dev/null || true) |
    sed -n 's/^[[:space:]]*gsqlite3-database[[:space:]]*=[[:space:]]*//p' | tail -n 1)
if [ -z "$database" ]; then
    echo "pharos-zone: no gsqlite3-database in $pdns_dir/pdns.conf or pdns.d/" >&2
    exit 1
fi
sqlite_only=$(mktemp -d)
trap 'rm -rf "$sqlite_only"' EXIT
printf 'launch=gsqlite3\ngsqlite3-database=%s\n' "$database" >"$sqlite_only/pdns.conf"
pdnsutil() { command pdnsutil --config-dir="$sqlite_only" "$@"; }
# pdnsutil narrates on stderr; keep that for when a step fails.
quietly() {
    local out
    if ! out=$("$@" 2>&1); then
        echo "$out" >&2
        return 1
    fi
}

for zone in "${zones[@]}"; do
    if ! pdnsutil list-zone "$zone" >/dev/null 2>&1; then
        quietly pdnsutil create-zone "$zone" "ns1.$zone"
        quietly pdnsutil add-record "$zone" ns1 A 3600 "$ns_address"
        echo "pharos-zone: created $zone"
    fi
    listing=$(pdnsutil list-zone "$zone" 2>/dev/null)
    for n in $names; do
        [[ "$n" == *".$zone" || "$n" == "$zone" ]] || continue
        # pdns asks gsqlite3 first and stops at the first backend with records, so any static
        # record of the same name (the zone apex has SOA and NS) hides the globalname.
        if awk -v n="$n." 'tolower($1) == n { found = 1 } END { exit !found }' <<<"$listing"; then
            echo "pharos-zone: warning: $n has records in $zone that hide it from pharos" >&2
        fi
    done
    quietly pdnsutil rectify-zone "$zone"
done
