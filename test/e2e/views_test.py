#!/usr/bin/env python3
"""Every view of "what the backend answers" agrees with the backend, member by member, in every
state of the health table's trust gate: pdns's answers (dig, several queries), `pharosctl
explain`, `pharosctl status --json`, pharos-health's /status and /metrics
(pharos_member_answerable), and the answer watch's idea (its webhook `failover` events). They
all decide through lb::Chain over state::TableVerdicts; this suite is what keeps it so.

The table goes through missing (no prober yet), not ready (a member's first probe hangs), ready,
stale with on_stale fail-open (prober killed), stale with last-known, and built for another
layout; members are up, down, drained, forced up, forced down, alert_only, kept in by
failover_after, awaiting approval, held off by failback: manual and drained by a maintenance
window, and (with etcd) voted down by another node of a cluster.
Usage: views_test.py BIN_DIR [TEST...]"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from harness import Deployment, Member, Pdns, Pharos, Process, dig, make_workdir, ok, \
    run_suite, wait_until
from webhooks_test import Receiver

PDNS_PORT, MEMBER_PORT, HTTP_PORT, HOOK_PORT = 5381, 18391, 19196, 18396
ETCD_CLIENT, ETCD_PEER = 23792, 23802
ZONE = "views.test"
MONITOR = ("    monitor: http\n"
           "    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0}\n"
           % MEMBER_PORT)
# pool -> (method, extra pool keys, [(member, address, extra member keys)])
POOLS = {
    "web": ("wrr", "    max_addrs_returned: 16\n", [
        ("up", "127.0.71.1", ""), ("down", "127.0.71.2", ""), ("drained", "127.0.71.3", ""),
        ("forcedup", "127.0.71.4", ""), ("forceddown", "127.0.71.5", ""),
        ("watcher", "127.0.71.6", ", alert_only: true"), ("maint", "127.0.71.7", "")]),
    "after": ("wrr", "    max_addrs_returned: 16\n    failover_after: 600s\n", [
        ("a1", "127.0.71.8", ""), ("a2", "127.0.71.9", "")]),
    "fo": ("fogroup", "    failback: manual\n", [("f1", "127.0.71.10", ""),
                                                  ("f2", "127.0.71.11", "")]),
    "appr": ("fogroup", "    failover: manual\n", [("p1", "127.0.71.12", ""),
                                                    ("p2", "127.0.71.13", "")]),
    # Its one member hangs: its first verdict, the table's last, comes when the test kills it
    # (or after 10 s at the most).
    "late": ("wrr", "", [("late", "127.0.71.14", ", alert_only: true")],
             MONITOR.replace("interval: 0.5, timeout: 0.4", "interval: 30, timeout: 10")),
}
NEVER_STARTED = {"down", "forcedup", "watcher"}
EXTRA = ("extra", "127.0.71.15", "")  # the member a layout change adds to web


def lb_yaml(extra_member=False, pools=POOLS, monitor=MONITOR):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    text = "pools:\n"
    for pool, (method, keys, members, *own_monitor) in pools.items():
        members = members + ([EXTRA] if extra_member and pool == "web" else [])
        text += "  %s:\n%s    lb_method: %s\n    fallback: refuse\n%s    members:\n" % (
            pool, own_monitor[0] if own_monitor else monitor, method, keys)
        text += "".join("    - {ip: %s, name: %s, weight: 1%s}\n" % (a, n, x)
                        for n, a, x in members)
    text += "globalnames:\n" + "".join("  %s.%s.: {pool: %s, ttl: 1}\n" % (p, ZONE, p)
                                       for p in pools)
    if "web" in pools:
        text += "maintenance:\n- {pool: web, member: maint, start: %s, end: %s}\n" % (
            (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat())
    return text


def pharos_yaml(w, on_stale, cluster=""):
    return ("lb: lb.yaml\ntopology: null\nuser: root\nnode_name: views-e2e\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root, stale_after: 2, on_stale: %s}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
            "notify:\n  - http://127.0.0.1:%d/hook\n%s"
            % (w.dir, w.table, on_stale, w.dir, w.dir, HTTP_PORT, HOOK_PORT, cluster))


class World(Deployment):
    def __init__(self, bin_dir, pools=POOLS, cluster=""):
        self.dir = make_workdir("pharos-views-")
        self.bin_dir, self.pools, self.cluster = bin_dir, pools, cluster
        self.table = "/pharos-views-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.write_lb()
        self.write_config("fail-open")
        self.members = {n: Member(a, MEMBER_PORT, n, self.dir)
                        for _, _, ms, *_ in pools.values() for n, a, _ in ms}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [], self.config,
                         bin_dir)
        self.hook = Receiver(HOOK_PORT)
        self.etcd = None

    def write_lb(self, extra_member=False):
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(lb_yaml(extra_member, self.pools))

    def write_config(self, on_stale):
        with open(self.config, "w") as f:
            f.write(pharos_yaml(self, on_stale, self.cluster))

    def servers(self):
        return [self.pharos.health, self.pharos.backend, self.pdns] + (
            [self.etcd] if self.etcd else [])

    def stop(self):
        super().stop()
        self.hook.stop()

    def reload_backend(self):
        before = self.pharos.backend.log().count("configuration reloaded")
        self.pharos.backend.send(signal.SIGHUP)
        assert wait_until(lambda: self.pharos.backend.log().count("configuration reloaded")
                          > before, 10), self.pharos.backend.log()[-2000:]

    def table_status(self):
        return self.status().get("table", {}).get("status")

    def member(self, pool, name):
        for p in self.status().get("pools", []):
            for m in p["members"] if p["name"] == pool else []:
                if m["name"] == name:
                    return m
        return {}


# ---- the views ---------------------------------------------------------------------------

def address_of(pools, pool, name):
    return next(a for n, a, _ in pools[pool][2] + [EXTRA] if n == name)


def dig_view(w):
    """pool -> the addresses pdns answers, over several queries."""
    out = {}
    for pool in w.pools:
        seen = set()
        for _ in range(4):
            answer = dig("%s.%s" % (pool, ZONE), "A", PDNS_PORT)
            assert answer.status == "NOERROR", answer.output
            seen |= set(answer.values("A"))
        out[pool] = seen
    return out


def explain_view(w):
    out = {}
    for pool in w.pools:
        text = ok(w.ctl("explain", "%s.%s" % (pool, ZONE), "--client", "127.0.0.1"))
        found = re.search(r"^answer: (.*)$", text, re.M)
        assert found, text
        words = found.group(1).split()
        out[pool] = set() if found.group(1) == "no records" else set(words[0::2])
    return out


def status_views(doc):
    """(pool -> addresses answered, pool -> addresses the backend counts as up) of a status
    document."""
    answered = {g["pool"]: set(g["answers"].get("A", [])) for g in doc["globalnames"]}
    effective = {p["name"]: {m["address"] for m in p["members"] if m["effective"] == "up"}
                 for p in doc["pools"]}
    return answered, effective


def http_get(path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (HTTP_PORT, path), timeout=5) as r:
        return r.read().decode()


def metrics_view(w):
    """pool -> the addresses /metrics calls answerable."""
    out = {pool: set() for pool in w.pools}
    for line in http_get("/metrics").splitlines():
        found = re.match(r'pharos_member_answerable\{pool="(\w+)",member="[^"]*",'
                         r'address="([^"]+)"\} (\d)', line)
        if found and found.group(3) == "1":
            out[found.group(1)].add(found.group(2))
    return out


def watch_view(w):
    """fogroup pool -> the address the answer watch last said it moved to."""
    out = {}
    for body in w.hook.bodies():
        if body["what"] == "failover":
            out[body["pool"]] = body["new"].split()[-1]
    return out


def collect(w, prober):
    """Every view available: the prober's own only while it runs."""
    views = {"dig": dig_view(w), "explain": explain_view(w)}
    answered, effective = status_views(w.status())
    views["status --json"], views["status --json effective"] = answered, effective
    if prober:
        answered, effective = status_views(json.loads(http_get("/status")))
        views["/status"], views["/status effective"] = answered, effective
        views["/metrics"] = metrics_view(w)
    return views


def agree(w, expected_answered, expected_answerable, prober, watch=None):
    """Waits (briefly: the views are read one after another) until every view says what the
    backend answers, then fails on any difference, view by view and pool by pool."""
    differences = []

    def check():
        differences.clear()
        for view, by_pool in collect(w, prober).items():
            answerable = view.endswith("effective") or view == "/metrics"
            want = expected_answerable if answerable else expected_answered
            differences.extend("%s: %s is %s, not %s" % (view, p, sorted(by_pool.get(p, ())),
                                                         sorted(want[p]))
                               for p in w.pools if by_pool.get(p, set()) != want[p])
        return not differences
    wait_until(check, 5, 0.2)
    assert not differences, "\n".join(differences)
    if watch is not None:
        assert watch_view(w) == watch, (watch_view(w), watch)
    if not prober:
        print("    /status, /metrics and the answer watch not compared: pharos-health is not "
              "running in this state, so it serves no http.listen")


def every_member(w, extra=False):
    return {p: {a for _, a, _ in ms + ([EXTRA] if extra and p == "web" else [])}
            for p, (_, _, ms, *_) in w.pools.items()}


def fail_open(w, extra=False):
    """What the backend answers when it fails open: every member of a wrr pool, the first of a
    fogroup pool; and every member counts as up."""
    answerable = every_member(w, extra)
    answered = {p: (answerable[p] if w.pools[p][0] == "wrr" else {w.pools[p][2][0][1]})
                for p in w.pools}
    return answered, answerable


# ---- the tests ---------------------------------------------------------------------------

def test_views_agree_in_every_trust_state(w):
    a = lambda pool, name: address_of(w.pools, pool, name)  # noqa: E731
    w.hook.set("record")
    for name, m in w.members.items():
        if name not in NEVER_STARTED:
            m.start()
    w.members["late"].send(signal.SIGUSR2)  # hangs: its first probe never ends by itself
    w.pharos.backend.start()
    w.pdns.start()

    print("    table missing (no prober yet)")
    assert w.table_status() == "missing", w.status().get("table")
    agree(w, *fail_open(w), prober=False)

    print("    table not ready (late's first probe hangs)")
    w.pharos.health.start()
    assert wait_until(lambda: w.table_status() == "not-ready" and
                      os.path.exists(os.path.join(w.dir, "control.sock")), 10), \
        w.status().get("table")
    for action, member in [("drain", "drained"), ("force-up", "forcedup"),
                           ("force-down", "forceddown")]:
        ok(w.ctl(action, "web", member, "--reason", "views e2e"))
    agree(w, *fail_open(w), prober=True, watch={})
    assert w.table_status() == "not-ready", w.status().get("table")  # all along

    print("    table ready")
    w.members["late"].kill()  # its first verdict: down (alert_only, still answered)
    assert wait_until(lambda: w.table_status() == "ok", 10), w.status().get("table")
    for name in ("a2", "f1", "p1"):
        w.members[name].kill()
    assert wait_until(lambda: w.member("after", "a2").get("policy") == "failover-after" and
                      w.member("appr", "p1").get("policy") == "awaiting-approval" and
                      w.member("fo", "f1").get("state") == "down", 10), w.status()["pools"]
    w.members["f1"].start()
    assert wait_until(lambda: w.member("fo", "f1").get("policy") == "held-off", 10), \
        w.member("fo", "f1")
    web = {a("web", n) for n in ("up", "forcedup", "watcher")}
    ready_answered = {"web": web, "after": {a("after", "a1"), a("after", "a2")},
                      "fo": {a("fo", "f2")}, "appr": {a("appr", "p1")},
                      "late": {a("late", "late")}}
    ready_answerable = dict(ready_answered, appr={a("appr", "p1"), a("appr", "p2")})
    # The watch: fo moved from f1 to f2 (and stays while f1 is held off); appr never moved.
    agree(w, ready_answered, ready_answerable, prober=True, watch={"fo": a("fo", "f2")})

    print("    table stale, on_stale fail-open (prober killed)")
    w.pharos.health.kill()
    assert wait_until(lambda: w.table_status() == "stale", 10), w.status().get("table")
    agree(w, *fail_open(w), prober=False)

    print("    table stale, on_stale last-known")
    w.write_config("last-known")
    w.reload_backend()
    agree(w, ready_answered, ready_answerable, prober=False)

    print("    table built for another layout (a member added, the prober not reloaded)")
    w.write_lb(extra_member=True)
    w.reload_backend()
    assert w.table_status() == "other-config", w.status().get("table")
    agree(w, *fail_open(w, extra=True), prober=False)


CLUSTER_POOLS = {"voted": ("wrr", "    max_addrs_returned: 16\n    health_quorum: any\n",
                           [("v1", "127.0.72.1", ""), ("v2", "127.0.72.2", "")])}
PREFIX = "/pharos-views/"


def etcdctl(*args):
    return subprocess.run(["etcdctl", "--endpoints", "http://127.0.0.1:%d" % ETCD_CLIENT]
                          + list(args), capture_output=True, text=True, timeout=10)


def test_views_agree_on_a_member_voted_down(w):
    """Another node of the cluster sees v2 down, and health_quorum: any takes its word: every
    view must leave v2 out, though this node's own probes see it up."""
    w.hook.set("record")
    for m in w.members.values():
        m.start()
    data = os.path.join(w.dir, "etcd")
    peer, client = "http://127.0.0.1:%d" % ETCD_PEER, "http://127.0.0.1:%d" % ETCD_CLIENT
    w.etcd = Process("etcd", ["etcd", "--name", "views", "--data-dir", data,
                              "--listen-client-urls", client, "--advertise-client-urls", client,
                              "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                              "--initial-cluster", "views=" + peer], w.dir).start()
    assert wait_until(lambda: etcdctl("endpoint", "health").returncode == 0, 20), w.etcd.log()
    for p in (w.pharos.health, w.pharos.backend, w.pdns):
        p.start()
    own = {}

    def own_vote():
        got = etcdctl("get", "--print-value-only", PREFIX + "votes/views-e2e")
        own["vote"] = got.stdout.strip()
        return got.returncode == 0 and '"ready":true' in own["vote"].replace(" ", "")
    assert wait_until(lambda: w.table_status() == "ok" and own_vote(), 15), \
        (w.status().get("table"), own)
    v1, v2 = (address_of(w.pools, "voted", n) for n in ("v1", "v2"))
    everyone = {"voted": {v1, v2}}
    agree(w, everyone, everyone, prober=True)
    ghost = json.loads(own["vote"])
    ghost.update(site="elsewhere", down={"voted": [v2]}, at_ms=int(time.time() * 1000))
    ok(etcdctl("put", PREFIX + "votes/ghost", json.dumps(ghost)))
    assert wait_until(lambda: w.member("voted", "v2").get("state") == "down", 10), \
        w.member("voted", "v2")
    agree(w, {"voted": {v1}}, {"voted": {v1}}, prober=True)


TESTS = [test_views_agree_in_every_trust_state, test_views_agree_on_a_member_voted_down]


def run(test, worlds):
    if test is test_views_agree_on_a_member_voted_down:
        if not shutil.which("etcd") or not shutil.which("etcdctl"):
            print("    SKIPPED %s: etcd and etcdctl are not installed" % test.__name__)
            return
        cluster = ("cluster: {etcd: ['http://127.0.0.1:%d'], node: views-e2e, site: here, "
                   "prefix: %s}\n" % (ETCD_CLIENT, PREFIX))
        w = World(os.path.abspath(sys.argv[1]), CLUSTER_POOLS, cluster)
    else:
        w = World(os.path.abspath(sys.argv[1]))
    worlds.append(w)
    test(w)


def show_failure(w):
    print(w.logs())


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(run_suite(TESTS, run, show_failure, clean_pdns_log=True))
