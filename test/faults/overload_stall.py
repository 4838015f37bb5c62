"""The overload drills where the prober is held back rather than overloaded: stopped and
thawed, held to 5 % of a core, and the host clock stepped under it (see overload.py)."""
import os
import signal
import subprocess
import sys
import time
import traceback

from dnsprobe import DnsSampler
from overload_world import (PDNS_PORT, cpu_seconds, AnswerWatch, Fleet, ProberWatch, Verdict, World, finish,
                            fqdn, lb_yaml, moved_in_time, pool_yaml, report, stop_watchers)

LONG = "--long" in sys.argv


def sampled_wrong(sampler_samples, expected, origin, excuse=lambda t, outcome: False):
    """Samples (a DnsSampler's, every 5 ms) that were not NOERROR with an expected answer
    and not excused, with their time in seconds from `origin` (monotonic)."""
    return [("+%.2fs" % (s.sent - origin), s.outcome, tuple(s.addresses)) for s in
            sampler_samples
            if (s.outcome != "ok" or tuple(sorted(s.addresses)) not in expected(s.sent))
            and not excuse(s.sent, s.outcome)]


# ---- b) the prober stopped, then starved --------------------------------------------------

# http rather than tcp: a check costs the prober more, so 5 % of a core is well short of what
# 300 members at 0.2 s need (measured and printed: the prober's CPU before the squeeze).
BULK = {"port": 22200, "interval": 0.2, "timeout": 0.2, "retries": 0}
BULK_BOUND = (BULK["retries"] + 1) * BULK["interval"] + BULK["timeout"]
HTTP = {"port": 22210, "interval": 0.5, "timeout": 0.4, "retries": 1}


class CpuQuota:
    """A cgroup holding one process to `percent` of a core: v2's cpu.max where the unified
    hierarchy has the cpu controller, else v1's cfs quota. None of either: unusable()."""

    def __init__(self, percent):
        self.percent, self.dir, self.parent = percent, None, None
        for root, v2 in [("/sys/fs/cgroup", True), ("/sys/fs/cgroup/unified", True),
                         ("/sys/fs/cgroup/cpu", False)]:
            controllers = os.path.join(root, "cgroup.controllers")
            if v2 and not (os.path.exists(controllers) and
                           "cpu" in open(controllers).read().split()):
                continue
            if not v2 and not os.path.exists(os.path.join(root, "cpu.cfs_quota_us")):
                continue
            try:
                path = os.path.join(root, "pharos-overload-%d" % os.getpid())
                os.makedirs(path, exist_ok=True)
                if v2:
                    self.write(path, "cpu.max", "%d 100000" % (percent * 1000))
                else:
                    self.write(path, "cpu.cfs_period_us", "100000")
                    self.write(path, "cpu.cfs_quota_us", str(percent * 1000))
                self.dir, self.parent, self.kind = path, root, "v2" if v2 else "v1"
                return
            except OSError:
                continue

    @staticmethod
    def write(path, name, value):
        with open(os.path.join(path, name), "w") as f:
            f.write(value)

    def usable(self):
        return self.dir is not None

    def hold(self, pid):
        self.write(self.dir, "cgroup.procs", str(pid))

    def release(self, pid):
        try:
            self.write(self.parent, "cgroup.procs", str(pid))
        except OSError:
            pass  # the process is gone
        os.rmdir(self.dir)


def stalled_prober(bin_dir, fleet_binary):
    v = Verdict("stalled-prober")
    where = [("127.3.0.%d" % (1 + i % 100), 22200 + i // 100) for i in range(300)]
    pools = [pool_yaml("t%d" % p, "http", BULK, [("t%d" % i, "10.3.0.%d" % (i % 250 + 1), *where[i])
                                              for i in range(p * 100, (p + 1) * 100)])
             for p in range(3)]
    victim, standby = ("victim", "10.3.2.1", "127.3.2.1", 22200), \
        ("standby", "10.3.2.2", "127.3.2.2", 22200)
    fo = [("fo1", "10.3.1.1", "127.3.1.1", 22210), ("fo2", "10.3.1.2", "127.3.1.2", 22210)]
    pools += [pool_yaml("vpool", "http", BULK, [victim, standby]), pool_yaml("fo", "http", HTTP, fo)]
    names = {"fo": "fo", "t0": "t0", "v": "vpool"}
    # stale_after over the stall: this drill is about the verdicts, not the heartbeat's age.
    w = World(bin_dir, lb_yaml(pools, names), health="stale_after: 30s", name="overload-stall")
    watch = answers = sampler = None
    quota = CpuQuota(5)
    stall, squeeze = (30, 45) if LONG else (10, 15)
    try:
        w.fleets.append(Fleet(fleet_binary, "http", where + [victim[2:], standby[2:]], w.dir))
        w.fleets.append(Fleet(fleet_binary, "http", [m[2:] for m in fo], w.dir))
        w.start()
        pid = w.pharos.health.proc.pid
        w.start_load([fqdn(n) for n in names])
        watch = ProberWatch(pid, 0.5, expected_down=["victim"])
        answers = AnswerWatch([fqdn(n) for n in names], every=0.2)
        sampler = DnsSampler(fqdn("fo"), PDNS_PORT)
        watch.start(), answers.start(), sampler.start()
        time.sleep(5)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(stall / 2)
        closed = time.monotonic()
        w.fleets[0].close(*victim[2:])
        time.sleep(stall / 2)
        os.kill(pid, signal.SIGCONT)
        resumed = time.monotonic()
        v.note("pharos-health stopped %d s; the victim closed %.1f s before SIGCONT"
               % (stall, resumed - closed))
        time.sleep(6)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(2)
        v.note("pharos-health used %.0f %% of a core unhindered"
               % (100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)))
        squeezed = time.monotonic()
        if quota.usable():
            quota.hold(pid)
            time.sleep(squeeze)
            quota.release(pid)
            v.note("pharos-health held to 5 %% of a core (cgroup %s) for %.0f s"
                   % (quota.kind, time.monotonic() - squeezed))
        else:
            v.note("SKIPPED the cpu quota: no writable cgroup cpu controller here")
        time.sleep(8)
        for t in (watch, answers):
            t.stop()
        samples = sampler.stop()
        # Its bound counts from SIGCONT: the prober's lateness then is the stall itself,
        # which must not stretch it. 1 s of slack for dig's period and a busy machine.
        took, moved = moved_in_time(answers, fqdn("v"), ("10.3.2.1",), ("10.3.2.2",), resumed,
                                    BULK_BOUND + 1.0, until=squeezed)
        v.note("the victim's answer moved %s s after SIGCONT (bound %.1f s + 1 s of slack)"
               % (None if took is None else round(took, 2), BULK_BOUND))
        v.check(moved, "the member stopped during the stall was not found down in its bound")

        def expected(name, t):
            if name == fqdn("v"):
                return {("10.3.2.1",)} if t < resumed else {("10.3.2.1",), ("10.3.2.2",)}
            return {("10.3.1.1",)} if name == fqdn("fo") else {("10.3.0.1",)}
        report(v, w, watch, answers, expected)
        wrong = sampled_wrong(samples, lambda t: {("10.3.1.1",)}, watch.started)
        v.note("fogroup sampled %d times every 5 ms, %d not the preferred member"
               % (len(samples), len(wrong)))
        v.check(not wrong, "the fogroup's answers moved: first %s" % wrong[:8])
    except Exception:
        traceback.print_exc()
        v.check(False, "the drill broke:\n" + w.logs())
    finally:
        if w.pharos.health.running():
            w.pharos.health.send(signal.SIGCONT)
        if quota.usable() and os.path.isdir(quota.dir):
            quota.release(w.pharos.health.proc.pid)
        stop_watchers(watch, answers, sampler)
        finish(v, w)


# ---- c) the host clock stepped ------------------------------------------------------------

CLOCK_HTTP = {"port": 22300, "interval": 1, "timeout": 0.5, "retries": 1}


class SteppedClock:
    """Steps CLOCK_REALTIME by an offset from the true time, which it keeps from a monotonic
    measure: restore() (in a finally) puts the true time back whatever happened."""

    def __init__(self):
        self.real0, self.mono0 = time.clock_gettime(time.CLOCK_REALTIME), time.monotonic()

    def true_now(self):
        return self.real0 + (time.monotonic() - self.mono0)

    def step(self, offset):
        time.clock_settime(time.CLOCK_REALTIME, self.true_now() + offset)

    def restore(self):
        self.step(0)


def clock_steps(bin_dir, fleet_binary):
    v = Verdict("clock-steps")
    try:
        SteppedClock().restore()
    except PermissionError:
        v.note("SKIPPED: setting the clock needs root (CAP_SYS_TIME)")
        return
    where = [("127.4.0.%d" % (1 + i), 22300) for i in range(50)]
    d = [("d1", "10.4.1.1", "127.4.1.1", 22300), ("d2", "10.4.1.2", "127.4.1.2", 22300)]
    pools = [pool_yaml("c0", "http", CLOCK_HTTP, [("c%d" % i, "10.4.0.%d" % (1 + i), *where[i])
                                                  for i in range(50)]),
             pool_yaml("d", "http", CLOCK_HTTP, d)]
    names = {"c": "c0", "d": "d"}
    w = World(bin_dir, lb_yaml(pools, names), health="stale_after: 3s", name="overload-clock")
    watch = answers = None
    samplers = []
    clock = None
    hold = 24 if LONG else 8
    try:
        w.fleets.append(Fleet(fleet_binary, "http", where + [m[2:] for m in d], w.dir))
        w.start()
        w.start_load([fqdn(n) for n in names])
        watch = ProberWatch(w.pharos.health.proc.pid, 0.2)
        answers = AnswerWatch([fqdn(n) for n in names], every=0.2)
        samplers = [DnsSampler(fqdn(n), PDNS_PORT).start() for n in names]
        watch.start(), answers.start()
        time.sleep(2)
        drained = time.monotonic()
        out = w.ctl("drain", "d", "d1", "--reason", "clock drill", "--until", "2m")
        v.check(out.returncode == 0, "drain --until 2m failed: %s%s" % (out.stdout, out.stderr))
        time.sleep(2)
        clock = SteppedClock()
        steps = [time.monotonic()]
        clock.step(-300)
        time.sleep(hold)
        steps.append(time.monotonic())
        clock.restore()
        time.sleep(3)
        steps.append(time.monotonic())
        clock.step(300)
        time.sleep(hold)
        steps.append(time.monotonic())
        clock.restore()
        time.sleep(3)
        back, forward, restored = steps[0], steps[2], steps[3]
        v.note("drained d1 until 2m at +%.1fs; clock -5 min at +%.1fs for %d s, +5 min at "
               "+%.1fs for %d s (from the watch's start)" % (drained - watch.started,
                                                             back - watch.started, hold,
                                                             forward - watch.started, hold))
        for t in (watch, answers):
            t.stop()
        samples = {n: s.stop() for n, s in zip(names, samplers)}

        def d_expected(t):
            if t < drained:
                return {("10.4.1.1",)}
            if t < drained + 1.5 or forward <= t < forward + 1.5:
                return {("10.4.1.1",), ("10.4.1.2",)}  # the drain, then its wall-clock end
            return {("10.4.1.2",)} if t < forward else {("10.4.1.1",)}

        def expected(name, t):
            return d_expected(t) if name == fqdn("d") else {("10.4.0.1",)}

        # pdns itself loses the few queries it holds at a forward step of the clock (seen
        # with stale_after: 1h, the table fresh and every answer right): a query with no
        # answer at all, within 0.25 s of a step (dig's own 1 s wait, timed by the wall
        # clock, may span one), is counted and printed, not failed. A wrong answer or a
        # SERVFAIL is never excused. A sampled query sent up to 0.5 s before a step may still
        # be in pdns's hands at it: under CI's background builds one sent 60 ms before was.
        def dig_excuse(t, status):
            return status == "TIMEOUT" and any(s - 1.2 <= t < s + 0.25 for s in steps)

        def sample_excuse(t, outcome):
            return outcome == "timeout" and any(s - 0.5 <= t < s + 0.25 for s in steps)
        excused = sum(sample_excuse(x.sent, x.outcome) for n in names for x in samples[n])
        v.note("%d sampled queries unanswered from 0.5 s before to 0.25 s after a clock step "
               "(excused)" % excused)
        report(v, w, watch, answers, expected, dig_excuse)
        for n, exp in [("c", lambda t: {("10.4.0.1",)}), ("d", d_expected)]:
            wrong = sampled_wrong(samples[n], exp, watch.started, sample_excuse)
            v.note("%s sampled %d times every 5 ms, %d unexpected (first %s)"
                   % (fqdn(n), len(samples[n]), len(wrong), wrong[:3]))
            v.check(not wrong, "%d answers for %s were not as the wall clock says: first %s"
                    % (len(wrong), fqdn(n), wrong[:8]))
        # The backend's own word (its log) on the table: never stale, whatever the wall clock
        # did. The prober's metrics judge by the wall clock alone: printed, not failed.
        stale = [line for line in w.pharos.backend.log().splitlines()
                 if "health table: stale" in line]
        v.note("backend: %d 'stale' lines; the prober's metrics saw the heartbeat age from %s "
               "to %s s and verdicts_used down to %s" % (
                   len(stale), watch.low.get("pharos_health_table_heartbeat_age_seconds"),
                   watch.peak.get("pharos_health_table_heartbeat_age_seconds"),
                   watch.low.get("pharos_health_table_verdicts_used")))
        v.check(not stale, "the backend took the table for stale: %s" % stale[:4])
        v.note("restored the true time %.1f s after the last step" % (restored - forward))
    except Exception:
        traceback.print_exc()
        v.check(False, "the drill broke:\n" + w.logs())
    finally:
        if clock is not None:
            clock.restore()
        stop_watchers(watch, answers, *samplers)
        finish(v, w)
