#!/usr/bin/env bash
# Creates (or completes) the gsqlite3 zones that hold pharos's globalnames, with pdnsutil: SOA,
# NS and an address for the name server, nothing delegated away. pharos itself answers the
# globalnames; the zone only has to exist so pdns is authoritative for them. Run it again after
# every change of the LB file's globalnames and after signing a zone or changing its NSEC mode.
#
#   scripts/pharos-zone.sh [-c pharos.yaml] [--pdns-config-dir DIR] [--ns-address IP] [ZONE...]
#
# Without ZONE arguments each globalname goes in the closest enclosing zone gsqlite3 already
# has; the parent domains of the others become new zones, except those that lie inside another
# new one (a.deep.example.com joins example.com when www.example.com is a globalname too).
#
# Signed zones: pdns proves a name's absence from the zone's NSEC or NSEC3 chain, which it
# reads from gsqlite3's ordering columns. The globalnames live in pharos, not in gsqlite3, so
# without help the chain skips them and pdns "proves" that myweb does not exist while pharos
# answers for it: validators reject every NODATA answer (AAAA of an IPv4-only pool, TXT,
# fallback refuse). So this script gives each globalname, and each name between it and the
# apex, one ordering row: type NULL like an empty non-terminal, its ordering key for the zone's
# mode, and its name written with a trailing dot. pdns never stores or looks up a name with a
# trailing dot, so lookups and `pdnsutil rectify-zone` leave these rows alone and pdns keeps
# asking pharos for the names, while the ordering queries, which read only the key, see them.
# The zone's rows whose name ends in a dot are pharos's; the script rewrites all of them.
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
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        -*) echo "pharos-zone: unknown option $1" >&2; exit 2 ;;
        *) zones+=("${1%.}"); shift ;;
    esac
done

names=$("$pharosctl" -c "$config" names | awk '{print $1}')

# The last value of a pdns setting in pdns.conf and pdns.d/*.conf.
pdns_setting() {
    (cat "$pdns_dir/pdns.conf" "$pdns_dir"/pdns.d/*.conf 2>/dev/null || true) |
        sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" | tail -n 1
}
database=$(pdns_setting gsqlite3-database)
if [ -z "$database" ]; then
    echo "pharos-zone: no gsqlite3-database in $pdns_dir/pdns.conf or pdns.d/" >&2
    exit 1
fi
# The zones live in gsqlite3 alone, so pdnsutil is pointed at gsqlite3 only: pharos need not be
# running to create them (pdnsutil has no --launch override, hence the private config dir).
sqlite_only=$(mktemp -d)
trap 'rm -rf "$sqlite_only"' EXIT
printf 'launch=gsqlite3\ngsqlite3-database=%s\ngsqlite3-dnssec=%s\n' "$database" \
    "$(pdns_setting gsqlite3-dnssec | grep -qiE '^(yes|true|1)$' && echo yes || echo no)" \
    >"$sqlite_only/pdns.conf"
pdnsutil() { command pdnsutil --config-dir="$sqlite_only" "$@"; }
sql() { sqlite3 -batch "$database" "$@"; }
quote() { printf "'%s'" "${1//\'/\'\'}"; }
# pdnsutil narrates on stderr; keep that for when a step fails.
quietly() {
    local out
    if ! out=$("$@" 2>&1); then
        echo "$out" >&2
        return 1
    fi
}

# "existing ZONE" for the closest zone gsqlite3 has that encloses `name` (or is `name`: then
# its apex records hide the globalname, which the check below reports), else "new PARENT".
zone_for() {
    local name=$1 candidate=$1
    while [[ "$candidate" == *.* ]]; do
        if [ "$(sql "select count(*) from domains where name=$(quote "$candidate")")" != 0 ]; then
            echo "existing $candidate"
            return
        fi
        candidate=${candidate#*.}
    done
    echo "new ${name#*.}"
}
# Keeps the names that lie under no other name of the list.
outermost() {
    local all name other inside
    all=$(sort -u)
    for name in $all; do
        inside=no
        for other in $all; do
            [[ "$name" == *".$other" ]] && inside=yes
        done
        [ "$inside" = yes ] || echo "$name"
    done
}
if [ ${#zones[@]} -eq 0 ]; then
    homes=$(for n in $names; do zone_for "$n"; done)
    mapfile -t zones < <(awk '$1 == "existing" {print $2}' <<<"$homes" | sort -u
                         awk '$1 == "new" {print $2}' <<<"$homes" | outermost)
fi

# The globalnames whose closest zone in gsqlite3 is `zone`.
homed_in() {
    local n
    for n in $names; do
        [ "$(zone_for "$n")" = "existing $1" ] && echo "$n"
    done
}

# The names of `zone` that need an ordering row: its globalnames and every name between one and
# the apex, less those with records of their own in gsqlite3.
ordered_names() {
    local zone=$1 id=$2 n
    for n in $(homed_in "$zone"); do
        while [ "$n" != "$zone" ]; do
            echo "$n"
            n=${n#*.}
        done
    done | sort -u | while read -r n; do
        [ "$(sql "select count(*) from records where domain_id=$id and name=$(quote "$n")")" = 0 ] &&
            echo "$n"
    done
}

# The ordering key pdns itself would store for `name`: NSEC orders by the labels below the
# apex, reversed and joined by spaces; hashed NSEC3 by the name's hash (pdnsutil computes it);
# unsigned zones and narrow NSEC3 (hashes made up per answer) need none.
order_key() {
    local zone=$1 mode=$2 name=$3
    case "$mode" in
        nsec) echo "${name%.$zone}" | awk -F. '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "")}' ;;
        nsec3) pdnsutil hash-zone-record "$zone" "$name" ;;
    esac
}

zone_mode() {
    local shown
    shown=$(pdnsutil show-zone "$1" 2>/dev/null || true)
    case "$shown" in
        *"NARROW hashed NSEC3"*) echo narrow ;;
        *"hashed NSEC3 semantics"*) echo nsec3 ;;
        *"NSEC semantics"*) echo nsec ;;
        *) echo unsigned ;;
    esac
}

write_ordering_rows() {
    local zone=$1 id mode n key statements
    id=$(sql "select id from domains where name=$(quote "$zone")")
    mode=$(zone_mode "$zone")
    statements="begin; delete from records where domain_id=$id and type is null and name like '%.';"
    while read -r n; do
        [ -n "$n" ] || continue
        key=$(order_key "$zone" "$mode" "$n")
        statements+=" insert into records (domain_id, name, type, disabled, ordername, auth)"
        statements+=" values ($id, $(quote "$n."), null, 0, $([ -n "$key" ] && quote "$key" || echo null), 1);"
    done < <(ordered_names "$zone" "$id")
    sql "$statements commit;"
    [ "$mode" = unsigned ] || echo "pharos-zone: $zone is signed ($mode): ordering rows written"
}

for zone in "${zones[@]}"; do
    if ! pdnsutil list-zone "$zone" >/dev/null 2>&1; then
        quietly pdnsutil create-zone "$zone" "ns1.$zone"
        quietly pdnsutil add-record "$zone" ns1 A 3600 "$ns_address"
        echo "pharos-zone: created $zone"
    fi
    id=$(sql "select id from domains where name=$(quote "$zone")")
    for n in $(homed_in "$zone"); do
        # pdns asks gsqlite3 first and stops at the first backend with records, so any static
        # record of the same name (the zone apex has SOA and NS) hides the globalname.
        if [ "$(sql "select count(*) from records where domain_id=$id and name=$(quote "$n")")" != 0 ]; then
            echo "pharos-zone: warning: $n has records in $zone that hide it from pharos" >&2
        fi
    done
    quietly pdnsutil rectify-zone "$zone"
    write_ordering_rows "$zone"
done
