#!/usr/bin/env bash
# Builds the Debian package from a Release build configured with prefix /usr, installs it with
# dpkg on this machine, checks what the package put in place (user, directories, units and
# their systemd-analyze security exposure, --help of every program), then runs the end-to-end
# suite against the installed binaries. scripts/test.sh calls it; PHAROS_SKIP_PACKAGE_TEST=1
# skips it where installing pharos system-wide is not wanted.
#
#   scripts/package-test.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/pharos_*.deb | head -n 1)
echo "package: $deb"
dpkg-deb -f "$deb" Depends
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null

fail() { echo "package test: $*" >&2; exit 1; }
getent passwd pharos >/dev/null || fail "no pharos user"
[ "$(stat -c %U:%G:%a /var/lib/pharos)" = pharos:pharos:750 ] || fail "/var/lib/pharos is $(stat -c %U:%G:%a /var/lib/pharos)"
for f in /usr/bin/pharos-backend /usr/bin/pharos-health /usr/bin/pharosctl /usr/bin/pharos-zone \
         /lib/systemd/system/pharos-backend.socket /lib/systemd/system/pharos-backend.service \
         /lib/systemd/system/pharos-health.service /etc/pharos/pharos.yaml \
         /usr/share/pharos/pdns/pharos.conf /usr/share/pharos/prometheus/pharos-rules.yml; do
    [ -e "$f" ] || fail "$f is missing"
done
dpkg-query --control-show pharos conffiles | grep -q /etc/pharos/pharos.yaml || fail "no conffiles"
for program in pharos-backend pharos-health pharosctl; do
    /usr/bin/$program --help | grep -q -- "--config" || fail "$program --help"
done
for command in validate names status explain drain force-up force-down clear reload; do
    /usr/bin/pharosctl --help | grep -q "^    $command" || fail "pharosctl --help lacks $command"
done
/usr/bin/pharosctl -c /etc/pharos/pharos.yaml validate >/dev/null || fail "the sample configuration"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/pharos-backend.socket \
        /lib/systemd/system/pharos-backend.service /lib/systemd/system/pharos-health.service
    for unit in pharos-backend.service pharos-health.service; do
        systemd-analyze security --offline=yes /lib/systemd/system/$unit | tail -n 1
    done
fi
echo "== end-to-end suite against the installed binaries"
python3 test/e2e/e2e_test.py /usr/bin
