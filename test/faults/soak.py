#!/usr/bin/env python3
"""Soak: dnsperf through pdns at 80 % of the rate measured at the start, a member flapping every
few seconds, a reload of both programs every RELOAD seconds; the RSS and open descriptors of
pharos-backend and pharos-health sampled every 10 s must stay flat, and no answer may fail or
name the flapping member past its detection bound.

  soak.py BIN_DIR [SECONDS] [RELOAD_SECONDS]     (by hand: 600 60; CI: 60 20)"""
import collections
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
from dnsprobe import DnsSampler  # noqa: E402
from drills import BOUND, NAME, PDNS_PORT, Drills  # noqa: E402
from harness import remove_workdir, sanitizer_reports  # noqa: E402


def usage(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = int(re.search(r"VmRSS:\s*(\d+)", f.read()).group(1))
    return rss / 1024.0, len(os.listdir("/proc/%d/fd" % pid))


def measure_max_qps(queries):
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(PDNS_PORT), "-d", queries,
                          "-l", "5", "-c", "8", "-q", "64"], capture_output=True, text=True).stdout
    found = re.search(r"Queries per second:\s*([\d.]+)", out)
    return float(found.group(1)) if found else 1000.0


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    reload_every = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    d = Drills(bin_dir)
    failed = False
    try:
        d.start()
        queries = os.path.join(d.dir, "queries")
        with open(queries, "w") as f:
            f.write("%s A\n" % NAME)
        rate = int(0.8 * measure_max_qps(queries))
        load = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(PDNS_PORT), "-d",
                                 queries, "-l", str(seconds + 30), "-Q", str(rate), "-c", "8"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = DnsSampler(NAME, PDNS_PORT, every=0.01).start()
        flapper = d.members["www1"]  # the preferred member: its flaps move the answers
        flaps, reloads, samples = [], [], collections.defaultdict(list)
        started = time.monotonic()
        last_flap = last_reload = last_sample = started - 10
        while time.monotonic() - started < seconds:
            now = time.monotonic()
            if now - last_flap >= 3:
                if flapper.running():
                    flapper.kill()
                    flaps.append((now, None))
                else:
                    flapper.start()
                    flaps[-1] = (flaps[-1][0], now)
                last_flap = now
            if now - last_reload >= reload_every and now - started > 1:
                d.pharos.backend.send(signal.SIGHUP)
                d.pharos.health.send(signal.SIGHUP)
                reloads.append(now)
                last_reload = now
            if now - last_sample >= 10:
                for p in [d.pharos.backend, d.pharos.health]:
                    samples[p.name].append(usage(p.proc.pid))
                last_sample = now
            time.sleep(0.05)
        for p in [d.pharos.backend, d.pharos.health]:
            samples[p.name].append(usage(p.proc.pid))
        answers = sampler.stop()
        load.send_signal(signal.SIGINT)
        perf = load.communicate(timeout=60)[0]
        bad = collections.Counter(a.outcome for a in answers if a.outcome != "ok")
        # www1's answers while it was down past its bound (it may flap back within the bound).
        stale = [a for a in answers if "127.0.31.1" in a.addresses and any(
            down + BOUND < a.sent < (up if up else float("inf")) for down, up in flaps)]
        codes = re.search(r"Response codes:\s*(.*)", perf)
        print("soak %ds at %d qps (80%% of the measured maximum), %d flaps, %d reloads: "
              "%d sampled, not NOERROR-with-member %d %s, stale %d; dnsperf %s" % (
                  seconds, rate, len(flaps), len(reloads), len(answers), sum(bad.values()),
                  dict(bad), len(stale), codes.group(1).strip() if codes else "?"))
        for name, series in samples.items():
            rss = [r for r, _ in series]
            fds = [f for _, f in series]
            print("  %-15s RSS MB first %.1f last %.1f max %.1f; fds first %d last %d max %d" % (
                name, rss[0], rss[-1], max(rss), fds[0], fds[-1], max(fds)))
            # Flat: no growth beyond noise (allocator caches, a reload's transient).
            if rss[-1] > rss[0] * 1.25 + 4 or fds[-1] > fds[0] + 4:
                print("  %s is not flat" % name)
                failed = True
        if sum(bad.values()) or stale:
            failed = True
            for a in [a for a in answers if a.outcome != "ok"][:20]:
                print("  %s at %.2fs; nearest reload %+.2fs, flap %+.2fs" % (
                    a.outcome, a.sent - started,
                    min((a.sent - r for r in reloads), key=abs, default=float("nan")),
                    min((a.sent - f for f, _ in flaps), key=abs, default=float("nan"))))
    finally:
        d.stop()
        reports = sanitizer_reports(d.dir)
        for report in reports:
            print("SANITIZER REPORT in " + report)
        failed = failed or bool(reports)
        if not failed:
            remove_workdir(d.dir)
    print("soak", "FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
