#!/usr/bin/env python3
"""Fault drills through a real pdns_server under constant dnsperf load. Each drill breaks one
thing while a sampler asks for the globalname every 5 ms, then prints one line: answers that
were not NOERROR with a member (by kind), answers that named a member known down past its
detection bound, dnsperf's own counts, and any window it measured. A drill fails on a SERVFAIL
outside the window its fault explains, on a stale answer, or when a process did not survive.

  drills.py BIN_DIR [DRILL...]     (PHAROS_DRILL_PROBER_DEAD=30 seconds by default)"""
import collections
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
from dnsprobe import DnsSampler  # noqa: E402
from harness import (Member, Pdns, Pharos, dig, make_workdir, remove_workdir,  # noqa: E402
                     sanitizer_reports, wait_until)
sys.path.insert(0, HERE)

PDNS_PORT, MEMBER_PORT, BAD_PORT = 5386, 18380, 18381
NAME, BAD_NAME = "www.drill.test", "bad.drill.test"
INTERVAL, TIMEOUT, RETRIES = 0.5, 0.4, 1
BOUND = INTERVAL * (RETRIES + 1) + TIMEOUT + 0.5  # detection bound, plus the poll slack
LOAD_QPS = 1500
MISBEHAVING = ["hang", "slow", "huge", "garbage", "reset"]

LB = """
pools:
  web:
    monitor: http
    monitor_params: {{port: {port}, interval: {interval}, timeout: {timeout}, retries: {retries}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.31.1, name: www1, weight: 1}}
    - {{ip: 127.0.32.1, name: www2, weight: 1}}
  bad:
    monitor: http
    monitor_params: {{port: {bad}, interval: {interval}, timeout: {timeout}, retries: {retries}}}
    lb_method: fogroup
    members:
{bad_members}
    - {{ip: 127.0.39.1, name: good, weight: 1}}
globalnames:
  {name}.: {{pool: web, ttl: 1}}
  {bad_name}.: {{pool: bad, ttl: 1}}
"""


def lb_text(broken=False):
    bad = "\n".join("    - {ip: 127.0.%d.1, name: %s, weight: 1}" % (40 + i, m)
                    for i, m in enumerate(MISBEHAVING))
    text = LB.format(port=MEMBER_PORT, bad=BAD_PORT, interval=INTERVAL, timeout=TIMEOUT,
                     retries=RETRIES, bad_members=bad, name=NAME, bad_name=BAD_NAME)
    return text.replace("lb_method: fogroup", "lb_method: fogroupp", 1) if broken else text


class Drills:
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-drills-")
        self.bin_dir = bin_dir
        self.table = "/pharos-drills-%d" % os.getpid()
        self.state_dir = os.path.join(self.dir, "state")
        os.makedirs(self.state_dir)
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.socket_path = os.path.join(self.dir, "backend.sock")
        self.write_lb()
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\n"
                    "backend: {socket: %s, socket_group: root}\n"
                    "health: {table: %s, table_group: root, stale_after: 3s}\n"
                    "admin_state: %s/admin-state.json\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19186'}\n"
                    % (self.socket_path, self.table, self.state_dir, self.dir))
        self.members = {n: Member(ip, MEMBER_PORT, n, self.dir) for n, ip in
                        [("www1", "127.0.31.1"), ("www2", "127.0.32.1")]}
        self.members["good"] = Member("127.0.39.1", BAD_PORT, "good", self.dir)
        for i, mode in enumerate(MISBEHAVING):
            self.members[mode] = Member("127.0.%d.1" % (40 + i), BAD_PORT, mode, self.dir,
                                        ["--misbehave", mode])
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.socket_path, ["drill.test"], self.config,
                         bin_dir)
        self.down_since = {}  # address -> when the drill took it down
        self.lines = []

    def write_lb(self, broken=False):
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(lb_text(broken))

    def start(self):
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()
        if not wait_until(lambda: dig(NAME, "A", PDNS_PORT).values() == ["127.0.31.1"] and
                          dig(BAD_NAME, "A", PDNS_PORT).values() == ["127.0.39.1"], 15):
            raise RuntimeError("pharos never answered:\n" + self.logs())

    def stop(self):
        for p in [self.pdns, self.pharos.backend, self.pharos.health] + list(self.members.values()):
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-2500:]) for p in
                         [self.pharos.health, self.pharos.backend, self.pdns])

    # ---- one drill: load, sampler, fault, verdict ----------------------------------------

    def run(self, name, fault, allowed=(), settle=1.5):
        """Runs `fault(drill)` under load; `allowed` names outcomes the fault explains (their
        window is measured and printed rather than failed)."""
        queries = os.path.join(self.dir, "queries")
        with open(queries, "w") as f:
            f.write("%s A\n" % NAME)
        load = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(PDNS_PORT), "-d",
                                 queries, "-l", "600", "-Q", str(LOAD_QPS), "-c", "4"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = DnsSampler(NAME, PDNS_PORT).start()
        time.sleep(1)
        started = time.monotonic()
        extra = fault(self) or ""
        time.sleep(settle)
        samples = sampler.stop()
        load.send_signal(signal.SIGINT)
        perf = load.communicate(timeout=30)[0]
        return self.verdict(name, samples, perf, started, allowed, extra)

    def verdict(self, name, samples, perf, started, allowed, extra):
        kinds = collections.Counter(s.outcome for s in samples if s.outcome != "ok")
        stale = [s for s in samples if any(
            a in self.down_since and s.sent > self.down_since[a] + BOUND for a in s.addresses)]
        unexplained = sum(n for k, n in kinds.items() if k not in allowed)
        windows = []
        for kind in allowed:
            times = [s.sent - started for s in samples if s.outcome == kind]
            if times:
                windows.append("%s window %.2fs (from +%.2fs)" % (kind, max(times) - min(times),
                                                                   min(times)))
        codes = re.search(r"Response codes:\s*(.*)", perf)
        sent = re.search(r"Queries sent:\s*(\d+)", perf)
        line = ("drill %-26s sampled %5d: not NOERROR-with-member %d%s, naming a down member "
                "past its bound %d; dnsperf sent %s, %s%s%s" % (
                    name, len(samples), sum(kinds.values()),
                    " (" + ", ".join("%s %d" % kv for kv in sorted(kinds.items())) + ")"
                    if kinds else "", len(stale), sent.group(1) if sent else "?",
                    codes.group(1).strip() if codes else "no rcodes",
                    "; " + "; ".join(windows) if windows else "", "; " + extra if extra else ""))
        print(line, flush=True)
        self.lines.append(line)
        alive = [p.name for p in [self.pharos.health, self.pharos.backend, self.pdns]
                 if not p.running()]
        assert not alive, "%s: not running after the drill: %s" % (name, alive)
        assert unexplained == 0, "%s: %d answers the fault does not explain" % (name, unexplained)
        assert not stale, "%s: %d answers named a member down past its bound" % (name, len(stale))
        return line


# ---- the faults ---------------------------------------------------------------------------

def prober_killed(d):
    d.pharos.health.kill()
    time.sleep(float(os.environ.get("PHAROS_DRILL_PROBER_DEAD", "30")))
    d.pharos.health.start()
    d.pharos.health.logged_since_start("metrics and status on")
    return "pharos-health dead %ss" % os.environ.get("PHAROS_DRILL_PROBER_DEAD", "30")


def backend_killed(d):
    d.pharos.backend.kill()
    time.sleep(1)  # systemd's RestartSec=1
    d.pharos.backend.start()
    d.pharos.backend.logged_since_start("listening on")
    return "backend restarted after 1s (it binds its own socket)"


def backend_killed_socket_held(d):
    """The same with the socket held the way pharos-backend.socket holds it."""
    from systemd_test import HeldSocket, activated  # noqa: the e2e suite's helpers
    d.pharos.backend.stop()
    held = HeldSocket(d.socket_path)
    activated(d.pharos.backend, held)
    time.sleep(1)
    d.pharos.backend.kill()
    time.sleep(1)
    activated(d.pharos.backend, held)
    time.sleep(1)
    d.held = held
    return "backend restarted after 1s, socket held for it"


def pdns_restarted(d):
    d.pdns.stop()
    d.pdns.start()
    return "pdns stopped and started"


def table_deleted(d):
    d.members["www2"].kill()  # a member known down, which fail-open would answer
    d.down_since["127.0.32.1"] = time.monotonic()
    assert wait_until(lambda: status_of(d, "www2") == "down", BOUND + 2)
    os.unlink("/dev/shm" + d.table)
    republished = wait_until(lambda: os.path.exists("/dev/shm" + d.table), 3)
    assert republished, "the prober did not publish its table again"
    return "table removed; published again by the prober"


def reloads(d):
    d.write_lb(broken=True)
    d.pharos.backend.send(signal.SIGHUP)
    d.pharos.health.send(signal.SIGHUP)
    time.sleep(1)
    d.write_lb()
    d.pharos.backend.send(signal.SIGHUP)
    d.pharos.health.send(signal.SIGHUP)
    return "a broken configuration then a good one"


def admin_state_unwritable(d):
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d.state_dir],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        return "SKIPPED: cannot mount a tmpfs here (%s)" % mounted.stderr.strip()
    ctl = os.path.join(d.bin_dir, "pharosctl")
    try:
        subprocess.run(["dd", "if=/dev/zero", "of=" + d.state_dir + "/filler", "bs=4k"],
                       capture_output=True)
        full = subprocess.run([ctl, "-c", d.config, "drain", "web", "www1"], capture_output=True,
                              text=True)
        os.unlink(d.state_dir + "/filler")
        subprocess.run(["mount", "-o", "remount,ro", d.state_dir], check=True)
        ro = subprocess.run([ctl, "-c", d.config, "drain", "web", "www1"], capture_output=True,
                            text=True)
        assert full.returncode == 1 and ro.returncode == 1, (full, ro)
        return "drain refused on a full and on a read-only filesystem"
    finally:
        subprocess.run(["umount", d.state_dir], capture_output=True)


def misbehaving_members(d):
    """Members that hang, trickle, flood, babble and reset, checked while the load runs."""
    for mode in MISBEHAVING:
        d.down_since.setdefault(d.members[mode].address, time.monotonic())
    states = {m: status_of(d, m, "bad") for m in MISBEHAVING}
    answers = collections.Counter(tuple(dig(BAD_NAME, "A", PDNS_PORT).values())
                                  for _ in range(20))
    rss = rss_mb(d.pharos.health.proc.pid)
    assert all(s == "down" for s in states.values()), states
    assert answers == {("127.0.39.1",): 20}, answers
    assert rss < 200, "pharos-health grew to %d MB" % rss
    return "all five down (%s), only the good member answered, prober RSS %d MB" % (
        ", ".join("%s: %s" % kv for kv in states.items()), rss)


def many_connections(d):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    sockets, refused = [], 0
    half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    half.connect(d.socket_path)
    half.sendall(b'{"method":"lookup","parameters":{"qtype":"A","qna')  # and nothing more
    for _ in range(10000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(d.socket_path)
            sockets.append(s)
        except OSError:
            refused += 1
            s.close()
    time.sleep(2)
    rss = rss_mb(d.pharos.backend.proc.pid)
    for s in sockets:
        s.close()
    half.close()
    return "10,000 connections opened (%d refused by the kernel), one half request; backend " \
           "RSS %d MB" % (refused, rss)


def status_of(d, member, pool="web"):
    out = subprocess.run([os.path.join(d.bin_dir, "pharosctl"), "-c", d.config, "status",
                          "--json"], capture_output=True, text=True).stdout
    for p in json.loads(out)["pools"]:
        for m in p["members"]:
            if p["name"] == pool and m["name"] == member:
                return m.get("state")
    return None


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s*(\d+)", f.read()).group(1)) // 1024


DRILLS = [
    ("prober-killed", prober_killed, (), 4),
    ("backend-killed", backend_killed, ("SERVFAIL", "timeout"), 2),
    ("backend-killed-socket-held", backend_killed_socket_held, ("SERVFAIL", "timeout"), 2),
    ("pdns-restarted", pdns_restarted, ("timeout",), 2),
    ("table-deleted", table_deleted, (), 3),
    ("broken-then-good-reload", reloads, (), 2),
    ("admin-state-unwritable", admin_state_unwritable, (), 1),
    ("misbehaving-members", misbehaving_members, (), 1),
    ("10k-connections", many_connections, (), 1),
]


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    chosen = [dr for dr in DRILLS if len(sys.argv) < 3 or dr[0] in sys.argv[2:]]
    d = Drills(bin_dir)
    failed = 0
    try:
        d.start()
        # The misbehaving members must have been judged before their drill.
        wait_until(lambda: all(status_of(d, m, "bad") == "down" for m in MISBEHAVING), 10)
        for name, fault, allowed, settle in chosen:
            try:
                d.run(name, fault, allowed, settle)
            except Exception:
                failed += 1
                print("FAIL drill", name, flush=True)
                traceback.print_exc()
                print(d.logs())
    finally:
        if getattr(d, "held", None):
            d.pharos.backend.stop()
            d.held.close()
        d.stop()
        for report in sanitizer_reports(d.dir):
            failed += 1
            print("SANITIZER REPORT in " + report)
        if failed == 0:
            remove_workdir(d.dir)
    print("%d drills, %d failed" % (len(chosen), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
