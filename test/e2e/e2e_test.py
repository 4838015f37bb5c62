#!/usr/bin/env python3
"""End to end through a real pdns_server: dig -> pdns (gsqlite3 + remote) -> pharos-backend ->
health table <- pharos-health -> HTTP members on 127.0.x.y. Usage: e2e_test.py BIN_DIR [TEST...]"""
import os
import signal
import subprocess
import sys
import time

from harness import Member, Pdns, Pharos, dig, make_workdir, run_shared_world, wait_until

PDNS_PORT = 5391
MEMBER_PORT = 18080
INTERVAL, TIMEOUT, RETRIES = 1.0, 0.5, 1
# The bound for noticing a failure: interval x (retries + 1) + timeout + 1 s.
FAILOVER_BOUND = INTERVAL * (RETRIES + 1) + TIMEOUT + 1

LB = """
pools:
  web:
    monitor: http
    monitor_params: {{port: {port}, hostname: myweb.contoso.local, url_path: /health,
                      interval: {interval}, timeout: {timeout}, retries: {retries}}}
    lb_method: fogroup
    fallback: any
    members:
    - {{ip: 127.0.1.1, name: www1, weight: 1}}
    - {{ip: 127.0.2.1, name: www2, weight: 1}}
  geo:
    monitor: http
    monitor_params: {{port: {port}, interval: {interval}, timeout: {timeout}, retries: {retries}}}
    lb_method: twrr
    members:
    - {{ip: 127.0.1.2, name: geo-a, weight: 1}}
    - {{ip: 127.0.2.2, name: geo-b, weight: 1}}
  strict:
    monitor: tcp
    monitor_params: {{port: {port}, interval: {interval}, timeout: {timeout}, retries: 0}}
    lb_method: wrr
    fallback: refuse
    members:
    - {{ip: 127.0.3.1, name: s1, weight: 1}}
    - {{ip: 127.0.3.2, name: s2, weight: 1}}
  loose:
    monitor: tcp
    monitor_params: {{port: {port}, interval: {interval}, timeout: {timeout}, retries: 0}}
    lb_method: wrr
    fallback: any
    max_addrs_returned: 2
    members:
    - {{ip: 127.0.4.1, name: l1, weight: 1}}
    - {{ip: 127.0.4.2, name: l2, weight: 1}}
  dual:
    monitor: forced
    lb_method: wrr
    max_addrs_returned: 2
    members:
    - {{ip: 192.0.2.10, name: v4, weight: 1}}
    - {{ip: 2001:db8::10, name: v6, weight: 1}}
globalnames:
  myweb.contoso.local.: {{pool: web, ttl: {ttl}}}
  geo.contoso.local.: {{pool: geo, ttl: 5}}
  strict.contoso.local.: {{pool: strict, ttl: 5}}
  loose.contoso.local.: {{pool: loose, ttl: 5}}
  dual.contoso.local.: {{pool: dual, ttl: 5}}
"""

TOPOLOGY = """
region-a: [127.0.1.0/24, 10.1.0.0/16]
region-b: [127.0.2.0/24, 10.2.0.0/16]
"""


class World:
    """Everything one run needs, started once and shared by the tests in order."""

    def __init__(self, bin_dir):
        self.dir = make_workdir()
        self.bin_dir = bin_dir
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.write_lb(ttl=1)
        with open(os.path.join(self.dir, "topology.yaml"), "w") as f:
            f.write(TOPOLOGY)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: topology.yaml\nuser: root\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: /pharos-e2e-%d, table_group: root, stale_after: 3s}\n"
                    "admin_state: %s/admin-state.json\nlog_level: info\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19183'}\n"
                    % (self.dir, os.getpid(), self.dir, self.dir))
        self.members = {name: Member(ip, MEMBER_PORT, name, self.dir) for name, ip in [
            ("www1", "127.0.1.1"), ("www2", "127.0.2.1"),
            ("geo-a", "127.0.1.2"), ("geo-b", "127.0.2.2")]}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", ["contoso.local"],
                         self.config, bin_dir)

    def write_lb(self, ttl, text=None):
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(text if text is not None else LB.format(
                port=MEMBER_PORT, interval=INTERVAL, timeout=TIMEOUT, retries=RETRIES, ttl=ttl))

    def start(self):
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()
        # Until every member has a verdict the backend fails open; the refuse pool, whose
        # members never listen, answers nothing only once pharos uses real verdicts.
        ready = wait_until(lambda: self.answer("myweb.contoso.local") == ["127.0.1.1"] and
                           dig("strict.contoso.local", "A", PDNS_PORT).records == [], 10)
        if not ready:
            raise RuntimeError("pharos never answered:\n" + self.logs())

    def stop(self):
        for p in [self.pdns, self.pharos.backend, self.pharos.health] + list(self.members.values()):
            p.stop()
        for shm in ["/dev/shm/pharos-e2e-%d%s" % (os.getpid(), s) for s in ["", ".lock", "-backend"]]:
            if os.path.exists(shm):
                os.unlink(shm)

    def answer(self, name, qtype="A", **kw):
        return dig(name, qtype, PDNS_PORT, **kw).values()

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in
                         [self.pharos.health, self.pharos.backend, self.pdns])


def timed_change(world, name, expected, bound):
    """Seconds until `name` answers `expected`, or fails if that takes longer than `bound`."""
    start = time.monotonic()
    ok = wait_until(lambda: world.answer(name) == expected, bound + 5, 0.05)
    elapsed = time.monotonic() - start
    assert ok, "%s never became %s: %s" % (name, expected, dig(name, "A", PDNS_PORT))
    assert elapsed <= bound, "%s took %.2fs to become %s (bound %.2fs)" % (
        name, elapsed, expected, bound)
    return elapsed


# ---- the tests, run in this order -------------------------------------------------------

def test_a_record_from_fogroup(w):
    a = dig("myweb.contoso.local", "A", PDNS_PORT)
    assert a.status == "NOERROR", a.output
    assert a.records == [("myweb.contoso.local.", 1, "A", "127.0.1.1")], a.records


def test_mixed_case_and_any(w):
    a = dig("MyWeb.CONTOSO.local", "A", PDNS_PORT)
    assert a.values() == ["127.0.1.1"], a.output
    any_ = dig("myweb.contoso.local", "ANY", PDNS_PORT)
    assert any_.values("A") == ["127.0.1.1"], any_.output


def test_aaaa_and_families(w):
    assert dig("dual.contoso.local", "AAAA", PDNS_PORT).values() == ["2001:db8::10"]
    assert dig("dual.contoso.local", "A", PDNS_PORT).values() == ["192.0.2.10"]
    any_ = dig("dual.contoso.local", "ANY", PDNS_PORT)
    assert any_.values() == ["192.0.2.10", "2001:db8::10"], any_.output
    nodata = dig("myweb.contoso.local", "AAAA", PDNS_PORT)
    assert nodata.status == "NOERROR" and nodata.records == [], nodata.output


def test_zone_records_from_sqlite(w):
    soa = dig("contoso.local", "SOA", PDNS_PORT)
    assert soa.status == "NOERROR" and soa.values("SOA"), soa.output
    ns = dig("contoso.local", "NS", PDNS_PORT)
    assert ns.values("NS") == ["ns1.contoso.local."], ns.output
    assert dig("ns1.contoso.local", "A", PDNS_PORT).values() == ["127.0.0.1"]
    mx = dig("myweb.contoso.local", "MX", PDNS_PORT)
    assert mx.status == "NOERROR" and mx.records == [], mx.output


def test_pdnsutil_with_pharos_running(w):
    def pdnsutil(*args):
        return subprocess.run(["pdnsutil", "--config-dir=" + w.pdns.conf_dir] + list(args),
                              capture_output=True, text=True, timeout=20)
    zones = pdnsutil("list-all-zones")
    assert zones.returncode == 0 and "contoso.local" in zones.stdout.split(), zones
    listing = pdnsutil("list-zone", "contoso.local")
    assert listing.returncode == 0 and "SOA" in listing.stdout, listing
    check = pdnsutil("check-zone", "contoso.local")
    assert check.returncode == 0, check


def test_missing_name(w):
    missing = dig("nothere.contoso.local", "A", PDNS_PORT)
    assert missing.status == "NXDOMAIN", missing.output
    outside = dig("www.example.org", "A", PDNS_PORT)
    assert outside.status == "REFUSED", outside.output


def test_twrr_by_source_address(w):
    assert w.answer("geo.contoso.local", source="127.0.1.50") == ["127.0.1.2"]
    assert w.answer("geo.contoso.local", source="127.0.2.50") == ["127.0.2.2"]


def test_explain_twrr_with_ecs(w):
    out = w.pharos.ctl("explain", "geo.contoso.local", "--client", "127.0.0.1",
                       "--ecs", "10.2.3.0/24").stdout
    assert "client 10.2.3.0/24 from the ECS subnet" in out, out
    assert "region region-b (matched /16)" in out, out
    assert "answer: 127.0.2.2 (geo-b)" in out, out
    assert "ECS scope /16" in out, out


def test_twrr_by_ecs_with_scope(w):
    b = dig("geo.contoso.local", "A", PDNS_PORT, subnet="10.2.3.0/24")
    assert b.values() == ["127.0.2.2"], b.output
    assert b.ecs_scope == 16, b.output
    a = dig("geo.contoso.local", "A", PDNS_PORT, source="127.0.2.50", subnet="10.1.7.0/24")
    assert a.values() == ["127.0.1.2"], a.output
    assert a.ecs_scope == 16, a.output


def test_fallback_refuse_and_any(w):
    strict = dig("strict.contoso.local", "A", PDNS_PORT)
    assert strict.status == "NOERROR" and strict.records == [], strict.output
    loose = dig("loose.contoso.local", "A", PDNS_PORT)
    assert loose.values() == ["127.0.4.1", "127.0.4.2"], loose.output


def test_failover_and_failback(w):
    w.members["www1"].kill()
    took = timed_change(w, "myweb.contoso.local", ["127.0.2.1"], FAILOVER_BOUND)
    print("    failover after %.2fs (bound %.2fs)" % (took, FAILOVER_BOUND))
    status = w.pharos.ctl("status")
    assert status.returncode == 0 and ": ok" in status.stdout.splitlines()[0], status
    www1 = [l for l in status.stdout.splitlines() if " www1 " in l]
    assert www1 and " down " in www1[0] and "connection refused" in www1[0], status.stdout
    explain = w.pharos.ctl("explain", "myweb.contoso.local", "--client", "127.0.0.1")
    assert "skipped www1 127.0.1.1: down" in explain.stdout, explain.stdout
    assert "answer: 127.0.2.1 (www2)" in explain.stdout, explain.stdout
    w.members["www1"].start()
    took = timed_change(w, "myweb.contoso.local", ["127.0.1.1"], INTERVAL + TIMEOUT + 1)
    print("    failback after %.2fs" % took)


def test_twrr_region_failure_goes_elsewhere(w):
    w.members["geo-a"].kill()
    timed_change_src = lambda: w.answer("geo.contoso.local", source="127.0.1.50") == ["127.0.2.2"]
    assert wait_until(timed_change_src, FAILOVER_BOUND + 1), "region a clients not moved"
    w.members["geo-a"].start()
    back = lambda: w.answer("geo.contoso.local", source="127.0.1.50") == ["127.0.1.2"]
    assert wait_until(back, FAILOVER_BOUND + 1), "region a clients not moved back"


def test_pdns_restart(w):
    w.pdns.stop()
    w.pdns.start()
    assert w.answer("myweb.contoso.local") == ["127.0.1.1"]


def test_backend_restart_without_pdns_restart(w):
    w.pharos.backend.kill()
    w.pharos.backend.start()
    ok = wait_until(lambda: w.answer("myweb.contoso.local") == ["127.0.1.1"], 10)
    assert ok, "pdns did not recover after pharos-backend restarted:\n" + w.logs()
    w.pdns.forgive_backend_errors()  # its queries while pharos-backend was gone


def test_prober_restart_keeps_verdicts(w):
    w.members["www1"].kill()
    timed_change(w, "myweb.contoso.local", ["127.0.2.1"], FAILOVER_BOUND)
    w.pharos.health.stop()
    w.pharos.health.start()
    deadline = time.monotonic() + 2 * INTERVAL
    while time.monotonic() < deadline:  # no fail-open flash back to the dead www1
        got = w.answer("myweb.contoso.local")
        assert got == ["127.0.2.1"], "answer changed across a prober restart: %s" % got


def test_dead_prober_fails_open(w):
    w.pharos.health.kill()
    # www1 is still down; once the table is stale (3 s) every member counts as up.
    ok = wait_until(lambda: w.answer("myweb.contoso.local") == ["127.0.1.1"], 3 + 3)
    assert ok, "a dead prober did not fail open"
    assert w.answer("geo.contoso.local", source="127.0.2.50") == ["127.0.2.2"]
    w.members["www1"].start()
    w.pharos.health.start()
    assert w.pharos.health.logged_since_start("metrics and status on")
    assert wait_until(lambda: w.answer("myweb.contoso.local") == ["127.0.1.1"], 5)


def test_bad_reload_keeps_running_config(w):
    w.write_lb(ttl=1, text="pools:\n  web:\n    monitor: http\n    lb_method: fogroupp\n")
    w.pharos.backend.send(signal.SIGHUP)
    w.pharos.health.send(signal.SIGHUP)
    time.sleep(1)
    assert w.pharos.backend.running() and w.pharos.health.running(), (
        w.pharos.backend.proc.poll(), w.pharos.health.proc.poll())
    assert "lb.yaml:4:" in w.pharos.backend.log(), w.pharos.backend.log()[-2000:]
    assert "lb.yaml:4:" in w.pharos.health.log(), w.pharos.health.log()[-2000:]
    assert w.answer("myweb.contoso.local") == ["127.0.1.1"]
    w.write_lb(ttl=7)
    w.pharos.backend.send(signal.SIGHUP)
    w.pharos.health.send(signal.SIGHUP)
    ok = wait_until(lambda: dig("myweb.contoso.local", "A", PDNS_PORT).records ==
                    [("myweb.contoso.local.", 7, "A", "127.0.1.1")], 5)
    assert ok, dig("myweb.contoso.local", "A", PDNS_PORT).output


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS)


if __name__ == "__main__":
    sys.exit(main())
