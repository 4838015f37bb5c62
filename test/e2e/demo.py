#!/usr/bin/env python3
"""The README's demo: pdns on 127.0.0.1:5300 with pharos and two sample members on loopback;
shows the answers, stops the preferred member, shows the failover and the failback.
Usage: demo.py BIN_DIR [--once]  (--once: stop everything after the failback)"""
import os
import sys
import time

from harness import Member, Pdns, Pharos, dig, wait_until

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.path.join(ROOT, "conf", "demo", "pharos.yaml")
WORKDIR = "/tmp/pharos-demo"
NAME = "myweb.contoso.local"


def show(title):
    a = dig(NAME, "A", 5300)
    print("  %-34s dig @127.0.0.1 -p 5300 %s A  ->  %s %s" % (
        title, NAME, a.status, " ".join(a.values()) or "(no records)"), flush=True)
    return a.values()


def watch_until(expected, limit):
    start = time.monotonic()
    wait_until(lambda: dig(NAME, "A", 5300).values() == expected, limit, 0.05)
    return time.monotonic() - start


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    once = "--once" in sys.argv
    os.makedirs(WORKDIR, exist_ok=True)
    for stale in ["backend.sock", "pdns/pdns.sqlite3"]:
        if os.path.exists(os.path.join(WORKDIR, stale)):
            os.unlink(os.path.join(WORKDIR, stale))
    members = [Member("127.0.1.5", 8080, "www1", WORKDIR), Member("127.0.2.5", 8080, "www2", WORKDIR)]
    pharos = Pharos(bin_dir, CONFIG, WORKDIR)
    pdns = Pdns(WORKDIR, 5300, WORKDIR + "/backend.sock", [], CONFIG, bin_dir, caches="recommended")
    parts = [pdns, pharos.backend, pharos.health] + members
    ok = False
    try:
        print("pharos demo: members www1 127.0.1.5:8080 (datacenter1), www2 127.0.2.5:8080 "
              "(datacenter2); logs in %s" % WORKDIR)
        for m in members:
            m.start()
        pharos.health.start()
        pharos.backend.start()
        pdns.start()
        if not wait_until(lambda: dig(NAME, "A", 5300).values() == ["127.0.1.5"], 15):
            raise RuntimeError("pharos did not answer; see the logs in " + WORKDIR)
        show("both members up:")
        print("  stopping www1 ...", flush=True)
        members[0].kill()
        took = watch_until(["127.0.2.5"], 15)
        show("www1 down (%.1fs later):" % took)
        print("  starting www1 again ...", flush=True)
        members[0].start()
        took = watch_until(["127.0.1.5"], 15)
        show("www1 back (%.1fs later):" % took)
        print(pharos.ctl("status").stdout, end="")
        ok = True
        if not once:
            print("pdns is serving on 127.0.0.1:5300; try: dig @127.0.0.1 -p 5300 %s\n"
                  "Press Ctrl-C to stop." % NAME, flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for p in parts:
            p.stop()
        for shm in ["/dev/shm/pharos-demo", "/dev/shm/pharos-demo.lock"]:
            if os.path.exists(shm):
                os.unlink(shm)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
