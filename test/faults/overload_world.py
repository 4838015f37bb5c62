"""The world of the overload drills (overload.py): a fleet of members served by one C++
process (fault_fleet_members), pharos-health and pharos-backend for a generated pool file,
pdns under dnsperf load, and the watchers that keep what happened: the prober's /metrics
scraped on a period (member verdicts, transitions, the prober's own lateness, its RSS) and
the globalnames' answers asked by dig from more than one source address."""
import collections
import os
import re
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from harness import (Deployment, Pdns, Pharos, make_workdir, parse_dig_replies,  # noqa: E402
                     remove_workdir, sanitizer_reports, wait_until)

PDNS_PORT, HTTP_PORT = 5387, 19192
ZONE = "ovl.test"
SOURCES = ["127.0.0.1", "127.0.0.2"]  # dig asks from both: answers must not depend on it
LOAD_QPS = 500


class Fleet:
    """fault_fleet_members: one listener per (address, port); close() stops one member."""

    def __init__(self, binary, kind, listeners, log_dir, threads=1):
        self.log_path = os.path.join(log_dir, "fleet-%s.log" % kind)
        self.proc = subprocess.Popen([binary, kind, str(threads)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(self.log_path, "ab"),
                                     text=True, bufsize=1)
        self.proc.stdin.write("".join("%s %d\n" % lp for lp in sorted(set(listeners))) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError("fleet did not start: %r" % line)

    def close(self, address, port):
        self.proc.stdin.write("close %s %d\n" % (address, port))
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().startswith("closed"), (address, port)

    def served(self):
        self.proc.stdin.write("served\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline().split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{name: [(labels dict, value)]} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        m = METRIC.match(line)
        if m:
            labels = dict(LABEL.findall(m.group(3) or ""))
            out.setdefault(m.group(1), []).append((labels, float(m.group(4))))
    return out


def scrape(timeout=10):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % HTTP_PORT,
                                timeout=timeout) as r:
        return parse_metrics(r.read().decode())


def gauge(metrics, name, default=None):
    samples = metrics.get(name)
    return samples[0][1] if samples else default


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s*(\d+)", f.read()).group(1)) / 1024


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProberWatch(threading.Thread):
    """Scrapes /metrics every `every` s: members seen down (pool/member -> first time),
    the greatest transition counts, the prober's overload gauges (their maxima, None while
    absent: main has none of them) and its greatest RSS. `expected_down` names members the
    drill stops (they are watched apart: when they went down)."""

    GAUGES = ["pharos_prober_behind_schedule", "pharos_prober_checks_waiting",
              "pharos_prober_lateness_seconds", "pharos_prober_loop_lag_seconds",
              "pharos_prober_checks_in_flight", "pharos_prober_members_stale"]
    TABLE = ["pharos_health_table_verdicts_used", "pharos_health_table_heartbeat_age_seconds"]
    COUNTERS = ["pharos_prober_checks_late_total", "pharos_prober_checks_skipped_total",
                "pharos_prober_failures_discounted_total"]

    def __init__(self, pid, every, expected_down=()):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.expected_down = set(expected_down)
        self.false_down = {}  # "pool/member" -> seconds into the watch, first seen down
        self.went_down = {}   # expected_down member -> monotonic time it was first seen down
        self.transitions = {}  # "pool/member" -> changes since the first scrape
        self.base = {}
        self.peak = {}        # gauge -> greatest value seen
        self.low = {}         # gauge -> least value seen
        self.lateness = []    # (monotonic, pharos_prober_lateness_seconds)
        self.last = {}
        self.rss_max = 0.0
        self.scrapes = self.errors = 0
        self.started = time.monotonic()
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            began = time.monotonic()
            try:
                self.rss_max = max(self.rss_max, rss_mb(self.pid))
                self.take(scrape(timeout=3), began)
            except Exception:  # a prober too busy to answer in time is seen on the next scrape
                self.errors += 1
            self._halt.wait(max(0.0, self.every - (time.monotonic() - began)))

    def take(self, m, now):
        self.scrapes += 1
        for labels, value in m.get("pharos_member_up", []):
            key = "%s/%s" % (labels.get("pool"), labels.get("member"))
            if value == 1:
                continue
            if labels.get("member") in self.expected_down:
                self.went_down.setdefault(labels.get("member"), now)
            else:
                self.false_down.setdefault(key, round(now - self.started, 1))
        # The first verdict (unknown -> up) counts too: what counts is any change after it.
        first = not self.base
        for labels, value in m.get("pharos_member_transitions_total", []):
            key = "%s/%s" % (labels.get("pool"), labels.get("member"))
            if first:
                self.base[key] = value
            self.transitions[key] = max(self.transitions.get(key, 0), value - self.base[key])
        for name in self.GAUGES + self.COUNTERS + self.TABLE:
            value = gauge(m, name)
            if value is not None:
                self.peak[name] = max(self.peak.get(name, value), value)
                self.low[name] = min(self.low.get(name, value), value)
                self.last[name] = value
        late = gauge(m, "pharos_prober_lateness_seconds")
        if late is not None:
            self.lateness.append((now, late))
        self.last["delay_count"] = sum(v for l, v in m.get(
            "pharos_prober_schedule_delay_seconds_bucket", []) if l.get("le") == "+Inf")
        self.last["delay_over_1s"] = self.last["delay_count"] - sum(v for l, v in m.get(
            "pharos_prober_schedule_delay_seconds_bucket", []) if l.get("le") == "1")

    def lateness_around(self, since):
        """The greatest lateness the prober reported from `since` (monotonic) on, 0 without."""
        return max([late for t, late in self.lateness if t >= since - self.every] + [0.0])

    def stop(self):
        self._halt.set()
        self.join()

    def false_transitions(self):
        return {k: v for k, v in self.transitions.items()
                if v and k.split("/", 1)[1] not in self.expected_down}

    def overloaded(self):
        return (self.peak.get("pharos_prober_behind_schedule", 0) >= 1 or
                self.peak.get("pharos_prober_checks_waiting", 0) > 0)

    def summary(self):
        return ("%d scrapes (%d failed), RSS max %.0f MB, peaks %s, schedule delays over 1 s "
                "%s of %s" % (self.scrapes, self.errors, self.rss_max,
                              {k[len("pharos_prober_"):]: v for k, v in self.peak.items()
                               if k.startswith("pharos_prober_")}
                              or "none (no overload metrics)",
                              self.last.get("delay_over_1s"), self.last.get("delay_count")))


# One name's answer in one dig: `sent` and `answered` are dig's start and end (monotonic).
Answer = collections.namedtuple("Answer", "sent source name status values answered")


class AnswerWatch(threading.Thread):
    """dig, from each source address in turn, asks for every name every `every` s; keeps an
    Answer for each."""

    def __init__(self, names, every=0.25):
        super().__init__(daemon=True)
        self.names, self.every = names, every
        self.seen = []
        self._halt = threading.Event()

    def run(self):
        turn = 0
        while not self._halt.is_set():
            source = SOURCES[turn % len(SOURCES)]
            turn += 1
            now = time.monotonic()
            argv = ["dig", "@127.0.0.1", "-p", str(PDNS_PORT), "-b", source, "+norecurse",
                    "+time=1", "+tries=1", "+nocookie"]
            for name in self.names:
                argv += [name, "A"]
            try:
                out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
            except subprocess.TimeoutExpired:
                out = ""
            # Matched by their question, not their order: a query that timed out leaves no
            # reply in dig's output, and the next name's reply would take its place.
            replies = {a.question: a for a in parse_dig_replies(out)}
            answered = time.monotonic()
            for name in self.names:
                answer = replies.get(name.lower().rstrip(".") + ".")
                status = answer.status if answer else "TIMEOUT"
                values = tuple(answer.values("A")) if answer else ()
                self.seen.append(Answer(now, source, name, status, values, answered))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()

    def unexpected(self, expected, origin=0.0, excuse=lambda t, status: False):
        """Answers not as `expected(name, t)` (a set of acceptable address tuples) and not
        excused, with their time in seconds from `origin` (monotonic). pdns answered at some
        moment between dig's start and end: a dig started just before a change and answered
        after it may carry either side's answer (seen under CI's load), so both count."""
        return [("+%.2fs" % (a.sent - origin), a.source, a.name, a.status, a.values)
                for a in self.seen
                if (a.status != "NOERROR" or a.values not in
                    expected(a.name, a.sent) | expected(a.name, a.answered))
                and not excuse(a.sent, a.status)]

    def sources(self):
        return sorted({a.source for a in self.seen})


class World(Deployment):
    """pharos + pdns for `lb_text`, with `health` settings added to pharos.yaml."""

    def __init__(self, bin_dir, lb_text, health="", name="overload"):
        self.bin_dir = bin_dir
        self.dir = make_workdir("pharos-%s-" % name)
        self.table = "/pharos-%s-%d" % (name, os.getpid())
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.members, self.fleets, self.load = {}, [], None
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(lb_text)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\nlog_level: info\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root%s}\n"
                    "admin_state: %s/admin-state.json\ncontrol: {socket: %s/control.sock}\n"
                    "http: {listen: '127.0.0.1:%d'}\n"
                    % (self.dir, self.table, ", " + health if health else "", self.dir,
                       self.dir, HTTP_PORT))
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, os.path.join(self.dir, "backend.sock"), [ZONE],
                         self.config, bin_dir)

    def start(self, ready_within=60):
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()
        ready = wait_until(lambda: self.ready(), ready_within, 0.5)
        if not ready:
            raise RuntimeError("the table never became ready:\n" + self.logs())

    def ready(self):
        try:
            return gauge(scrape(), "pharos_health_table_verdicts_used") == 1
        except Exception:
            return False

    def start_load(self, names):
        queries = os.path.join(self.dir, "queries")
        with open(queries, "w") as f:
            f.write("".join("%s A\n" % n for n in names))
        self.load = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(PDNS_PORT), "-d",
                                      queries, "-l", "3600", "-Q", str(LOAD_QPS), "-c", "4"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop_load(self):
        """dnsperf's summary: queries sent and the response codes."""
        if self.load is None:
            return ""
        self.load.send_signal(2)
        try:
            out = self.load.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:  # seen after the clock steps: dnsperf times by it
            self.load.kill()
            out = self.load.communicate()[0] + "\n(dnsperf did not end on SIGINT: killed)"
        self.load = None
        sent = re.search(r"Queries sent:\s*(\d+)", out)
        codes = re.search(r"Response codes:\s*(.*)", out)
        return "dnsperf sent %s, %s" % (sent.group(1) if sent else "?",
                                        codes.group(1).strip() if codes else "no rcodes")

    def stop(self):
        self.stop_load()
        super().stop()
        for fleet in self.fleets:
            fleet.stop()

    def alive(self):
        return [p.name for p in self.servers() if not p.running()]


# ---- what the drills share: the pool file, the verdict, the common checks ----------------

def pool_yaml(name, monitor, params, members, method="fogroup"):
    """members: (name, ip, monitor_ip, monitor_port)."""
    lines = ["  %s:" % name, "    monitor: %s" % monitor,
             "    monitor_params: {%s}" % ", ".join("%s: %s" % kv for kv in params.items()),
             "    lb_method: %s" % method, "    members:"]
    lines += ["    - {ip: %s, name: %s, weight: 1, monitor_ip: %s, monitor_port: %d}"
              % (ip, n, mip, mport) for n, ip, mip, mport in members]
    return "\n".join(lines) + "\n"


def lb_yaml(pools, names):
    return ("pools:\n" + "".join(pools) + "globalnames:\n" +
            "".join("  %s.%s.: {pool: %s, ttl: 1}\n" % (n, ZONE, p) for n, p in names.items()))


def fqdn(name):
    return "%s.%s." % (name, ZONE)


class Verdict:
    """What a drill found: every failed check is kept (not only the first) and printed."""

    def __init__(self, name):
        self.name, self.failures, self.notes = name, [], []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)

    def note(self, text):
        self.notes.append(text)
        print("  %s: %s" % (self.name, text), flush=True)

    def close(self):
        for f in self.failures:
            print("  %s FAILED: %s" % (self.name, f), flush=True)
        assert not self.failures, "%s: %d checks failed" % (self.name, len(self.failures))


def moved_in_time(answers, name, before, after, since, bound, until=float("inf")):
    """When `name`, answered `before`, was first answered `after` from `since` on: the
    answers must move at most `bound` s after `since` and not back before `until`."""
    seen = [(a.sent, a.values) for a in answers.seen if a.name == name and since <= a.sent < until]
    first_after = next((t for t, v in seen if v == after), None)
    back = [t for t, v in seen if first_after and t > first_after and v == before]
    took = None if first_after is None else first_after - since
    return took, took is not None and took <= bound and not back


def report(v, w, watch, answers, expected, excuse=lambda t, status: False):
    """The checks every drill shares: no false down, no answer it does not explain, all
    alive; and the line that says what was seen."""
    v.note("prober: %s" % watch.summary())
    v.note("dig asked %d times from %s; %s" % (len(answers.seen), ", ".join(answers.sources()),
                                               w.stop_load()))
    v.check(not watch.false_down, "%d healthy members seen down, first %s"
            % (len(watch.false_down), sorted(watch.false_down.items(), key=lambda kv: kv[1])[:8]))
    false_transitions = watch.false_transitions()
    v.check(not false_transitions, "%d healthy members changed state: %s"
            % (len(false_transitions), sorted(false_transitions.items())[:8]))
    wrong = answers.unexpected(expected, watch.started, excuse)
    v.check(not wrong, "%d answers changed or failed (from the watch's start): first %s"
            % (len(wrong), wrong[:8]))
    v.check(len(answers.sources()) == 2, "dig did not ask from two sources")
    v.check(not w.alive(), "not running after the drill: %s" % w.alive())


def stop_watchers(*watchers):
    """In a drill's finally: stops what still runs, whatever fails on the way."""
    for t in watchers:
        try:
            if t is not None and getattr(t, "_thread", t).is_alive():
                t.stop()
        except Exception:
            traceback.print_exc()


def finish(v, w):
    for r in sanitizer_reports(w.dir):
        v.check(False, "sanitizer report: " + r[:2000])
    if v.failures:
        print(w.logs()[-4000:])
    w.stop()
    if v.failures:
        print("    kept " + w.dir)
    else:
        remove_workdir(w.dir)
    v.close()
