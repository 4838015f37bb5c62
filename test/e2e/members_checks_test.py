#!/usr/bin/env python3
"""Members and checks through a real pdns_server (issue 16): cname members (probed at their
monitor_ip or at what their name resolves to, answered as a CNAME that pdns chases), deep HTTP
checks (body_regex, expected_json, headers, method), depends_on and alert_only. Each test gets
fresh processes and its own LB file; pdns runs with its caches on.
Usage: members_checks_test.py BIN_DIR [TEST...]"""
import json
import os
import signal
import subprocess
import sys
import time

from harness import (Deployment, Member, Pdns, Pharos, changes_within, dig, make_workdir, ok,
                     remove_workdir, run_suite, wait_until)

PDNS_PORT, HTTP_PORT = 5398, 19187
MEMBER_PORT = 18300  # every member's check port, but for the two below
LOCAL_PORT = 18301   # the HTTP member on 127.0.0.1 that `cname: localhost` resolves to
DB_PORT = 18302      # the tcp-checked database pool
ZONE = "members.test"
TARGETS = "example.com"  # a zone in gsqlite3 that the CNAME targets live in
DETECT = 3.0  # seconds a probe may take to see a member go down or come back
# pdns's packet cache over its query cache (1 s each): an answer may be up to 2 s old.
CACHED = 2.0

ADDRESS = {"primary": "127.0.16.1", "edge": "127.0.16.2", "edge-a": "127.0.16.3",
           "edge-b": "127.0.16.4", "api1": "127.0.16.5", "api2": "127.0.16.6",
           "head": "127.0.16.7", "standby": "127.0.16.8", "db1": "127.0.16.10",
           "db2": "127.0.16.11", "app1": "127.0.16.12", "app2": "127.0.16.13",
           "app3": "127.0.16.14", "watch1": "127.0.16.15", "watch2": "127.0.16.16",
           "lone": "127.0.16.17", "local": "127.0.0.1"}
# Records of the example.com zone: the CNAME targets, which pdns chases.
TARGET_RECORDS = [("edge", "A", "192.0.2.2"), ("edge", "AAAA", "2001:db8::2"),
                  ("edge-a", "A", "192.0.2.3"), ("edge-b", "A", "192.0.2.4")]

# A pool no test touches: forcing its member down shows when the backend reads the table
# (it fails open, every member up, from its start until it has mapped it).
CANARY = "canary." + ZONE
CANARY_POOL = """  canary:
    monitor: forced
    lb_method: wrr
    fallback: refuse
    members:
    - {ip: 127.0.16.19, name: canary, weight: 1}
"""


def fqdn(label):
    return label + "." + ZONE


def monitor(port=MEMBER_PORT, extra=""):
    return ("    monitor: http\n"
            "    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0%s}\n"
            % (port, extra))


def lb_text(pools, names):
    return ("pools:\n" + pools + CANARY_POOL + "globalnames:\n"
            + "".join("  %s.: {pool: %s, ttl: 1}\n" % (fqdn(n), p) for n, p in names)
            + "  %s.: {pool: canary, ttl: 1}\n" % CANARY)


def pharos_yaml(workdir, table):
    return ("lb: lb.yaml\ntopology: null\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
            % (workdir, table, workdir, workdir, HTTP_PORT))


class World(Deployment):
    """pharos.yaml + the given LB text, the members asked for, pharos-health, pharos-backend
    and pdns (caches on) with the example.com zone of CNAME targets."""

    def __init__(self, bin_dir, lb, members):
        self.dir = make_workdir("pharos-members-")
        self.bin_dir = bin_dir
        self.table = "/pharos-members-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.write(lb, "lb.yaml")
        self.write(pharos_yaml(self.dir, self.table), "pharos.yaml")
        self.members = {}
        for name, spec in members.items():
            port, extra = spec if isinstance(spec, tuple) else (MEMBER_PORT, spec)
            self.members[name] = Member(ADDRESS[name], port, name, self.dir, extra)
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [ZONE], self.config,
                         bin_dir, caches="recommended")

    def write(self, text, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, ready):
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        # The zone the CNAME targets live in, as an operator adds it (pdnsutil reaches the
        # remote backend too, so the backend is listening first: Backend.start waits for it).
        self.pdns.util("create-zone", TARGETS, "ns1." + TARGETS)
        for label, rtype, value in TARGET_RECORDS:
            self.pdns.util("add-record", TARGETS, label, rtype, "3600", value)
        self.pdns.start()
        self.wait_ready(ready)

    def wait_ready(self, ready):
        """Until the running members are up, `ready()` holds and the backend answers from
        the table."""
        def members_up():
            doc = self.status()
            return doc.get("pools") and all(
                m["state"] == "up" for p in doc["pools"] for m in p["members"]
                if m["name"] in self.members and self.members[m["name"]].running())
        if not wait_until(lambda: members_up() and ready(), 10, 0.1):
            raise RuntimeError("pharos never got ready:\n%s\n%s"
                               % (json.dumps(self.status(), indent=1)[-4000:], self.logs()))
        ok(self.ctl("force-down", "canary", "canary"))
        mapped = wait_until(lambda: dig(CANARY, "A", PDNS_PORT).values() == [], 5)
        ok(self.ctl("clear", "canary", "canary"))
        if not mapped or not wait_until(
                lambda: dig(CANARY, "A", PDNS_PORT).values() == ["127.0.16.19"], 5):
            raise RuntimeError("the backend never used the table:\n" + self.logs())
        if not ready():
            raise RuntimeError("not ready once the table was used:\n" + self.logs())

    def dig(self, label, qtype="A", subnet=None):
        return dig(fqdn(label), qtype, PDNS_PORT, subnet=subnet)

    def answer(self, label):
        """The answer's records as (type, value), in the order pdns gave them."""
        return [(r[2], r[3]) for r in self.dig(label).records]

    def member(self, pool, name, doc=None):
        for p in (doc or self.status()).get("pools", []):
            if p["name"] == pool:
                for m in p["members"]:
                    if m["name"] == name:
                        return m
        raise AssertionError("no member %s/%s in status" % (pool, name))

def a(address):
    return [("A", address)]


def cname(target, *chased):
    """A CNAME answer as pdns gives it: the CNAME, then the target's records it chased."""
    return [("CNAME", target + ".")] + [(t, v) for t, v in chased]


def answers_during(w, label, seconds):
    seen, end = set(), time.monotonic() + seconds
    while time.monotonic() < end:
        seen.add(tuple(w.answer(label)))
        time.sleep(0.1)
    return seen


def wait_member(w, pool, name, want, timeout=DETECT):
    """Until the member's status entry holds every key of `want`; returns that entry."""
    got = wait_until(lambda: (lambda m: m if all(m.get(k) == v for k, v in want.items())
                              else None)(w.member(pool, name)), timeout, 0.1)
    assert got, (pool, name, want, w.member(pool, name))
    return got


# ---- the tests ---------------------------------------------------------------------------

CNAME_LB = lb_text(
    # fogroup may mix: the ip member first, the cname member (probed at its monitor_ip) next.
    "  mixed:\n" + monitor() + "    lb_method: fogroup\n    members:\n"
    "    - {ip: 127.0.16.1, name: primary, weight: 1}\n"
    "    - {cname: edge.example.com., name: edge, weight: 1, monitor_ip: 127.0.16.2}\n"
    # Only cname members, two answered per draw if they were addresses: one CNAME all the same.
    "  cdn:\n" + monitor() + "    lb_method: wrr\n    max_addrs_returned: 2\n    members:\n"
    "    - {cname: edge-a.example.com, name: edge-a, weight: 1, monitor_ip: 127.0.16.3}\n"
    "    - {cname: edge-b.example.com, name: edge-b, weight: 1, monitor_ip: 127.0.16.4}\n"
    # Probed at what the name resolves to (the system resolver: localhost is 127.0.0.1).
    "  local:\n" + monitor(LOCAL_PORT) + "    lb_method: fogroup\n    members:\n"
    "    - {cname: localhost, name: local, weight: 1}\n"
    "    - {cname: nothing.invalid, name: nowhere, weight: 1}\n"
    "    - {ip: 127.0.16.8, name: standby, weight: 1}\n",
    [("svc", "mixed"), ("cdn", "cdn"), ("local", "local")])


def test_cname_members(make):
    w = make(CNAME_LB, {"primary": "", "edge": "", "edge-a": "", "edge-b": "",
                        "local": (LOCAL_PORT, ()), "standby": (LOCAL_PORT, ())},
             ready=lambda w: w.answer("svc") == a("127.0.16.1"))
    assert w.answer("local") == cname("localhost"), w.dig("local")
    # While the ip member answers, the name has no AAAA and no TXT (the pool is IPv4 only).
    assert w.dig("svc", "AAAA").records == [] and w.dig("svc", "TXT").records == [], \
        (w.dig("svc", "AAAA"), w.dig("svc", "TXT"))
    # nothing.invalid never resolves: down with the name in its failure, never answered.
    nowhere = wait_member(w, "local", "nowhere", {"state": "down"})
    assert nowhere["last_failure"] == "cname nothing.invalid did not resolve", nowhere
    assert w.member("local", "local")["state"] == "up", w.member("local", "local")

    # The ip member down: the cname member answers, and pdns chases it in its own zone.
    w.members["primary"].kill()
    took = changes_within(w, "svc", cname("edge.example.com", ("A", "192.0.2.2")),
                          DETECT + CACHED)
    print("    CNAME answered %.1fs after the kill" % took)
    got = w.dig("svc")
    assert got.status == "NOERROR" and "aa" in got.flags, got
    assert got.records[0][0] == fqdn("svc") + "." and got.records[0][1] <= 1, got  # its TTL
    explain = ok(w.ctl("explain", fqdn("svc"), "--client", "127.0.0.1"))
    assert "edge.example.com" in explain and "127.0.16.1" in explain, explain
    # The CNAME answers every type; pdns adds what the target has of that type.
    aaaa, txt, mx = w.dig("svc", "AAAA"), w.dig("svc", "TXT"), w.dig("svc", "MX")
    assert [(r[2], r[3]) for r in aaaa.records] == \
        cname("edge.example.com", ("AAAA", "2001:db8::2")), aaaa
    for got in (txt, mx):
        assert got.status == "NOERROR" and \
            [(r[2], r[3]) for r in got.records] == cname("edge.example.com"), got
    w.members["primary"].start()
    took = changes_within(w, "svc", a("127.0.16.1"), DETECT + CACHED)
    print("    back on the A record %.1fs after the restart" % took)
    assert wait_until(lambda: w.dig("svc", "AAAA").records == [], CACHED + 1), w.dig("svc", "AAAA")
    assert w.dig("svc", "TXT").records == [], w.dig("svc", "TXT")

    # The cname member's own check is at its monitor_ip: stopping it marks it down.
    w.members["edge"].kill()
    edge = wait_member(w, "mixed", "edge", {"state": "down"})
    assert edge["address"] in ("edge.example.com", "edge.example.com."), edge
    w.members["edge"].start()
    wait_member(w, "mixed", "edge", {"state": "up"})

    # wrr over cname members only: one CNAME per answer (never two, whatever
    # max_addrs_returned says), both targets drawn. The answer does not depend on the client,
    # so pdns's caches would repeat one draw for a second: they are purged before each query.
    chased = {"edge-a.example.com": "192.0.2.3", "edge-b.example.com": "192.0.2.4"}
    seen = set()
    for _ in range(20):
        w.pdns.control("purge")
        got = w.dig("cdn")
        records = [(r[2], r[3]) for r in got.records]
        assert len(records) == 2 and records[0][0] == "CNAME", got
        target = records[0][1].rstrip(".")
        assert target in chased and records[1] == ("A", chased[target]), got
        seen.add(target)
    assert seen == set(chased), seen
    # One cname member down: the other every time.
    w.members["edge-a"].kill()
    wait_member(w, "cdn", "edge-a", {"state": "down"})
    for _ in range(10):
        w.pdns.control("purge")
        got = w.dig("cdn")
        assert [(r[2], r[3]) for r in got.records] == \
            cname("edge-b.example.com", ("A", "192.0.2.4")), got

    # The cname resolved by the prober: its HTTP member on 127.0.0.1 stopped, the local
    # member goes down and the pool passes nowhere (down) for the standby address.
    w.members["local"].kill()
    # resolved, then refused (a check in flight at the kill fails as "closed early" first)
    wait_member(w, "local", "local", {"state": "down", "last_failure": "connection refused"})
    changes_within(w, "local", a("127.0.16.8"), CACHED + 1)
    w.members["local"].start()
    changes_within(w, "local", cname("localhost"), DETECT + CACHED)


BODY_REGEX = r'"state":\s*"up"'
HTTP_LB = lb_text(
    "  api:\n" + monitor(extra=", url_path: /health, body_regex: '%s', " % BODY_REGEX +
                         "expected_json: {/status: ok, /db/quorum: true}, "
                         "headers: {X-Probe: dr-test}, method: GET") +
    "    lb_method: fogroup\n    members:\n"
    "    - {ip: 127.0.16.5, name: api1, weight: 1}\n"
    "    - {ip: 127.0.16.6, name: api2, weight: 1}\n"
    "  heads:\n" + monitor(extra=", method: HEAD, headers: {X-Probe: head-test}") +
    "    lb_method: fogroup\n    members:\n"
    "    - {ip: 127.0.16.7, name: head, weight: 1}\n",
    [("api", "api"), ("head", "heads")])

HEALTHY = {"status": "ok", "state": "up", "db": {"quorum": True}}


def test_deep_http_checks(make, bin_dir):
    workdir = make_workdir("pharos-members-files-")  # files the members read, made first
    try:
        bodies = {n: os.path.join(workdir, n + ".json") for n in ("api1", "api2", "head")}
        records = {n: os.path.join(workdir, n + ".requests") for n in bodies}

        def serve(name, body):
            with open(bodies[name] + ".tmp", "w") as f:
                f.write(body if isinstance(body, str) else json.dumps(body))
            os.replace(bodies[name] + ".tmp", bodies[name])

        for name in bodies:
            serve(name, HEALTHY)
        w = make(HTTP_LB, {n: ["--body-file", bodies[n], "--record", records[n]]
                           for n in bodies},
                 ready=lambda w: w.answer("api") == a("127.0.16.5"))
        deep_http_checks(w, serve, records)
    finally:
        remove_workdir(workdir)


def requests_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def deep_http_checks(w, serve, records):
    # The checks send the configured method, path and header.
    api1 = requests_of(records["api1"])
    assert api1 and all(r["method"] == "GET" and r["path"] == "/health" for r in api1), api1[:3]
    assert all(["X-Probe", "dr-test"] in r["headers"] for r in api1), api1[:3]
    head = requests_of(records["head"])
    assert head and all(r["method"] == "HEAD" and r["path"] == "/" for r in head), head[:3]
    assert all(["X-Probe", "head-test"] in r["headers"] for r in head), head[:3]
    assert w.answer("head") == a("127.0.16.7"), w.dig("head")
    assert w.member("heads", "head")["state"] == "up", w.member("heads", "head")

    # No quorum: api1 goes down with the path in its failure, the pool fails over.
    serve("api1", {"status": "ok", "state": "up", "db": {"quorum": False}})
    took = changes_within(w, "api", a("127.0.16.6"), DETECT + CACHED)
    print("    failed over %.1fs after quorum was lost" % took)
    m = wait_member(w, "api", "api1", {"state": "down"}, timeout=1)
    assert m["last_failure"] == "expected_json /db/quorum is not true", m
    text = ok(w.ctl("status"))
    assert "expected_json /db/quorum is not true" in text, text
    serve("api1", HEALTHY)
    changes_within(w, "api", a("127.0.16.5"), DETECT + CACHED)
    assert w.member("api", "api1")["state"] == "up", w.member("api", "api1")

    # The first pointer that fails is named; a value of another type is not equal.
    serve("api1", {"status": "degraded", "state": "up", "db": {"quorum": True}})
    m = wait_member(w, "api", "api1", {"state": "down"})
    assert m["last_failure"] == 'expected_json /status is not "ok"', m
    serve("api1", {"status": "ok", "state": "up", "db": {"quorum": "true"}})
    m = wait_member(w, "api", "api1", {"last_failure": "expected_json /db/quorum is not true"})
    assert m["state"] == "down", m
    serve("api1", {"status": "ok", "state": "up", "db": {}})  # missing is not true either
    wait_member(w, "api", "api1", {"last_failure": "expected_json /db/quorum is not true",
                                   "state": "down"})
    serve("api1", HEALTHY)
    wait_member(w, "api", "api1", {"state": "up"})

    # body_regex, checked before the JSON.
    serve("api1", {"status": "ok", "state": "down", "db": {"quorum": True}})
    m = wait_member(w, "api", "api1", {"state": "down"})
    # (the pattern is quoted as written, its own quotes not escaped)
    assert m["last_failure"] == "body_regex /%s/ did not match" % BODY_REGEX, m
    changes_within(w, "api", a("127.0.16.6"), CACHED + 1)
    # A 200 whose body matches the pattern but is not JSON.
    serve("api1", '"state": "up" -- but this is not JSON')
    m = wait_member(w, "api", "api1", {"last_failure": "body not JSON"})
    assert m["state"] == "down", m
    assert w.answer("api") == a("127.0.16.6"), w.dig("api")
    serve("api1", '{"status": "ok",\n "state":   "up", "db": {"quorum": true}}')
    changes_within(w, "api", a("127.0.16.5"), DETECT + CACHED)

    # Every member failing: answers fall back (any), the failures stay per member.
    serve("api2", {"status": "ok", "state": "up", "db": {"quorum": False}})
    m = wait_member(w, "api", "api2", {"state": "down"})
    assert m["last_failure"] == "expected_json /db/quorum is not true", m
    assert w.answer("api") == a("127.0.16.5"), w.dig("api")


DEPENDS_LB = lb_text(
    # The database: checked (tcp) and reported, answered for no name.
    "  db:\n    monitor: tcp\n"
    "    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0}\n"
    "    lb_method: fogroup\n    alert_only: true\n    members:\n"
    "    - {ip: 127.0.16.10, name: db1, weight: 1}\n"
    "    - {ip: 127.0.16.11, name: db2, weight: 1}\n" % DB_PORT +
    "  front:\n" + monitor() + "    lb_method: fogroup\n    members:\n"
    "    - {ip: 127.0.16.12, name: app1, weight: 1, depends_on: [db/db1]}\n"
    "    - {ip: 127.0.16.13, name: app2, weight: 1, depends_on: [db/127.0.16.11]}\n"
    "    - {ip: 127.0.16.14, name: app3, weight: 1}\n",
    [("front", "front")])


def test_depends_on(make):
    w = make(DEPENDS_LB, {"db1": (DB_PORT, ["--tcp-reply", "ok"]),
                          "db2": (DB_PORT, ["--tcp-reply", "ok"]),
                          "app1": "", "app2": "", "app3": ""},
             ready=lambda w: w.answer("front") == a("127.0.16.12"))
    explain = ok(w.ctl("explain", fqdn("front"), "--client", "127.0.0.1"))
    assert "dependency" not in explain, explain

    w.members["db1"].kill()
    took = changes_within(w, "front", a("127.0.16.13"), DETECT + CACHED)
    print("    front moved %.1fs after its database stopped" % took)
    doc = w.status()
    db1, app1 = w.member("db", "db1", doc), w.member("front", "app1", doc)
    assert db1["state"] == "down", db1  # alert_only: reported all the same
    assert app1["state"] == "down", app1  # its own check passes: the dependency downs it
    assert app1["last_failure"] == "down because of dependency db/db1", app1
    assert app1["effective"] == "down", app1
    assert w.member("front", "app2", doc)["state"] == "up", doc
    explain = ok(w.ctl("explain", fqdn("front"), "--client", "127.0.0.1"))
    assert "down because of dependency db/db1" in explain, explain
    assert "127.0.16.13" in explain, explain
    assert w.members["app1"].running()  # its own check would pass

    # A dependency named by address; the dependent pool falls to its last member.
    w.members["db2"].kill()
    changes_within(w, "front", a("127.0.16.14"), DETECT + CACHED)
    app2 = w.member("front", "app2")
    assert app2["state"] == "down" and \
        app2["last_failure"] == "down because of dependency db/db2", app2

    w.members["db1"].start()
    took = changes_within(w, "front", a("127.0.16.12"), DETECT + CACHED)
    print("    front back %.1fs after its database restarted" % took)
    wait_member(w, "front", "app1", {"state": "up"})
    assert w.member("front", "app2")["state"] == "down", w.member("front", "app2")
    w.members["db2"].start()
    wait_member(w, "front", "app2", {"state": "up"})

    # The member's own failure still counts while its dependency is up.
    w.members["app1"].kill()
    changes_within(w, "front", a("127.0.16.13"), DETECT + CACHED)
    # its own failure, not a dependency's
    wait_member(w, "front", "app1", {"state": "down", "last_failure": "connection refused"})


ALERT_LB = lb_text(
    "  watched:\n" + monitor() + "    lb_method: wrr\n    max_addrs_returned: 2\n"
    "    members:\n"
    "    - {ip: 127.0.16.15, name: watch1, weight: 1, alert_only: true}\n"
    "    - {ip: 127.0.16.16, name: watch2, weight: 1}\n"
    "  quiet:\n" + monitor() + "    lb_method: fogroup\n    alert_only: true\n    members:\n"
    "    - {ip: 127.0.16.17, name: lone, weight: 1}\n"
    "    - {ip: 127.0.16.8, name: standby, weight: 1}\n",
    [("watched", "watched"), ("quiet", "quiet")])


def both():
    return [("A", "127.0.16.15"), ("A", "127.0.16.16")]


def test_alert_only(make):
    w = make(ALERT_LB, {"watch1": "", "watch2": "", "lone": "", "standby": ""},
             ready=lambda w: sorted(w.answer("watched")) == both()
             and w.answer("quiet") == a("127.0.16.17"))

    # An alert_only member stopped: reported down, answered all the same.
    w.members["watch1"].kill()
    m = wait_member(w, "watched", "watch1",
                    {"state": "down", "last_failure": "connection refused"})
    assert m["effective"] == "up", m  # what the answers use
    seen = {tuple(sorted(x)) for x in answers_during(w, "watched", DETECT + CACHED)}
    assert seen == {tuple(both())}, seen
    explain = ok(w.ctl("explain", fqdn("watched"), "--client", "127.0.0.1"))
    assert "alert_only: answered as up" in explain, explain
    # Its neighbour, not alert_only, leaves the answers when it stops (the pool works).
    w.members["watch2"].kill()
    changes_within(w, "watched", a("127.0.16.15"), DETECT + CACHED)
    w.members["watch2"].start()
    w.members["watch1"].start()
    assert wait_until(lambda: sorted(w.answer("watched")) == both(), DETECT + CACHED + 1,
                      0.05), w.dig("watched")  # pdns shuffles the records of an answer

    # A whole pool alert_only: its first member stays the answer while down.
    w.members["lone"].kill()
    m = wait_member(w, "quiet", "lone", {"state": "down"})
    seen = answers_during(w, "quiet", DETECT + CACHED)
    assert seen == {tuple(a("127.0.16.17"))}, seen
    text = ok(w.ctl("status"))
    assert "lone" in text, text


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    bin_dir = os.path.abspath(sys.argv[1])

    def run(test, worlds):
        def make(lb, members, ready):
            w = World(bin_dir, lb, members)
            worlds.append(w)
            w.start(lambda: ready(w))
            return w
        if test is test_deep_http_checks:
            test(make, bin_dir)
        else:
            test(make)

    def show(w):
        print(json.dumps(w.status(), indent=1)[-4000:])
        print(w.logs()[-6000:])

    return run_suite(TESTS, run, show, clean_pdns_log=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
