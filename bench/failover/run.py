#!/usr/bin/env python3
"""Failover against its bound, through a real pdns_server (caches off): the preferred member of
a fogroup pool is broken again and again (killed with SIGKILL, made to answer 500, made to
hang) and the time until pdns answers the other member is measured with a DNS poll every 5 ms.
Prints min, median, p95 and max per probe timing and kind of failure, against the bound
interval x (retries + 1) + timeout.

  bench/failover/run.py BIN_DIR [FAST_TRIALS] [SLOW_TRIALS]     (defaults: 50 and 20)
  bench/failover/run.py BIN_DIR --steady SECONDS                (no false failover, 100 ms)"""
import os
import signal
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "faults"))
from dnsprobe import parse_reply, query_packet  # noqa: E402
from harness import Member, Pdns, Pharos, make_workdir, remove_workdir, wait_until  # noqa: E402

PDNS_PORT, MEMBER_PORT = 5385, 18480
NAME = "www.failover.test"
POLL = 0.005
PRIMARY, SECONDARY = "127.0.51.1", "127.0.52.1"


class Poller:
    """One A query at a time over UDP; `answer()` is what pdns says now."""

    def __init__(self, timeout=0.05):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.qid = 0

    def answer(self):
        self.qid = (self.qid + 1) % 65536
        self.sock.sendto(query_packet(self.qid, NAME), ("127.0.0.1", PDNS_PORT))
        try:
            while True:
                qid, rcode, addresses = parse_reply(self.sock.recv(4096))
                if qid == self.qid:
                    return addresses
        except socket.timeout:
            return None

    def until(self, addresses, limit):
        """Seconds until the answer is `addresses`, polling every POLL; None past `limit`."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            tick = time.monotonic()
            if self.answer() == addresses:
                return time.monotonic() - start
            time.sleep(max(0.0, POLL - (time.monotonic() - tick)))
        return None


class World:
    def __init__(self, bin_dir, interval, timeout, retries):
        self.dir = make_workdir("pharos-failover-")
        self.table = "/pharos-failover-%d" % os.getpid()
        config = os.path.join(self.dir, "pharos.yaml")
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write("pools:\n  web:\n    monitor: http\n"
                    "    monitor_params: {port: %d, interval: %s, timeout: %s, retries: %d}\n"
                    "    lb_method: fogroup\n    members:\n"
                    "    - {ip: %s, name: primary, weight: 1}\n"
                    "    - {ip: %s, name: secondary, weight: 1}\n"
                    "globalnames:\n  %s.: {pool: web, ttl: 1}\n"
                    % (MEMBER_PORT, interval, timeout, retries, PRIMARY, SECONDARY, NAME))
        with open(config, "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\nlog_level: warning\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root}\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19189'}\n"
                    % (self.dir, self.table, self.dir))
        self.primary = Member(PRIMARY, MEMBER_PORT, "primary", self.dir)
        self.secondary = Member(SECONDARY, MEMBER_PORT, "secondary", self.dir)
        self.pharos = Pharos(bin_dir, config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", ["failover.test"],
                         config, bin_dir)

    def start(self):
        self.primary.start()
        self.secondary.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()

    def stop(self):
        for p in [self.pdns, self.pharos.backend, self.pharos.health, self.primary,
                  self.secondary]:
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)
        remove_workdir(self.dir)

    def transitions(self):
        out = os.popen("curl -s 127.0.0.1:19189/metrics").read()
        samples = [float(l.rsplit(" ", 1)[1]) for l in out.splitlines()
                   if l.startswith("pharos_member_transitions_total{")]
        assert len(samples) == 2, "no transition counts in /metrics:\n" + out[:2000]
        return sum(samples)


def breaks(world, kind):
    if kind == "kill":
        world.primary.kill()
    else:
        world.primary.send(signal.SIGUSR1 if kind == "500" else signal.SIGUSR2)


def mends(world, kind):
    if kind == "kill":
        world.primary.start()
    else:
        world.primary.send(signal.SIGHUP)
        if kind == "hang":  # the hung handler threads sleep on; a fresh process is cleaner
            world.primary.kill()
            world.primary.start()


def trials(bin_dir, interval, timeout, retries, count):
    bound = interval * (retries + 1) + timeout
    world = World(bin_dir, interval, timeout, retries)
    poller = Poller()
    lines, first = [], None
    try:
        world.start()
        # The first trial runs right after the start: the failover that matters most.
        assert poller.until([PRIMARY], 10) is not None, "pharos never answered"
        for kind in ["kill", "500", "hang"]:
            times, failbacks, missed = [], [], 0
            for _ in range(count):
                assert poller.until([PRIMARY], 10) is not None
                time.sleep(interval * 1.5)  # a moment of steady state, at a random phase
                breaks(world, kind)
                took = poller.until([SECONDARY], bound + 5)
                if took is None:
                    missed += 1
                else:
                    times.append(took)
                if first is None:
                    first = took
                    print("interval %.1fs: first failover after the start %.3f s (bound %.3f)"
                          % (interval, took if took is not None else float("nan"), bound),
                          flush=True)
                repaired = time.monotonic()
                mends(world, kind)  # a killed or hung member is restarted: counted in
                back = poller.until([PRIMARY], bound + 10)
                if back is not None:
                    failbacks.append(time.monotonic() - repaired)
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
            line = ("interval %.1fs timeout %.1fs retries %d, %-4s: %2d trials, failover min "
                    "%.3f median %.3f p95 %.3f max %.3f s (bound %.3f, max - bound %+.3f), "
                    "failback from the repair median %.3f, %d never" % (
                        interval, timeout, retries, kind, count, times[0],
                        statistics.median(times), p95, times[-1], bound, times[-1] - bound,
                        statistics.median(failbacks) if failbacks else float("nan"), missed))
            print(line, flush=True)
            lines.append((line, times[-1] - bound))
    finally:
        world.stop()
    return lines


def steady(bin_dir, seconds):
    """Healthy members at 100 ms probes: no state change, no answer but the primary."""
    world = World(bin_dir, 0.1, 0.1, 1)
    # A reply later than the trials' 50 ms poll (pdns beside CI's background builds) is slow,
    # not a failover: wait a second for it, so "not the primary" means a wrong answer or none.
    poller = Poller(timeout=1.0)
    try:
        world.start()
        assert poller.until([PRIMARY], 10) is not None
        before = world.transitions()
        end, wrong, asked = time.monotonic() + seconds, 0, 0
        while time.monotonic() < end:
            asked += 1
            wrong += poller.answer() != [PRIMARY]
            time.sleep(0.01)
        changes = world.transitions() - before
        print("steady %ds at 100 ms probes: %d answers, %d not the primary, %d state changes"
              % (seconds, asked, wrong, changes))
        return wrong == 0 and changes == 0
    finally:
        world.stop()


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "--steady":
        return 0 if steady(bin_dir, int(sys.argv[3])) else 1
    fast = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    slow = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    print("poll period %.0f ms, pdns caches off" % (POLL * 1000))
    results = trials(bin_dir, 0.1, 0.1, 1, fast) + trials(bin_dir, 1.0, 1.0, 1, slow)
    over = [line for line, excess in results if excess > 0.05]
    print("every maximum within bound + 50 ms" if not over else
          "%d over bound + 50 ms" % len(over))
    return 0


if __name__ == "__main__":
    sys.exit(main())
