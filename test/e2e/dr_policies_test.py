#!/usr/bin/env python3
"""Disaster-recovery policies through a real pdns_server: failover_after, manual failback,
failover by approval, fallback to another pool, maintenance windows. Each test gets fresh
processes and its own LB file; pdns runs with its caches on. Usage: dr_policies_test.py BIN_DIR [TEST...]"""
import json
import os
import signal
import subprocess
import sys
import time

from harness import Member, Pdns, Pharos, dig, make_workdir, run_suite, wait_until

PDNS_PORT, MEMBER_PORT, HTTP_PORT = 5396, 18290, 19182
NAME = "svc.dr.test"
CANARY = "canary.dr.test"
ADDRESS = {"www1": "127.0.41.1", "www2": "127.0.42.1", "www3": "127.0.43.1",
           "www4": "127.0.44.1"}
WWW1, WWW2, WWW3, WWW4 = ([ADDRESS[n]] for n in ["www1", "www2", "www3", "www4"])
DETECT = 3.0  # seconds a probe may take to see a member go down or come back
# pdns's packet cache over its query cache (1 s each): an answer may be up to 2 s old.
CACHED = 2.0

MONITOR = ("    monitor: http\n"
           "    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0}\n"
           % MEMBER_PORT)

# A pool no test touches: forcing its member down shows when the backend reads the table
# (it fails open, every member up, from its start until it has mapped it).
CANARY_POOL = """  canary:
    monitor: forced
    lb_method: wrr
    fallback: refuse
    members:
    - {ip: 127.0.49.1, name: canary, weight: 1}
"""


def member_line(name, weight=1):
    return "    - {ip: %s, name: %s, weight: %d}\n" % (ADDRESS[name], name, weight)


def fogroup_lb(extra="", root=""):
    """Pool web: fogroup [www1, www2] with `extra` pool keys; `root` adds root keys."""
    return ("pools:\n  web:\n" + MONITOR + "    lb_method: fogroup\n" + extra
            + "    members:\n" + member_line("www1") + member_line("www2") + CANARY_POOL
            + "globalnames:\n  %s.: {pool: web, ttl: 1}\n  %s.: {pool: canary, ttl: 1}\n"
            % (NAME, CANARY) + root)


def pharos_yaml(workdir, lb_file):
    return ("lb: %s\ntopology: null\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: /pharos-dr-%d, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
            % (lb_file, workdir, os.getpid(), workdir, workdir, HTTP_PORT))


class World:
    """pharos.yaml + the given LB text, the members in `started`, pharos-health,
    pharos-backend and pdns (caches off)."""

    def __init__(self, bin_dir, lb, started=("www1", "www2")):
        self.dir = make_workdir("pharos-dr-")
        self.bin_dir = bin_dir
        self.table = "/pharos-dr-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.write(lb, "lb.yaml")
        with open(self.config, "w") as f:
            f.write(pharos_yaml(self.dir, "lb.yaml"))
        self.members = {n: Member(ADDRESS[n], MEMBER_PORT, n, self.dir) for n in started}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        # pdns as operators run it, caches on (cache-ttl 1): every bound below allows the
        # second an answer may live in them after a hold changes.
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [], self.config,
                         bin_dir, caches="recommended")

    def write(self, text, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def servers(self):
        return [self.pharos.health, self.pharos.backend, self.pdns]

    def start(self, expected=WWW1):
        for m in self.members.values():
            m.start()
        for p in self.servers():
            p.start()
        self.wait_ready(expected)

    def wait_ready(self, expected):
        """Until the started members are up and the backend answers from the table."""
        def members_up():
            doc = self.status()
            return doc.get("pools") and all(
                m["state"] == "up" for p in doc["pools"] for m in p["members"]
                if m["name"] in self.members and self.members[m["name"]].running())
        if not wait_until(lambda: members_up() and self.answer() == expected, 10, 0.1):
            raise RuntimeError("pharos never answered %s (got %s):\n%s"
                               % (expected, self.answer(), self.logs()))
        ok(self.ctl("force-down", "canary", "canary"))
        mapped = wait_until(lambda: dig(CANARY, "A", PDNS_PORT).values() == [], 5)
        ok(self.ctl("clear", "canary", "canary"))
        if not mapped or not wait_until(
                lambda: dig(CANARY, "A", PDNS_PORT).values() == ["127.0.49.1"], 5):
            raise RuntimeError("the backend never used the table:\n" + self.logs())
        if self.answer() != expected:
            raise RuntimeError("answer %s once the table was used" % self.answer())

    def restart_servers(self):
        for p in reversed(self.servers()):
            p.stop()
        for p in self.servers():
            p.start()

    def stop(self):
        for p in self.servers() + list(self.members.values()):
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def answer(self, name=NAME):
        return dig(name, "A", PDNS_PORT).values()

    def ctl(self, *args, config=None):
        return subprocess.run([os.path.join(self.bin_dir, "pharosctl"), "-c",
                               config or self.config] + list(args),
                              capture_output=True, text=True, timeout=20)

    def status(self):
        try:
            return json.loads(self.ctl("status", "--json").stdout)
        except ValueError:
            return {}

    def pool(self, name="web", doc=None):
        for p in (doc or self.status()).get("pools", []):
            if p["name"] == name:
                return p
        raise AssertionError("no pool %s in status" % name)

    def member(self, name, pool="web", doc=None):
        for m in self.pool(pool, doc)["members"]:
            if m["name"] == name:
                return m
        raise AssertionError("no member %s/%s in status" % (pool, name))

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in self.servers())


def ok(result):
    assert result.returncode == 0, (result.args, result.stdout, result.stderr)
    return result.stdout


def answers_during(w, seconds, also=None):
    """Every answer seen in `seconds`, sampled every 0.1 s; `also()` runs at each sample."""
    seen, end = set(), time.monotonic() + seconds
    while time.monotonic() < end:
        seen.add(tuple(w.answer()))
        if also:
            also()
        time.sleep(0.1)
    return seen


def changes_within(w, expected, bound):
    """Seconds until the answer is `expected`; fails past `bound`."""
    start = time.monotonic()
    done = wait_until(lambda: w.answer() == expected, bound + 1, 0.05)
    took = time.monotonic() - start
    assert done and took <= bound, (expected, w.answer(), took)
    return took


def wait_state(w, member, state, pool="web"):
    assert wait_until(lambda: w.member(member, pool)["state"] == state, DETECT, 0.1), \
        (member, state, w.member(member, pool))


# ---- the tests ---------------------------------------------------------------------------

def test_failover_after(make):
    w = make(fogroup_lb("    failover_after: 4s\n"))
    # A blip shorter than failover_after never reaches the answers.
    w.members["www1"].kill()
    snapshots = []
    seen = answers_during(w, 2.0, also=lambda: snapshots.append(w.member("www1")))
    w.members["www1"].start()
    wait_state(w, "www1", "up")
    seen |= answers_during(w, 0.5)
    assert seen == {tuple(WWW1)}, seen
    assert any(m["state"] == "down" and m["policy"] == "failover-after" for m in snapshots), \
        snapshots  # the blip was seen, and held
    assert w.member("www1")["policy"] == "", w.member("www1")

    # A longer outage moves the answers once it has lasted failover_after.
    w.members["www1"].kill()
    killed, held, moved = time.monotonic(), None, None
    while time.monotonic() - killed < 4 + DETECT + CACHED + 2:
        got = w.answer()
        if got != WWW1:
            moved = (time.monotonic() - killed, got)
            break
        if held is None:
            doc = w.status()
            if w.member("www1", doc=doc)["state"] == "down":
                held = (w.member("www1", doc=doc), doc["now_ms"])
        time.sleep(0.1)
    assert moved and moved[1] == WWW2, (moved, w.answer())
    assert 3.5 <= moved[0] <= 4 + DETECT + 1 + CACHED, moved
    print("    answers moved %.1fs after the kill" % moved[0])
    assert held, "www1 was never seen down while held"
    m, now_ms = held
    assert m["policy"] == "failover-after" and m["effective"] == "up", m
    assert now_ms < m["policy_until_ms"] <= now_ms + 4000 + 500, (m, now_ms)
    www1 = w.member("www1")
    assert www1["effective"] == "down" and www1["policy"] == "", www1


def test_failback_manual(make):
    w = make(fogroup_lb("    failback: manual\n"))
    assert w.pool()["failback"] == "manual", w.pool()
    w.members["www1"].kill()
    changes_within(w, WWW2, DETECT + CACHED)
    w.members["www1"].start()
    wait_state(w, "www1", "up")
    assert answers_during(w, 2.0) == {tuple(WWW2)}
    pool = w.pool()
    assert pool["holder"] and pool["holder"]["member"] == "www2", pool
    assert pool["holder"]["address"] == ADDRESS["www2"], pool
    assert w.member("www1", doc={"pools": [pool]})["policy"] == "held-off", pool

    # The holder lives in the admin-state file, not in any one process.
    w.restart_servers()
    w.wait_ready(WWW2)
    assert answers_during(w, 1.0) == {tuple(WWW2)}
    assert w.pool()["holder"]["member"] == "www2", w.pool()

    # A reload that changes the pool's members keeps the state of those that remain.
    w.write(fogroup_lb("    failback: manual\n").replace(
        member_line("www2"), member_line("www2") + member_line("www3")), "lb.yaml")
    ok(w.ctl("reload"))
    assert wait_until(lambda: len(w.pool()["members"]) == 3, 5), w.pool()
    assert answers_during(w, 1.5) == {tuple(WWW2)}
    assert w.pool()["holder"]["member"] == "www2", w.pool()

    ok(w.ctl("failback", "web", "--reason", "dr test"))
    changes_within(w, WWW1, 1.0 + CACHED)
    assert w.pool()["holder"] is None, w.pool()

    # Hold again; the holder failing lets the normal rules pick www1 back.
    w.members["www1"].kill()
    changes_within(w, WWW2, DETECT + CACHED)
    w.members["www1"].start()
    wait_state(w, "www1", "up")
    assert answers_during(w, 1.0) == {tuple(WWW2)}
    w.members["www2"].kill()
    changes_within(w, WWW1, DETECT + CACHED)
    assert answers_during(w, 1.0) == {tuple(WWW1)}


def test_approval(make):
    w = make(fogroup_lb("    failover: manual\n"))
    assert w.pool()["failover"] == "manual", w.pool()
    w.members["www1"].kill()
    # Well past detection, nobody has approved: the answers stay.
    seen = answers_during(w, 4.5)
    assert seen == {tuple(WWW1)}, seen
    pool = w.pool()
    assert [(p["member"], p["address"]) for p in pool["pending_approvals"]] == \
        [("www1", ADDRESS["www1"])], pool
    www1 = w.member("www1", doc={"pools": [pool]})
    assert www1["policy"] == "awaiting-approval" and www1["state"] == "down", www1

    # The pending approval outlives a restart of every process: nothing moves by itself.
    w.restart_servers()
    w.wait_ready(WWW1)
    assert answers_during(w, 1.0) == {tuple(WWW1)}
    assert [p["member"] for p in w.pool()["pending_approvals"]] == ["www1"], w.pool()

    ok(w.ctl("failover", "web", "--reason", "approved by dr test"))
    changes_within(w, WWW2, 1.0 + CACHED)
    assert w.pool()["pending_approvals"] == [], w.pool()
    assert answers_during(w, 1.0) == {tuple(WWW2)}


def test_approval_directed(make):
    w = make(fogroup_lb("    failover: manual\n"))
    ok(w.ctl("failover", "web", "www2", "--reason", "move to www2"))
    changes_within(w, WWW2, 1.0 + CACHED)
    holder = w.pool()["holder"]
    assert holder and holder["member"] == "www2" and holder["directed"], holder
    assert holder["reason"] == "move to www2", holder
    assert answers_during(w, 1.0) == {tuple(WWW2)}  # www1 is up, the move holds
    ok(w.ctl("failback", "web"))
    changes_within(w, WWW1, 1.0 + CACHED)
    assert w.pool()["holder"] is None, w.pool()


FALLBACK_LB = ("pools:\n"
               "  front:\n" + MONITOR + "    lb_method: wrr\n    fallback: pool:middle\n"
               "    members:\n" + member_line("www1") +
               "  middle:\n" + MONITOR + "    lb_method: fogroup\n    fallback: pool:last\n"
               "    members:\n" + member_line("www2") +
               "  last:\n" + MONITOR + "    lb_method: fogroup\n    fallback: any\n"
               "    members:\n" + member_line("www3") + member_line("www4") + CANARY_POOL +
               "globalnames:\n  %s.: {pool: front, ttl: 1}\n  %s.: {pool: canary, ttl: 1}\n"
               % (NAME, CANARY))


def test_fallback_chain(make):
    w = make(FALLBACK_LB, started=("www1", "www2", "www4"))  # www3 never listens
    assert "middle" in json.dumps(w.pool("front")["fallback"]), w.pool("front")
    w.members["www1"].kill()
    changes_within(w, WWW2, DETECT + CACHED)
    w.members["www2"].kill()
    changes_within(w, WWW4, DETECT + CACHED)
    # Nothing usable anywhere: `last`'s own fallback any answers, never front's or middle's.
    w.members["www4"].kill()
    wait_state(w, "www4", "down", pool="last")
    seen = answers_during(w, 1.0)
    assert seen and seen <= {tuple(WWW3), tuple(WWW4)}, seen

    ok(w.ctl("validate"))  # the running file is valid: the failures below are the fallbacks
    loop = FALLBACK_LB.replace("fallback: pool:last", "fallback: pool:front")
    nosuch = FALLBACK_LB.replace("fallback: pool:last", "fallback: pool:nosuch")
    for what, text in [("loop", loop), ("nosuch", nosuch)]:
        w.write(text, "lb-%s.yaml" % what)
        config = w.write(pharos_yaml(w.dir, "lb-%s.yaml" % what), "pharos-%s.yaml" % what)
        bad = w.ctl("validate", config=config)
        assert bad.returncode != 0, (what, bad)
        assert "fallback" in bad.stdout + bad.stderr, (what, bad.stdout, bad.stderr)


def utc(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def test_maintenance(make):
    start = int(time.time()) + 6  # past start-up, which takes a few seconds
    end = start + 5
    w = make(fogroup_lb(root="maintenance:\n- {pool: web, member: www1, start: '%s', "
                        "end: '%s', reason: dr test window}\n" % (utc(start), utc(end))))
    seen = {tuple(w.answer())}
    assert time.time() < start - 0.5, "start-up took past the window's start"
    windows = w.pool()["maintenance"]
    assert [(x["member"], x["start_ms"], x["end_ms"], x["reason"]) for x in windows] == \
        [("www1", start * 1000, end * 1000, "dr test window")], windows
    assert w.member("www1")["policy"] == "", w.member("www1")
    seen |= answers_during(w, start - 0.3 - time.time())
    assert seen == {tuple(WWW1)}, seen

    time.sleep(max(0.0, start + 0.3 + CACHED - time.time()))  # the 200 ms tick, pdns's caches
    seen = answers_during(w, end - 0.5 - time.time())
    assert seen == {tuple(WWW2)}, seen
    www1 = w.member("www1")
    assert www1["policy"] == "maintenance" and www1["effective"] == "drained", www1
    assert www1["state"] == "up", www1  # still probed
    assert www1.get("policy_until_ms") == end * 1000, www1

    assert wait_until(lambda: w.answer() == WWW1, end + 1 + CACHED - time.time(), 0.05), \
        (w.answer(), time.time() - end)
    print("    back on www1 %.1fs after the window's end" % (time.time() - end))
    assert w.member("www1")["policy"] == "", w.member("www1")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    bin_dir = os.path.abspath(sys.argv[1])

    def run(test, worlds):
        def make(lb, started=("www1", "www2")):
            w = World(bin_dir, lb, started)
            worlds.append(w)
            w.start()
            return w
        test(make)

    return run_suite(TESTS, run, lambda w: print(w.logs()[-6000:]))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
