#!/usr/bin/env bash
# Builds the Debian package from a build directory (any build type and prefix: the package is
# Debian's layout whatever the build), checks it with lintian, installs it with dpkg on this
# machine and checks what it put in place (user, directories, units and their systemd-analyze
# security exposure, --help of every program, stripped binaries, man pages and completion once
# the tree has them), starts the services where systemd is PID 1, runs the end-to-end suite
# against the installed binaries, then removes and purges the package with apt-get and checks
# what each leaves behind. scripts/test.sh calls it; PHAROS_SKIP_PACKAGE_TEST=1 skips it where
# installing pharos system-wide is not wanted. It needs lintian (apt-get install lintian).
#
#   scripts/package-test.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
apt_env=(env DEBIAN_FRONTEND=noninteractive)

fail() {
    echo "package test: $*" >&2
    exit 1
}

# Lintian warnings the package accepts, exactly as lintian prints them after "W: pharos: ",
# each with its reason. README's "Installing the Debian package and systemd" lists the same.
accepted_warnings=()
accept() {  # warning reason
    accepted_warnings+=("$1")
    echo "  accepted: $1 ($2)"
}
accept_listed_warnings() {
    accept "no-manual-page [usr/bin/pharos-zone]" \
        "pharos-zone is a shell helper; README's \"Running it\" documents it"
    # The man pages of the three programs come with the tree's docs/man (job cli); until a page
    # is there its warning is expected, and once it is, a package without it fails below.
    local program
    for program in pharos-backend pharos-health pharosctl; do
        source_has "$program.8" ||
            accept "no-manual-page [usr/bin/$program]" "the tree has no $program.8 yet"
    done
}

is_accepted() {  # warning
    local accepted
    for accepted in "${accepted_warnings[@]}"; do
        [ "$accepted" != "$1" ] || return 0
    done
    return 1
}

source_has() {  # file-name-prefix: whether the source tree (not a build tree) has such a file
    [ -n "$(find . \( -name .git -o -name 'build*' \) -prune -o -name "$1*" -print -quit)" ]
}

build_package() {
    (cd "$build" && cpack -G DEB >/dev/null)
    deb=$(ls -t "$build"/pharos_*.deb | head -n 1)
    echo "package: $deb ($(du -k "$deb" | cut -f1) kB," \
        "installed $(dpkg-deb -f "$deb" Installed-Size) kB)"
    dpkg-deb -f "$deb" Depends
}

# Debian's layout whatever the build's prefix: /usr, /etc and the units in /lib/systemd/system.
check_layout() {
    local paths outside
    paths=$(dpkg-deb -c "$deb" | awk '{print $6}')
    outside=$(grep -v -E '^\./$|^\./(usr|etc)/|^\./lib/(|systemd/|systemd/system/.*)$' \
        <<<"$paths" || true)
    [ -z "$outside" ] || fail "files outside /usr, /etc and /lib/systemd/system: $outside"
    ! grep '^\./usr/local' <<<"$paths" || fail "files in /usr/local"
}

run_lintian() {
    command -v lintian >/dev/null || fail "lintian is not installed (apt-get install lintian)"
    echo "== lintian"
    accept_listed_warnings
    local report line tag unexpected=()
    report=$(lintian --fail-on none --tag-display-limit 0 "$deb" 2>&1 | grep -E '^[A-Z]: ' || true)
    [ -z "$report" ] || echo "$report"
    while IFS= read -r line; do
        case "$line" in
        E:*) unexpected+=("$line") ;;
        W:*)
            tag=${line#W: pharos: }
            is_accepted "$tag" || unexpected+=("$line")
            ;;
        esac
    done <<<"$report"
    [ ${#unexpected[@]} -eq 0 ] || fail "lintian: $(printf '\n  %s' "${unexpected[@]}")"
    echo "lintian: no error, no warning beyond the accepted ones"
}

# What pharos has on this machine outside its packaged files: by name under /etc, /usr and
# /var, plus the runtime directory and the default health table's shared-memory objects.
footprint() {
    {
        "${sudo_cmd[@]}" find /etc /usr /var -path '*pharos*' 2>/dev/null
        ls -d /run/pharos /dev/shm/pharos-health /dev/shm/pharos-health.lock \
            /dev/shm/pharos-health-backend 2>/dev/null
    } | sort || true
}

# What the package left since the baseline, beyond the extended regular expression $1.
left_behind() {  # allowed-regex
    comm -13 <(echo "$baseline") <(footprint) | grep -v -E "$1" || true
}

install_package() {
    if grep -q '^[ir]' <<<"$(dpkg-query -W -f='${db:Status-Abbrev}' pharos 2>/dev/null)"; then
        echo "purging the pharos already on this machine first"
        "${sudo_cmd[@]}" "${apt_env[@]}" apt-get purge -y -q pharos >/dev/null
    fi
    baseline=$(footprint)
    "${sudo_cmd[@]}" "${apt_env[@]}" dpkg -i "$deb" >/dev/null
    # Again over itself: the postinst is idempotent, and an upgrade's path runs.
    "${sudo_cmd[@]}" "${apt_env[@]}" dpkg -i "$deb" >/dev/null
}

check_installed() {
    getent passwd pharos >/dev/null || fail "no pharos user"
    [ "$(stat -c %U:%G:%a /var/lib/pharos)" = pharos:pharos:750 ] ||
        fail "/var/lib/pharos is $(stat -c %U:%G:%a /var/lib/pharos)"
    local f
    for f in /usr/bin/pharos-backend /usr/bin/pharos-health /usr/bin/pharosctl \
        /usr/bin/pharos-zone /lib/systemd/system/pharos-backend.socket \
        /lib/systemd/system/pharos-backend.service /lib/systemd/system/pharos-health.service \
        /etc/pharos/pharos.yaml /usr/share/pharos/pdns/pharos.conf \
        /usr/share/pharos/prometheus/pharos-rules.yml /usr/share/doc/pharos/copyright /usr/share/doc/pharos/changelog.gz; do
        [ -e "$f" ] || fail "$f is missing"
    done
    grep -q '^ExecStart=/usr/bin/pharos-health -c /etc/pharos/pharos.yaml$' \
        /lib/systemd/system/pharos-health.service || fail "pharos-health.service's paths"
    for f in /usr/bin/pharos-backend /usr/bin/pharos-health /usr/bin/pharosctl; do
        ! grep -q -E '\.symtab|\.debug_' <<<"$(readelf -S --wide "$f")" || fail "$f is not stripped"
    done
    check_docs
    # Enabled as dh_installsystemd does, with or without systemd running.
    for f in multi-user.target.wants/pharos-health.service \
        sockets.target.wants/pharos-backend.socket; do
        [ -L "/etc/systemd/system/$f" ] || fail "/etc/systemd/system/$f: not enabled"
    done
    grep -q /etc/pharos/pharos.yaml <<<"$(dpkg-query --control-show pharos conffiles)" ||
        fail "no conffiles"
    local program command
    for program in pharos-backend pharos-health pharosctl; do
        grep -q -- "--config" <<<"$(/usr/bin/$program --help)" || fail "$program --help"
    done
    for command in validate names status explain drain force-up force-down clear reload; do
        grep -q "^    $command" <<<"$(/usr/bin/pharosctl --help)" ||
            fail "pharosctl --help lacks $command"
    done
    /usr/bin/pharosctl -c /etc/pharos/pharos.yaml validate >/dev/null ||
        fail "the sample configuration"
    if command -v systemd-analyze >/dev/null; then
        systemd-analyze verify /lib/systemd/system/pharos-backend.socket \
            /lib/systemd/system/pharos-backend.service /lib/systemd/system/pharos-health.service
        for f in pharos-backend.service pharos-health.service; do
            systemd-analyze security --offline=yes /lib/systemd/system/$f | tail -n 1
        done
    fi
}

# The man pages and pharosctl's completion are in the package once the tree has them.
check_docs() {
    local page
    for page in pharos-backend.8 pharos-health.8 pharosctl.8 pharos.yaml.5; do
        if source_has "$page"; then
            ls /usr/share/man/man"${page##*.}"/"$page"* >/dev/null 2>&1 ||
                fail "the tree has $page, the package has no /usr/share/man/man${page##*.}/$page"
        fi
    done
    if [ -n "$(find . \( -name .git -o -name 'build*' \) -prune -o -path '*completion*' \
        -name '*pharosctl*' -print -quit)" ]; then
        [ -e /usr/share/bash-completion/completions/pharosctl ] ||
            fail "the tree has pharosctl's completion, the package does not"
    fi
}

# Under systemd: the units the postinst enabled start, and pdns's first connect to the socket
# starts pharos-backend, which answers. A drain leaves admin state in /var/lib/pharos.
check_systemd() {
    local init
    init=$(ps -p 1 -o comm= 2>/dev/null || echo unknown)
    if [ "$init" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "systemd check skipped: PID 1 is $init, not systemd (a container?), so no unit" \
            "can start here"
        systemd_running=0
        return 0
    fi
    systemd_running=1
    echo "== systemd"
    local unit
    for unit in pharos-health.service pharos-backend.socket; do
        [ "$(systemctl is-enabled $unit)" = enabled ] || fail "$unit is not enabled"
    done
    "${sudo_cmd[@]}" systemctl start pharos-health.service pharos-backend.socket ||
        fail "$(systemctl status --no-pager pharos-health.service pharos-backend.socket)"
    "${sudo_cmd[@]}" python3 - <<'EOF' || fail "no answer on /run/pharos/backend.sock"
import json, socket
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect("/run/pharos/backend.sock")
s.sendall(b'{"method":"initialize","parameters":{}}\n')
reply = s.makefile().readline()
assert json.loads(reply)["result"] is True, reply
EOF
    for unit in pharos-health.service pharos-backend.socket pharos-backend.service; do
        systemctl is-active --quiet $unit || fail "$unit is not active"
    done
    "${sudo_cmd[@]}" /usr/bin/pharosctl -c /etc/pharos/pharos.yaml drain www-example www1 \
        --reason "package test" >/dev/null || fail "pharosctl drain"
    "${sudo_cmd[@]}" test -s /var/lib/pharos/admin-state.json || fail "no admin state after a drain"
    echo "systemd: pharos-health.service, pharos-backend.socket and pharos-backend.service active"
    # The end-to-end suite runs its own processes; the packaged ones pause meanwhile.
    "${sudo_cmd[@]}" systemctl stop pharos-backend.socket pharos-backend.service \
        pharos-health.service
}

# Removal stops the services, takes the programs, keeps the configuration (modified or not),
# the admin state and the units' enablement (masked) until purge; purge leaves nothing but the
# pharos user and group, which stay as files may still be theirs.
remove_and_purge() {
    echo "== apt-get remove"
    if [ "$systemd_running" = 1 ]; then
        "${sudo_cmd[@]}" systemctl start pharos-health.service pharos-backend.socket \
            pharos-backend.service
    else
        "${sudo_cmd[@]}" install -o pharos -g pharos -m 0640 /dev/null \
            /var/lib/pharos/admin-state.json
    fi
    echo "# changed by the package test" |
        "${sudo_cmd[@]}" tee -a /etc/pharos/pharos.yaml >/dev/null
    "${sudo_cmd[@]}" "${apt_env[@]}" apt-get remove -y -q pharos >/dev/null
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' pharos)" = "rc " ] ||
        fail "pharos is $(dpkg-query -W -f='${db:Status-Abbrev}' pharos) after remove, not rc"
    if [ "$systemd_running" = 1 ]; then
        local unit
        for unit in pharos-health.service pharos-backend.socket pharos-backend.service; do
            ! systemctl is-active --quiet $unit || fail "$unit still active after remove"
        done
    fi
    grep -q "changed by the package test" /etc/pharos/pharos.yaml ||
        fail "remove did not keep the changed /etc/pharos/pharos.yaml"
    "${sudo_cmd[@]}" test -e /var/lib/pharos/admin-state.json || fail "remove took the admin state"
    local left
    local kept=(
        '^/etc/pharos(/(pharos|polaris-lb|polaris-topology)\.yaml)?$'
        '^/var/lib/pharos(/.*)?$'
        '^/var/lib/dpkg/info/pharos\.(list|conffiles|postrm|md5sums)$'
        '^/etc/systemd/system/(|[^/]+\.wants/)pharos-(health|backend)\.(service|socket)$'
        '^/var/lib/systemd/deb-systemd-helper-(enabled|masked)/.*pharos'
    )
    left=$(IFS='|' && left_behind "${kept[*]}")
    [ -z "$left" ] || fail "left behind by remove: $left"
    echo "after remove: the configuration, /var/lib/pharos and the units' enablement (masked)"

    echo "== apt-get purge"
    "${sudo_cmd[@]}" "${apt_env[@]}" apt-get purge -y -q pharos >/dev/null
    ! grep -q '^[ir]' <<<"$(dpkg-query -W -f='${db:Status-Abbrev}' pharos 2>/dev/null)" ||
        fail "pharos is still known to dpkg after purge"
    left=$(left_behind '^$')
    [ -z "$left" ] || fail "left behind by purge: $left"
    [ ! -e /var/lib/pharos ] || fail "purge left /var/lib/pharos"
    getent passwd pharos >/dev/null || fail "purge removed the pharos user"
    echo "after purge: nothing but the pharos user and group"
}

build_package
check_layout
run_lintian
install_package
check_installed
check_systemd
echo "== end-to-end suite against the installed binaries"
python3 test/e2e/e2e_test.py /usr/bin
remove_and_purge
echo "package test: passed"
