#!/usr/bin/env python3
"""Memory and time that follow the configuration: a generated LB file with N pools (two http
members each, one globalname each) for each N given, loaded by pharosctl validate,
pharos-health and pharos-backend. Prints load time, peak and final RSS of each process, RSS per
member above a one-pool run of the same process (the fixed base), the backend's lookup service
time over its socket, and the longest lookup while the backend reloads the same file.

  bench/config-scale/run.py BIN_DIR [POOLS...]      (default: 1000 10000 100000)"""
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "e2e"))
from harness import wait_until  # noqa: E402


def write_config(dir, pools):
    with open(os.path.join(dir, "lb.yaml"), "w") as f:
        f.write("pools:\n")
        for p in range(pools):
            f.write("  pool%d:\n    monitor: http\n    monitor_params: {port: 9, interval: 3600,"
                    " timeout: 1}\n    lb_method: fogroup\n    members:\n" % p)
            for m in range(2):
                n = 2 * p + m
                f.write("    - {ip: 10.%d.%d.%d, name: m%d, weight: 1}\n"
                        % (n >> 16 & 255, n >> 8 & 255, n & 255, n))
        f.write("globalnames:\n")
        for p in range(pools):
            f.write("  name%d.scale.test.: {pool: pool%d, ttl: 5}\n" % (p, p))
    # Two copies but for the log level: the backend says at info when a reload is done, and
    # pharos-health at warning does not log 200,000 members failing their first check.
    for name, level in [("pharos.yaml", "warning"), ("backend.yaml", "info")]:
        with open(os.path.join(dir, name), "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\nlog_level: %s\n"
                    "backend: {socket: %s/b.sock, socket_group: root}\n"
                    "health: {table: /pharos-scale-%d, table_group: root}\n"
                    "control: {socket: %s/c.sock}\nhttp: {listen: '127.0.0.1:19191'}\n"
                    % (level, dir, os.getpid(), dir))
    return os.path.join(dir, "pharos.yaml")


def table_ready(path):
    with open(path, "rb") as f:
        header = f.read(64)
    return len(header) == 64 and struct.unpack_from("<I", header, 56)[0] == 1


def memory(pid):
    """(RSS, peak RSS) in MB."""
    with open("/proc/%d/status" % pid) as f:
        text = f.read()
    kb = lambda key: int(re.search(key + r":\s*(\d+)", text).group(1))
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024


def start(argv, log, ready):
    """Starts a program, waits until its log says `ready`; returns (process, seconds)."""
    began = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    path = log.name
    ok = wait_until(lambda: ready in open(path, errors="replace").read() or proc.poll() is not None,
                    600, 0.01)
    assert ok and proc.poll() is None, open(path).read()[-2000:]
    return proc, time.monotonic() - began


def lookups(path, pools, count):
    """Service times in microseconds of `count` lookups for random globalnames."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    times = []
    f = s.makefile("rb")
    for _ in range(count):
        name = "name%d.scale.test." % random.randrange(pools)
        req = ('{"method":"lookup","parameters":{"qtype":"ANY","qname":"%s","remote":"10.9.9.9",'
               '"real-remote":"10.9.9.9/32","zone-id":1}}\n' % name).encode()
        t = time.perf_counter()
        s.sendall(req)
        f.readline()
        times.append((time.perf_counter() - t) * 1e6)
    s.close()
    return sorted(times)


def timed_lookups(f, s, pools, times, until):
    """Appends service times (ms) of lookups on an open connection until until() says stop."""
    while not until():
        req = ('{"method":"lookup","parameters":{"qtype":"ANY","qname":"name%d.scale.test.",'
               '"remote":"10.9.9.9","zone-id":1}}\n' % random.randrange(pools)).encode()
        t = time.perf_counter()
        s.sendall(req)
        f.readline()
        times.append((time.perf_counter() - t) * 1000)


def during_reload(backend, path, pools, log):
    """Lookups (ms, sorted) made while the backend reloads, and how long the reload took; and
    as the baseline, lookups made for the same time on the same connection with no reload:
    the slowest of those is what this machine and client do anyway."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rb")
    reloads = lambda: open(log.name).read().count("configuration reloaded")
    before = reloads()
    began = time.monotonic()
    backend.send_signal(signal.SIGHUP)
    during = []
    # The log is read every 20 lookups in both runs, so both pay the same for it.
    timed_lookups(f, s, pools, during, lambda: len(during) % 20 == 0 and (
        reloads() > before or time.monotonic() - began > 120))
    took = time.monotonic() - began
    quiet, quiet_began = [], time.monotonic()
    timed_lookups(f, s, pools, quiet, lambda: len(quiet) % 20 == 0 and (
        reloads() >= 0 and time.monotonic() - quiet_began > took))
    s.close()
    return sorted(during), (took if reloads() > before else None), sorted(quiet)


def run(bin_dir, pools):
    dir = tempfile.mkdtemp(prefix="pharos-scale-")
    config = write_config(dir, pools)
    members = 2 * pools
    size = os.path.getsize(os.path.join(dir, "lb.yaml")) / 1e6
    began = time.monotonic()
    validate = subprocess.run(["/usr/bin/time", "-f", "%M", os.path.join(bin_dir, "pharosctl"),
                               "-c", config, "validate"], capture_output=True, text=True)
    validate_s = time.monotonic() - began
    validate_peak = int(validate.stderr.strip().splitlines()[-1]) / 1024
    log = open(os.path.join(dir, "log"), "w")
    # log_level warning: pharos-health says nothing at start; the table tells when it is done.
    health, health_s = start([os.path.join(bin_dir, "pharos-health"), "-c", config], log,
                             "")
    wait_until(lambda: os.path.exists("/dev/shm/pharos-scale-%d" % os.getpid()), 600, 0.01)
    health_s = time.monotonic() - began - validate_s
    # Measured once every member has had its first check (the table's `ready`, offset 56):
    # the members are unreachable, so until then many checks are in flight, and that memory
    # follows the check rate, not the configuration.
    wait_until(lambda: table_ready("/dev/shm/pharos-scale-%d" % os.getpid()), 600, 0.05)
    time.sleep(0.5)
    backend_began = time.monotonic()
    backend = subprocess.Popen([os.path.join(bin_dir, "pharos-backend"), "-c",
                                os.path.join(dir, "backend.yaml")],
                               stdout=log, stderr=subprocess.STDOUT)
    wait_until(lambda: os.path.exists(dir + "/b.sock"), 600, 0.01)
    backend_s = time.monotonic() - backend_began
    time.sleep(1)
    h_rss, h_peak = memory(health.pid)
    b_rss, b_peak = memory(backend.pid)
    service = lookups(dir + "/b.sock", pools, 5000)
    during, reload_s, quiet = during_reload(backend, dir + "/b.sock", pools, log)
    time.sleep(1)  # the replaced configuration is freed on the reload thread
    b_rss2, _ = memory(backend.pid)
    result = dict(pools=pools, members=members, mb=size, validate_s=validate_s,
                  validate_peak=validate_peak, health_s=health_s, health_rss=h_rss,
                  health_peak=h_peak, backend_s=backend_s, backend_rss=b_rss,
                  backend_peak=b_peak, backend_rss_after_reload=b_rss2,
                  p50=service[len(service) // 2], p99=service[int(len(service) * 0.99)],
                  worst_ms=during[-1], during_p999=during[int(len(during) * 0.999)],
                  during_n=len(during), reload_s=reload_s,
                  quiet_worst_ms=quiet[-1], quiet_p999=quiet[int(len(quiet) * 0.999)])
    for p in (health, backend):
        p.terminate()
        p.wait()
    for suffix in ["", ".lock", "-backend"]:
        name = "/dev/shm/pharos-scale-%d%s" % (os.getpid(), suffix)
        if os.path.exists(name):
            os.unlink(name)
    subprocess.run(["rm", "-rf", dir])
    return result


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    sizes = [int(a) for a in sys.argv[2:]] or [1000, 10000, 100000]
    base = run(bin_dir, 1)
    print("base (1 pool): pharos-health %.1f MB, pharos-backend %.1f MB"
          % (base["health_rss"], base["backend_rss"]))
    for n in sizes:
        r = run(bin_dir, n)
        per = lambda key: (r[key] - base[key]) * 1024 * 1024 / r["members"]
        print("%6d pools (%d members, %.1f MB of YAML): validate %.2fs peak %.0f MB | "
              "pharos-health load %.2fs, RSS %.1f MB (%.0f B/member over base), peak %.1f MB "
              "(%.1fx) | pharos-backend load %.2fs, RSS %.1f MB (%.0f B/member), peak %.1f MB "
              "(%.1fx), after a reload %.1f MB | lookup p50 %.1f us p99 %.1f us; reload %.2fs, "
              "%d lookups meanwhile: p99.9 %.2f ms, longest %.2f ms (no reload, same time: p99.9 %.2f ms, "
              "longest %.2f ms)" % (
                  n, r["members"], r["mb"], r["validate_s"], r["validate_peak"], r["health_s"],
                  r["health_rss"], per("health_rss"), r["health_peak"],
                  r["health_peak"] / r["health_rss"], r["backend_s"], r["backend_rss"],
                  per("backend_rss"), r["backend_peak"], r["backend_peak"] / r["backend_rss"],
                  r["backend_rss_after_reload"], r["p50"], r["p99"], r["reload_s"] or -1,
                  r["during_n"], r["during_p999"], r["worst_ms"], r["quiet_p999"],
                  r["quiet_worst_ms"]), flush=True)


if __name__ == "__main__":
    main()
