#!/usr/bin/env python3
"""Every answer pharos takes part in validates in a signed zone, as an operator signs it: the
zone made by scripts/pharos-zone.sh in gsqlite3, `pdnsutil secure-zone`, then NSEC, NSEC3 and
NSEC3 narrow in turn, the zone script re-run after each change. Each answer is checked by delv
(a validator) with the zone's key as trust anchor, then through a validating pdns-recursor that
sends ECS, as clients see it. Usage: dnssec_test.py BIN_DIR [TEST...]"""
import os
import re
import subprocess
import sys
import time

from harness import Pdns, Pharos, dig, make_workdir, run_shared_world, wait_until

AUTH_PORT, RECURSOR_PORT = 5395, 5396
ZONE = "gslb.test"

LB = """
pools:
  web:
    monitor: forced
    lb_method: fogroup
    members:
    - {ip: 192.0.2.1, name: www1, weight: 1}
    - {ip: 192.0.2.2, name: www2, weight: 1}
  gone:
    monitor: forced
    monitor_params: {status: down}
    lb_method: wrr
    fallback: refuse
    members:
    - {ip: 192.0.2.9, name: g1, weight: 1}
  dual:
    monitor: forced
    lb_method: wrr
    members:
    - {ip: 192.0.2.20, name: d4, weight: 1}
    - {ip: 2001:db8::20, name: d6, weight: 1}
  geo:
    monitor: forced
    lb_method: twrr
    members:
    - {ip: 127.0.1.2, name: geo-a, weight: 1}
    - {ip: 127.0.2.2, name: geo-b, weight: 1}
  hash:
    monitor: forced
    lb_method: chash
    members:
    - {ip: 192.0.2.31, name: h1, weight: 1}
    - {ip: 192.0.2.32, name: h2, weight: 1}
    - {ip: 192.0.2.33, name: h3, weight: 1}
globalnames:
  myweb.gslb.test.: {pool: web, ttl: 30}
  gone.gslb.test.: {pool: gone, ttl: 30}
  dual.gslb.test.: {pool: dual, ttl: 30}
  geo.gslb.test.: {pool: geo, ttl: 30}
  hash.gslb.test.: {pool: hash, ttl: 30}
  a.deep.gslb.test.: {pool: web, ttl: 30}
"""

TOPOLOGY = """
region-a: [127.0.1.0/24, 10.1.0.0/16]
region-b: [127.0.2.0/24, 10.2.0.0/16]
"""

POSITIVE = [("myweb", "A", ["192.0.2.1"]), ("dual", "A", ["192.0.2.20"]),
            ("dual", "AAAA", ["2001:db8::20"]), ("static", "A", ["192.0.2.99"]),
            ("a.deep", "A", ["192.0.2.1"])]
NODATA = [("myweb", "AAAA"), ("myweb", "TXT"), ("myweb", "MX"), ("static", "AAAA"),
          ("gone", "A"), ("gone", "AAAA"), ("dual", "MX"), ("deep", "A"), ("a.deep", "AAAA"),
          ("geo", "AAAA"), ("hash", "TXT")]
NXDOMAIN = [("nope", "A"), ("x.myweb", "A"), ("b.deep", "AAAA")]
MODES = {"nsec": ["unset-nsec3"], "nsec3": ["set-nsec3", "1 0 1 ab"],
         "nsec3-narrow": ["set-nsec3", "1 0 0 -", "narrow"]}


def fqdn(label):
    return label + "." + ZONE


class World:
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-dnssec-")
        self.table = "/pharos-dnssec-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        for name, text in [("lb.yaml", LB), ("topology.yaml", TOPOLOGY)]:
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: topology.yaml\nuser: root\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root}\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19185'}\n"
                    % (self.dir, self.table, self.dir))
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        # The metadata and key caches off, so a change of NSEC mode shows at once.
        self.pdns = Pdns(self.dir, AUTH_PORT, self.dir + "/backend.sock", [], self.config,
                         bin_dir, caches="recommended",
                         extra=["gsqlite3-dnssec=yes", "zone-metadata-cache-ttl=0",
                                "dnssec-key-cache-ttl=0"])
        self.anchors = os.path.join(self.dir, "anchors.conf")
        self.recursor = None

    def start(self):
        self.pharos.health.start()
        self.pharos.backend.start()
        # As an operator signs: a static record, secure-zone, then the zone script again.
        self.pdns.util("add-record", ZONE, "static", "A", "3600", "192.0.2.99")
        self.pdns.util("secure-zone", ZONE)
        self.pdns.run_zone_script()
        self.pdns.start()
        ready = wait_until(lambda: dig(fqdn("gone"), "A", AUTH_PORT).records == [] and
                           dig(fqdn("myweb"), "A", AUTH_PORT).values() == ["192.0.2.1"], 10)
        if not ready:
            raise RuntimeError("pharos never answered:\n" + self.logs())
        keys = dig(ZONE, "DNSKEY", AUTH_PORT).records
        ksk = [r[3].split(None, 3) for r in keys if r[3].startswith("257 ")]
        assert ksk, keys
        with open(self.anchors, "w") as f:
            f.write('trust-anchors { %s. static-key %s %s %s "%s"; };\n'
                    % (ZONE, ksk[0][0], ksk[0][1], ksk[0][2], ksk[0][3].replace(" ", "")))

    def set_mode(self, mode):
        self.pdns.util(*(MODES[mode][:1] + [ZONE] + MODES[mode][1:]))
        out = self.pdns.run_zone_script()  # what the operator runs after changing the mode
        assert "signed (%s)" % mode.replace("nsec3-narrow", "narrow") in out, out
        self.pdns.control("purge")

    def start_recursor(self):
        # "gslb.test. IN DS 12345 13 2 <digest> ; ( SHA256 digest )": the DS's own fields.
        line = self.pdns.util("export-zone-ds", ZONE).splitlines()[0]
        fields = line.split(";")[0].split()
        ds = " ".join(fields[fields.index("DS") + 1:])
        conf_dir = os.path.join(self.dir, "recursor")
        os.makedirs(conf_dir, exist_ok=True)
        with open(os.path.join(conf_dir, "ta.lua"), "w") as f:
            f.write("addTA('%s', '%s')\n" % (ZONE, ds))
        with open(os.path.join(conf_dir, "recursor.conf"), "w") as f:
            f.write("\n".join([
                "local-address=127.0.0.1", "local-port=%d" % RECURSOR_PORT,
                "forward-zones=%s=127.0.0.1:%d" % (ZONE, AUTH_PORT),
                "dnssec=validate", "lua-config-file=" + os.path.join(conf_dir, "ta.lua"),
                # Send the client's /24 to pharos, loopback clients included.
                "edns-subnet-allow-list=" + ZONE, "ecs-add-for=0.0.0.0/0, ::/0",
                "ecs-ipv4-bits=24", "dont-query=", "allow-from=127.0.0.0/8",
                "socket-dir=" + conf_dir, "daemon=no", "loglevel=4", "threads=1",
                "security-poll-suffix=", "hint-file=no"]) + "\n")
        from harness import Process
        self.recursor = Process("recursor", ["pdns_recursor", "--config-dir=" + conf_dir],
                                self.dir).start()
        ok = wait_until(lambda: dig(fqdn("myweb"), "A", RECURSOR_PORT).status == "NOERROR", 10)
        if not ok:
            raise RuntimeError("pdns_recursor did not answer:\n" + self.recursor.log())

    def stop(self):
        for p in [self.recursor, self.pdns, self.pharos.backend, self.pharos.health]:
            if p:
                p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def logs(self):
        parts = [self.pharos.backend, self.pdns] + ([self.recursor] if self.recursor else [])
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in parts)


def delv(w, name, qtype, source=None):
    argv = ["delv", "@127.0.0.1", "-p", str(AUTH_PORT), "-a", w.anchors, "+root=" + ZONE,
            name, qtype] + (["-b", source] if source else [])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return out.stdout + out.stderr


def check_with_delv(w, mode):
    failures = delv_failures(w, mode)
    if failures:
        # Once, after the caches' 1 s and a purge: a denial that pdns put together while the
        # mode changed under it (seen once under ASan, where the change and the first query
        # come closer) is pdns's transition, not pharos's answer. Twice is a defect.
        print("    %s: %d checks failed at once after the mode change; again in 1.5 s"
              % (mode, len(failures)))
        time.sleep(1.5)
        w.pdns.control("purge")
        failures = delv_failures(w, mode)
    assert not failures, "\n".join(str(f) for f in failures)


def delv_failures(w, mode):
    failures = []
    for label, qtype, values in POSITIVE:
        out = delv(w, fqdn(label), qtype)
        got = sorted(re.findall(r"\tIN\t%s\t(\S+)" % qtype, out))
        if "; fully validated" not in out or got != values:
            failures.append((mode, label, qtype, out))
    for source, member in [("127.0.1.50", "127.0.1.2"), ("127.0.2.50", "127.0.2.2")]:
        out = delv(w, fqdn("geo"), "A", source)
        if "; fully validated" not in out or "\tA\t" + member not in out:
            failures.append((mode, "geo from " + source, out))
    for label, qtype in NODATA + NXDOMAIN:
        out = delv(w, fqdn(label), qtype)
        kind = "nxdomain" if (label, qtype) in NXDOMAIN else "nxrrset"
        if "; negative response, fully validated" not in out or "ncache " + kind not in out:
            failures.append((mode, label, qtype, kind, out))
    return failures


def check_through_recursor(w, mode):
    """What clients see: a validating resolver that sends ECS. AD set, no SERVFAIL."""
    subprocess.run(["rec_control", "--config-dir=" + os.path.join(w.dir, "recursor"),
                    "wipe-cache", ZONE + "$"], capture_output=True, timeout=10)
    checks = [(fqdn(l), t, None, "NOERROR", v) for l, t, v in POSITIVE]
    checks += [(fqdn(l), t, None, "NOERROR", []) for l, t in NODATA]
    checks += [(fqdn(l), t, None, "NXDOMAIN", []) for l, t in NXDOMAIN]
    for _ in range(2):  # twice: the second time from the resolver's cache
        checks += [(fqdn("geo"), "A", "127.0.1.50", "NOERROR", ["127.0.1.2"]),
                   (fqdn("geo"), "A", "127.0.2.50", "NOERROR", ["127.0.2.2"])]
    for name, qtype, source, status, values in checks:
        got = dig(name, qtype, RECURSOR_PORT, source=source, extra=["+dnssec", "+recurse"])
        assert got.status == status and "ad" in got.flags, (mode, name, qtype, got.output)
        assert got.values(qtype) == values, (mode, name, qtype, got.output)
    for source in ["127.0.1.50", "127.0.2.50", "127.0.3.50"]:  # chash, keyed by the ECS /24
        got = dig(fqdn("hash"), "A", RECURSOR_PORT, source=source, extra=["+dnssec", "+recurse"])
        assert "ad" in got.flags and len(got.values("A")) == 1, (mode, source, got.output)
        assert got.values("A")[0] in ["192.0.2.31", "192.0.2.32", "192.0.2.33"], got.output


def test_every_answer_validates_in_each_denial_mode(w):
    w.start_recursor()
    for mode in ["nsec", "nsec3", "nsec3-narrow"]:
        w.set_mode(mode)
        check_with_delv(w, mode)
        check_through_recursor(w, mode)
        print("    %s: %d delv checks and the recursor's, all validated"
              % (mode, len(POSITIVE) + 2 + len(NODATA) + len(NXDOMAIN)))


def test_a_globalname_added_later_validates_after_the_zone_script(w):
    w.set_mode("nsec")
    with open(os.path.join(w.dir, "lb.yaml"), "a") as f:
        f.write("  later.gslb.test.: {pool: web, ttl: 30}\n")
    w.pharos.backend.send(__import__("signal").SIGHUP)
    w.pharos.health.send(__import__("signal").SIGHUP)
    assert wait_until(lambda: dig(fqdn("later"), "A", AUTH_PORT).values() == ["192.0.2.1"], 5)
    w.pdns.run_zone_script()
    w.pdns.control("purge")
    out = delv(w, fqdn("later"), "AAAA")
    assert "; negative response, fully validated" in out and "nxrrset" in out, out


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS)


if __name__ == "__main__":
    sys.exit(main())
