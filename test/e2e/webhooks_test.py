#!/usr/bin/env python3
"""Webhooks through a real pdns_server (issue 16): pharos-health POSTs one JSON object per event
(member-state, failover, admin-override, policy:*) to every `notify:` URL of pharos.yaml, each
from its own queue, in order, retried on failure until retry_for, then dropped and counted. The
receivers here live in this process and switch at run time between record, fail (500), slow
(answer after the webhook's timeout) and down (not listening). One set of processes runs every
check in turn; pdns runs with its caches on.
Usage: webhooks_test.py BIN_DIR [TEST...]"""
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

from harness import (Deployment, Member, Pdns, Pharos, changes_within, dig, make_workdir, ok,
                     remove_workdir, run_suite, wait_until)

PDNS_PORT, MEMBER_PORT, HTTP_PORT = 5399, 18320, 19188
HOOK_PORTS = [18340, 18341, 18342, 18343]
NODE = "node-webhooks-e2e"
ZONE = "hooks.test"
ADDRESS = {"a": "127.0.17.1", "b": "127.0.17.2", "c": "127.0.17.3", "d": "127.0.17.4",
           "late": "127.0.17.5"}
DETECT = 3.0  # seconds a probe may take to see a member go down or come back
# A stopped member is seen down at its next probe (interval 0.5 s, refused at once), whatever the
# webhooks do: the prober's own event says when, to the millisecond.
PROBED = 1.5
# pdns's packet cache over its query cache (1 s each): an answer may be up to 2 s old.
CACHED = 2.0
SLOW_TIMEOUT = 1.0  # the slow webhook's `timeout`
SLOW_ANSWER = 3.0   # how long the slow receiver takes to answer
DEAD_RETRY_FOR = 3.0

MONITOR = ("    monitor: http\n"
           "    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0}\n"
           % MEMBER_PORT)


def member_line(name):
    return "    - {ip: %s, name: %s, weight: 1%s}\n" % (
        ADDRESS[name], name, ", alert_only: true" if name == "late" else "")


# web: fogroup [a, b]; manual: fogroup [c, d] whose failover and failback wait for an operator;
# canary: a pool no test touches, forced down once to see when the backend reads the table; late:
# a member that hangs, so its first verdict (a timeout) is the last of the table's: web and manual
# have all of theirs before the table is ready, and their first move must be told all the same.
# It is alert_only, which its events say.
LB = ("pools:\n"
      "  late:\n    monitor: http\n"
      "    monitor_params: {port: %d, interval: 2, timeout: 1.5, retries: 0}\n"
      "    lb_method: wrr\n    members:\n" % MEMBER_PORT + member_line("late") +
      "  web:\n" + MONITOR + "    lb_method: fogroup\n    members:\n"
      + member_line("a") + member_line("b") +
      "  manual:\n" + MONITOR + "    lb_method: fogroup\n    failover: manual\n"
      "    failback: manual\n    members:\n"
      + member_line("c") + member_line("d") +
      "  canary:\n    monitor: forced\n    lb_method: wrr\n    fallback: refuse\n    members:\n"
      "    - {ip: 127.0.17.9, name: canary, weight: 1}\n"
      "globalnames:\n"
      "  svc.%s.: {pool: web, ttl: 1}\n  manual.%s.: {pool: manual, ttl: 1}\n"
      "  canary.%s.: {pool: canary, ttl: 1}\n" % (ZONE, ZONE, ZONE))

# 0: the plain URL form, always recording (the reference for order and content).
# 1: flaky (answers 500 for a while), its path a secret that /metrics must not show.
# 2: dead (nothing ever listens), short retry_for: its events are dropped.
# 3: slow (answers after its timeout for a while).
NOTIFY = ("notify:\n"
          "  - http://127.0.0.1:%d/hook\n"
          "  - {url: 'http://127.0.0.1:%d/flaky/s3cret?token=x', timeout: 2, retry_for: 60}\n"
          "  - {url: 'http://127.0.0.1:%d/dead', timeout: 1, retry_for: %g}\n"
          "  - {url: 'http://127.0.0.1:%d/slow', timeout: %g, retry_for: 60}\n"
          % (HOOK_PORTS[0], HOOK_PORTS[1], HOOK_PORTS[2], DEAD_RETRY_FOR, HOOK_PORTS[3],
             SLOW_TIMEOUT))


def pharos_yaml(workdir, table):
    return ("lb: lb.yaml\ntopology: null\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
            "node_name: %s\n" % (workdir, table, workdir, workdir, HTTP_PORT, NODE) + NOTIFY)


# ---- the receiver ------------------------------------------------------------------------

class Receiver:
    """An HTTP server on 127.0.0.1:port in a thread of this process. Modes: record (200, the
    event kept), fail (500), slow (answers 200 after SLOW_ANSWER s, too late), down (closed).
    Every request is logged in `attempts` whatever the mode; `events` holds the recorded ones."""

    def __init__(self, port):
        self.port, self.mode = port, "down"
        self.events, self.attempts = [], []  # attempts: (monotonic, mode, sequence, request)
        self.lock = threading.Lock()
        self.server = None

    def set(self, mode):
        if mode == "down":
            self.stop()
        elif self.server is None:
            self.start()
        self.mode = mode

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                mode = receiver.mode
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode(errors="replace")}
                request = {"path": self.path, "method": self.command, "body": body,
                           "headers": {k.lower(): v for k, v in self.headers.items()},
                           "at": time.time()}
                with receiver.lock:
                    receiver.attempts.append((time.monotonic(), mode, body.get("sequence"),
                                              request))
                if mode == "slow":
                    time.sleep(SLOW_ANSWER)
                    self.reply(200)  # too late: the sender gave up
                elif mode == "fail":
                    self.reply(500)
                else:
                    with receiver.lock:
                        receiver.events.append(request)
                    self.reply(200)

            def reply(self, status):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.server = server

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self):
        with self.lock:
            return [e["body"] for e in self.events]

    def tried(self, sequence):
        """How many requests carried the event `sequence`, by mode."""
        with self.lock:
            modes = [m for _, m, s, _ in self.attempts if s == sequence]
        return {m: modes.count(m) for m in set(modes)}


# ---- the world ---------------------------------------------------------------------------

class World(Deployment):
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-webhooks-")
        self.bin_dir = bin_dir
        self.table = "/pharos-webhooks-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(LB)
        with open(self.config, "w") as f:
            f.write(pharos_yaml(self.dir, self.table))
        self.members = {n: Member(ADDRESS[n], MEMBER_PORT, n, self.dir) for n in ADDRESS}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [], self.config,
                         bin_dir, caches="recommended")
        self.hooks = [Receiver(p) for p in HOOK_PORTS]

    def start(self):
        for i in (0, 1, 3):
            self.hooks[i].set("record")  # hook 2 stays down
        for m in self.members.values():
            m.start()
        self.members["late"].send(signal.SIGUSR2)  # hangs: its probes time out
        for p in self.servers():
            p.start()
        self.wait_ready()

    def wait_ready(self):
        def members_up():
            doc = self.status()
            return doc.get("pools") and all(
                m["state"] == "up" for p in doc["pools"] for m in p["members"]
                if m["name"] in self.members and m["name"] != "late")
        if not wait_until(lambda: members_up() and self.answer("svc") == [ADDRESS["a"]]
                          and self.answer("manual") == [ADDRESS["c"]], 10, 0.1):
            raise RuntimeError("pharos never got ready:\n" + self.logs())
        canary = "canary." + ZONE
        ok(self.ctl("force-down", "canary", "canary"))
        mapped = wait_until(lambda: dig(canary, "A", PDNS_PORT).values() == [], 5)
        ok(self.ctl("clear", "canary", "canary"))
        if not mapped or not wait_until(
                lambda: dig(canary, "A", PDNS_PORT).values() == ["127.0.17.9"], 5):
            raise RuntimeError("the backend never used the table:\n" + self.logs())

    def stop(self):
        super().stop()
        for h in self.hooks:
            h.stop()

    def answer(self, label):
        return dig(label + "." + ZONE, "A", PDNS_PORT).values()

    def metrics(self):
        """{(family, webhook index): (url label, value)} of the pharos_webhook_* samples."""
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % HTTP_PORT,
                                      timeout=3).read().decode()
        found = {}
        for m in re.finditer(r'^(pharos_webhook_\w+)\{webhook="(\d+)",url="([^"]*)"\} (\S+)$',
                             text, re.M):
            found[(m.group(1), int(m.group(2)))] = (m.group(3), float(m.group(4)))
        return found

    def metric(self, family, hook):
        return self.metrics()[("pharos_webhook_" + family, hook)][1]

def matches(body, want):
    return all(body.get(k) == v for k, v in want.items())


def wait_event(receiver, want, after=0, timeout=DETECT + 2):
    """The first recorded event with sequence > `after` holding every key of `want`."""
    def find():
        for b in receiver.bodies():
            if b.get("sequence", 0) > after and matches(b, want):
                return b
        return None
    got = wait_until(find, timeout, 0.05)
    assert got, ("no event", want, "after", after, receiver.bodies()[-10:])
    return got


def last_sequence(receiver):
    bodies = receiver.bodies()
    return bodies[-1]["sequence"] if bodies else 0


# ---- the checks, in order on one world ---------------------------------------------------

def check_start(w):
    """What the first verdicts send: nothing for members that come up (a start of thousands of
    members is not news), member-state unknown -> down for one that does not, no failover
    (the first answers after a start are no move); and the shape of every request."""
    hook = w.hooks[0]
    # the canary's override, set and cleared while the world got ready
    forced = wait_event(hook, {"what": "admin-override", "pool": "canary", "member": "canary"})
    assert forced["old"] == "none" and forced["new"] in ("force-down", "forced-down"), forced
    cleared = wait_event(hook, {"what": "admin-override", "pool": "canary",
                                "old": forced["new"], "new": "none"})
    assert cleared["sequence"] > forced["sequence"], (forced, cleared)
    late = wait_event(hook, {"what": "member-state", "pool": "late", "member": "late"})
    assert late["old"] == "unknown" and late["new"] == "down" and late["reason"] == "timeout" \
        and late["alert_only"] is True, late
    bodies = hook.bodies()
    assert not [b for b in bodies if b["what"] == "failover"], bodies
    assert not [b for b in bodies if b["what"] == "member-state" and b["new"] == "up"], bodies
    with hook.lock:
        requests = list(hook.events)
    for r in requests:
        assert r["method"] == "POST" and r["path"] == "/hook", r
        assert r["headers"].get("content-type", "").startswith("application/json"), r
        b = r["body"]
        assert set(b) >= {"what", "pool", "member", "address", "old", "new", "reason", "time",
                          "time_ms", "node", "sequence"}, b
        assert b["node"] == NODE, b
        assert b.get("alert_only", True) is True, b  # only when true
        assert ("alert_only" in b) == (b["member"] == "late"), b
        # time and time_ms agree, and are when the event happened (received within seconds)
        assert abs(b["time_ms"] / 1000 - r["at"]) < 3, (b, r["at"])
        stamp = datetime.strptime(b["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert int(stamp.timestamp()) == b["time_ms"] // 1000, b
    print("    %d events at start, none a failover" % len(bodies))


def check_order_and_content(w):
    hook = w.hooks[0]
    before = last_sequence(hook)
    killed = time.time()
    w.members["a"].kill()
    took = changes_within(w, "svc", [ADDRESS["b"]], DETECT + CACHED)
    down = wait_event(hook, {"what": "member-state", "member": "a", "new": "down"}, before)
    print("    a seen down in %.2fs, failed over in %.1fs (hook 2 dead)"
          % (down["time_ms"] / 1000 - killed, took))
    assert down["time_ms"] / 1000 - killed < PROBED, (down, killed)
    assert down["pool"] == "web" and down["old"] == "up" and down["address"] == ADDRESS["a"], down
    # refused, or "closed early" when a check was in flight as the process died
    assert down["reason"] in ("connection refused", "closed early"), down
    moved = wait_event(hook, {"what": "failover", "pool": "web"}, before)
    assert moved["old"] == "a 127.0.17.1" and moved["new"] == "b 127.0.17.2", moved
    assert moved["member"] == "" and moved["node"] == NODE, moved
    assert down["sequence"] < moved["sequence"], (down, moved)
    assert down["time_ms"] <= moved["time_ms"], (down, moved)

    before = moved["sequence"]
    w.members["a"].start()
    changes_within(w, "svc", [ADDRESS["a"]], DETECT + CACHED)
    up = wait_event(hook, {"what": "member-state", "member": "a", "new": "up"}, before)
    assert up["old"] == "down" and up["pool"] == "web", up
    back = wait_event(hook, {"what": "failover", "pool": "web"}, before)
    assert back["old"] == "b 127.0.17.2" and back["new"] == "a 127.0.17.1", back
    assert up["sequence"] < back["sequence"], (up, back)

    before = back["sequence"]
    ok(w.ctl("drain", "web", "b", "--reason", "webhook e2e drain"))
    drained = wait_event(hook, {"what": "admin-override", "pool": "web", "member": "b"}, before,
                         timeout=2)
    assert drained["old"] == "none" and drained["new"] == "drain", drained
    assert "by " in drained["reason"] and "webhook e2e drain" in drained["reason"], drained
    assert drained["address"] == ADDRESS["b"], drained
    ok(w.ctl("clear", "web", "b"))
    cleared = wait_event(hook, {"what": "admin-override", "pool": "web", "member": "b"},
                         drained["sequence"], timeout=2)
    assert cleared["old"] == "drain" and cleared["new"] == "none", cleared
    # a is answered throughout: draining b moved nothing
    assert not [b for b in hook.bodies() if b["sequence"] > before and b["what"] == "failover"], \
        hook.bodies()[-5:]


def check_retry_after_500(w):
    flaky = w.hooks[1]
    # Every earlier event delivered first: one still on its way would be the one refused,
    # and the events of this check would wait behind its growing backoff.
    assert wait_until(lambda: last_sequence(flaky) >= last_sequence(w.hooks[0]), 5, 0.05), \
        (last_sequence(flaky), last_sequence(w.hooks[0]))
    flaky.set("fail")
    before = last_sequence(w.hooks[0])
    w.members["a"].kill()
    changes_within(w, "svc", [ADDRESS["b"]], DETECT + CACHED)
    down = wait_event(w.hooks[0], {"what": "member-state", "member": "a", "new": "down"}, before)
    moved = wait_event(w.hooks[0], {"what": "failover", "pool": "web"}, before)
    # The first event refused twice (its first attempt and the retry 1 s later): nothing
    # recorded, both waiting.
    assert wait_until(lambda: flaky.tried(down["sequence"]).get("fail", 0) >= 2, 5, 0.1), \
        flaky.attempts[-5:]
    assert [b for b in flaky.bodies() if b["sequence"] > before] == [], flaky.bodies()[-3:]
    failed = w.metric("failed_attempts_total", 1)
    assert failed >= 2, w.metrics()
    assert w.metric("queued", 1) >= 2, w.metrics()  # the member-state and the failover
    flaky.set("record")
    # Retried 1 s, 2 s, 4 s... after the failures: delivered at the backoff's next step.
    recovered = time.monotonic()
    got = wait_event(flaky, {"what": "failover", "pool": "web"}, before, timeout=10)
    print("    delivered %.1fs after the receiver recovered, after %d failed attempts"
          % (time.monotonic() - recovered, failed))
    assert got == moved, (got, moved)
    assert wait_event(flaky, {"what": "member-state", "member": "a"}, before) == down
    assert wait_until(lambda: w.metric("queued", 1) == 0, 3), w.metrics()
    assert w.metric("dropped_total", 1) == 0, w.metrics()
    log = w.pharos.health.log()
    assert "webhook http://127.0.0.1:%d/...: HTTP status 500" % HOOK_PORTS[1] in log, log[-2000:]
    before = moved["sequence"]
    w.members["a"].start()
    changes_within(w, "svc", [ADDRESS["a"]], DETECT + CACHED)
    wait_event(flaky, {"what": "failover", "pool": "web", "new": "a 127.0.17.1"}, before)


def check_slow_webhook(w):
    slow = w.hooks[3]
    assert wait_until(lambda: last_sequence(slow) >= last_sequence(w.hooks[0]), 5, 0.05), \
        (last_sequence(slow), last_sequence(w.hooks[0]))  # as in check_retry_after_500
    slow.set("slow")
    before = last_sequence(w.hooks[0])
    killed = time.time()
    w.members["a"].kill()
    took = changes_within(w, "svc", [ADDRESS["b"]], DETECT + CACHED)
    down = wait_event(w.hooks[0], {"what": "member-state", "member": "a", "new": "down"}, before)
    print("    a seen down in %.2fs, failed over in %.1fs (hook 2 dead, hook 3 slow)"
          % (down["time_ms"] / 1000 - killed, took))
    assert down["time_ms"] / 1000 - killed < PROBED, (down, killed)
    wait_event(w.hooks[0], {"what": "failover", "pool": "web"}, before)
    # The first event is tried, times out after 1 s and is tried again 1 s later.
    assert wait_until(lambda: slow.tried(down["sequence"]).get("slow", 0) >= 2, 5, 0.1), \
        slow.attempts[-5:]
    assert w.metric("failed_attempts_total", 3) >= 1, w.metrics()
    assert "webhook http://127.0.0.1:%d/...: no answer within the timeout" % HOOK_PORTS[3] \
        in w.pharos.health.log(), w.logs()
    assert last_sequence(slow) == before, slow.bodies()[-3:]
    # While it waits, the answers move back as fast as ever.
    w.members["a"].start()
    took = changes_within(w, "svc", [ADDRESS["a"]], DETECT + CACHED)
    print("    failed back in %.1fs (hook 3 still slow)" % took)
    slow.set("record")
    recovered = time.monotonic()
    # The next retry, 4 s after the second failure at the latest, delivers the lot in order.
    back = wait_event(w.hooks[0], {"what": "failover", "pool": "web"}, down["sequence"])
    got = wait_event(slow, {"what": "failover", "pool": "web"}, down["sequence"], timeout=10)
    print("    delivered %.1fs after the receiver recovered" % (time.monotonic() - recovered))
    assert wait_until(lambda: last_sequence(slow) >= back["sequence"], 10, 0.1), \
        slow.bodies()[-5:]


def check_dead_webhook(w):
    """Hook 2 never listened: every event was tried until retry_for, then dropped."""
    total = last_sequence(w.hooks[0])
    dropped = w.metric("dropped_total", 2)
    assert dropped >= 1, w.metrics()
    assert w.metric("delivered_total", 2) == 0, w.metrics()
    # Every event but those younger than retry_for is gone.
    assert wait_until(lambda: w.metric("dropped_total", 2) == total
                      and w.metric("queued", 2) == 0, DEAD_RETRY_FOR + 6, 0.2), \
        (total, w.metrics())
    log = w.pharos.health.log()
    lines = [l for l in log.splitlines() if "event dropped" in l]
    assert lines and all("http://127.0.0.1:%d/" % HOOK_PORTS[2] in l for l in lines), lines[:3]
    print("    %d events dropped; %s" % (len(lines), lines[0].strip()))
    # Listening at last: the next event is delivered (the drops left the queue working).
    w.hooks[2].set("record")
    before = last_sequence(w.hooks[0])
    ok(w.ctl("drain", "web", "b", "--reason", "hook 2 is back"))
    ok(w.ctl("clear", "web", "b"))
    drained = wait_event(w.hooks[2], {"what": "admin-override", "new": "drain"}, before)
    assert wait_until(lambda: last_sequence(w.hooks[2]) == drained["sequence"] + 1, 3, 0.05), \
        w.hooks[2].bodies()
    assert w.metric("delivered_total", 2) == 2 and w.metric("queued", 2) == 0, w.metrics()
    assert w.metric("dropped_total", 2) == total, w.metrics()


def check_approval_pending(w):
    hook = w.hooks[0]
    before = last_sequence(hook)
    w.members["c"].kill()
    down = wait_event(hook, {"what": "member-state", "member": "c", "new": "down"}, before)
    pending = wait_event(hook, {"what": "policy:approval-pending", "pool": "manual"}, before)
    assert pending["member"] == "c" and pending["node"] == NODE, pending
    assert "pharosctl failover manual" in pending["reason"], pending
    assert down["sequence"] < pending["sequence"], (down, pending)
    # Held: the answers stay on c, and nothing says they moved.
    time.sleep(1.0)
    assert w.answer("manual") == [ADDRESS["c"]], w.answer("manual")
    assert not [b for b in hook.bodies() if b["sequence"] > before
                and b["what"] == "failover"], hook.bodies()[-5:]
    ok(w.ctl("failover", "manual", "--reason", "approved by webhook e2e"))
    changes_within(w, "manual", [ADDRESS["d"]], 1.0 + CACHED)
    moved = wait_event(hook, {"what": "failover", "pool": "manual"}, pending["sequence"])
    assert moved["old"] == "c 127.0.17.3" and moved["new"] == "d 127.0.17.4", moved
    # failback: manual: the answers are held on d from now on, which is told too.
    held = wait_event(hook, {"what": "policy:holder-set", "pool": "manual"}, pending["sequence"])
    assert held["member"] == "d" and "pharosctl failback manual" in held["reason"], held
    kinds = [b["what"] for b in hook.bodies() if b["sequence"] > pending["sequence"]]
    print("    after the approval: %s" % kinds)


def check_every_hook_same_order(w):
    """The live receivers got every event once, in order, sequence 1, 2, 3...; /metrics
    names each webhook by index and URL without its path."""
    reference = w.hooks[0].bodies()
    assert [b["sequence"] for b in reference] == list(range(1, len(reference) + 1)), \
        [b["sequence"] for b in reference]
    for i in (1, 3):
        assert wait_until(lambda: len(w.hooks[i].bodies()) >= len(reference), 10, 0.1), i
        got = w.hooks[i].bodies()
        assert got == reference, (i, [b["sequence"] for b in got])
    metrics = w.metrics()
    for i, port in enumerate(HOOK_PORTS):
        url = metrics[("pharos_webhook_delivered_total", i)][0]
        assert url == "http://127.0.0.1:%d/..." % port, metrics
    assert metrics[("pharos_webhook_delivered_total", 0)][1] == len(reference), metrics
    assert metrics[("pharos_webhook_failed_attempts_total", 0)][1] == 0, metrics
    assert "s3cret" not in urllib.request.urlopen(
        "http://127.0.0.1:%d/metrics" % HTTP_PORT, timeout=3).read().decode()
    assert "s3cret" not in w.pharos.health.log()


def check_restart(w):
    """A new pharos-health takes the verdicts over from the table (nothing changed, so nothing
    is told), counts from 1 again and tells the next move."""
    hook = w.hooks[0]
    before = last_sequence(hook)
    w.members["a"].kill()
    changes_within(w, "svc", [ADDRESS["b"]], DETECT + CACHED)
    wait_event(hook, {"what": "failover", "pool": "web", "new": "b 127.0.17.2"}, before)
    w.pharos.health.stop()
    with hook.lock:
        hook.events.clear()
    w.pharos.health.start()
    assert w.pharos.health.logged_since_start("metrics and status on"), w.logs()
    w.members["a"].start()
    took = changes_within(w, "svc", [ADDRESS["a"]], DETECT + CACHED)
    print("    failed back in %.1fs after the restart" % took)
    up = wait_event(hook, {"what": "member-state", "member": "a", "new": "up"}, 0)
    assert up["old"] == "down", up
    back = wait_event(hook, {"what": "failover", "pool": "web"}, 0)
    assert back["old"] == "b 127.0.17.2" and back["new"] == "a 127.0.17.1", back
    assert up["sequence"] < back["sequence"], (up, back)
    time.sleep(0.5)
    bodies = hook.bodies()
    assert [b["sequence"] for b in bodies] == list(range(1, len(bodies) + 1)), bodies
    print("    after the restart: %s" % [(b["what"], b["member"]) for b in bodies])


def test_webhooks(bin_dir, worlds):
    w = World(bin_dir)
    worlds.append(w)
    w.start()
    for check in [check_start, check_order_and_content, check_retry_after_500,
                  check_slow_webhook, check_approval_pending, check_dead_webhook,
                  check_every_hook_same_order, check_restart]:
        started = time.monotonic()
        check(w)
        print("  ok %s (%.1fs)" % (check.__name__, time.monotonic() - started), flush=True)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    bin_dir = os.path.abspath(sys.argv[1])

    def show(w):
        print(json.dumps(w.status(), indent=1)[-3000:])
        for i, h in enumerate(w.hooks):
            print("hook %d (%s): %d recorded, last %s" % (
                i, h.mode, len(h.events), json.dumps(h.bodies()[-6:])))
        print(w.logs())

    return run_suite(TESTS, lambda test, worlds: test(bin_dir, worlds), show)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
