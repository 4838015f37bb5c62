#!/usr/bin/env python3
"""Operating pharos through a real pdns_server: admin overrides (drain, force, clear, --until)
seen in the answers, in `status` and in `explain`; overrides that outlive restarts of every
process; an unreadable or unwritable admin-state file; who may change state; `pharosctl
reload`. Usage: operations_test.py BIN_DIR [TEST...]"""
import grp
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from harness import Member, Pdns, Pharos, dig, make_workdir, run_shared_world, wait_until

PDNS_PORT, MEMBER_PORT, HTTP_PORT = 5397, 18280, 19181
OPS_GROUP = "pharos-e2e-ops"
# Files a person may want to look at after a run (the status page's screenshot).
OUTPUT_DIR = os.environ.get("PHAROS_TEST_OUTPUT", "/tmp/pharos-test-output")
NAME = "myweb.ops.test"

LB = """
pools:
  web:
    monitor: http
    monitor_params: {{port: {port}, interval: 0.5, timeout: 0.4, retries: 0}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.1.1, name: www1, weight: 1}}
    - {{ip: 127.0.2.1, name: www2, weight: 1}}
    - {{ip: 127.0.3.1, name: www3, weight: 1}}
globalnames:
  {name}.: {{pool: web, ttl: {ttl}}}
"""


class World:
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-ops-")
        os.chmod(self.dir, 0o755)  # the unprivileged callers of the access test read the config
        self.bin_dir = bin_dir
        self.table = "/pharos-ops-%d" % os.getpid()
        self.state_dir = os.path.join(self.dir, "state")
        os.makedirs(self.state_dir)
        self.state = os.path.join(self.state_dir, "admin-state.json")
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.write_lb(ttl=5)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root}\n"
                    "admin_state: %s\n"
                    "control: {socket: %s/control.sock, group: %s}\n"
                    "http: {listen: '127.0.0.1:%d'}\n"
                    % (self.dir, self.table, self.state, self.dir, OPS_GROUP, HTTP_PORT))
        os.chmod(self.config, 0o644)
        self.members = {n: Member(ip, MEMBER_PORT, n, self.dir) for n, ip in
                        [("www1", "127.0.1.1"), ("www2", "127.0.2.1")]}  # www3 never listens
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [], self.config, bin_dir)

    def write_lb(self, ttl, text=None):
        path = os.path.join(self.dir, "lb.yaml")
        with open(path, "w") as f:
            f.write(text if text is not None else LB.format(port=MEMBER_PORT, name=NAME, ttl=ttl))
        os.chmod(path, 0o644)

    def start(self):
        if OPS_GROUP not in [g.gr_name for g in grp.getgrall()]:
            subprocess.run(["groupadd", "--system", OPS_GROUP], check=True)
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()
        if not wait_until(lambda: self.answer() == ["127.0.1.1"] and self.status()
                          .get("table", {}).get("status") == "ok", 10):
            raise RuntimeError("pharos never answered:\n" + self.logs())
        # The backend maps a new table within a second and fails open until then; once a
        # forced-down www1 leaves the answers, it reads the table, and timings mean something.
        self.ctl("force-down", "web", "www1")
        mapped = wait_until(lambda: self.answer() == ["127.0.2.1"], 5)
        self.ctl("clear", "web", "www1")
        if not mapped or not wait_until(lambda: self.answer() == ["127.0.1.1"], 5):
            raise RuntimeError("the backend never used the table:\n" + self.logs())

    def stop(self):
        for p in [self.pdns, self.pharos.backend, self.pharos.health] + list(self.members.values()):
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)
        subprocess.run(["umount", self.state_dir], capture_output=True)

    def answer(self):
        return dig(NAME, "A", PDNS_PORT).values()

    def ctl(self, *args, user=None):
        prefix = []
        if user:  # (uid, gid): a caller without root and without supplementary groups
            prefix = ["setpriv", "--reuid=%d" % user[0], "--regid=%d" % user[1], "--clear-groups"]
        return subprocess.run(prefix + [os.path.join(self.bin_dir, "pharosctl"), "-c",
                                        self.config] + list(args),
                              capture_output=True, text=True, timeout=20)

    def status(self):
        try:
            return json.loads(self.ctl("status", "--json").stdout)
        except ValueError:
            return {}

    def member_status(self, name):
        for m in self.status()["pools"][0]["members"]:
            if m["name"] == name:
                return m
        raise AssertionError(name)

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in
                         [self.pharos.health, self.pharos.backend, self.pdns])


def changes_within(w, expected, bound):
    """Seconds until the answer is `expected`; fails past `bound`."""
    start = time.monotonic()
    ok = wait_until(lambda: w.answer() == expected, bound + 3, 0.01)
    took = time.monotonic() - start
    assert ok and took <= bound, (expected, w.answer(), took)
    return took


def ok(result):
    assert result.returncode == 0, (result.args, result.stdout, result.stderr)
    return result.stdout


# ---- the tests, run in this order -------------------------------------------------------

def test_drain_moves_answers_within_a_second_and_shows_everywhere(w):
    started = time.monotonic()
    out = ok(w.ctl("drain", "web", "www1", "--reason", "kernel patching"))
    print("    pharosctl drain took %.3fs" % (time.monotonic() - started))
    assert "drain web/www1 127.0.1.1" in out, out
    took = changes_within(w, ["127.0.2.1"], 1.0)
    print("    drain visible through pdns after %.3fs" % took)
    www1 = w.member_status("www1")
    assert www1["state"] == "up" and www1["effective"] == "drained", www1  # still probed
    assert www1["override"]["by"] == "root" and www1["override"]["reason"] == "kernel patching"
    text = ok(w.ctl("status"))
    assert re.search(r"web/www1 127\.0\.1\.1: drain by root since \S+ \(kernel patching\)",
                     text), text
    explain = ok(w.ctl("explain", NAME, "--client", "127.0.0.1"))
    assert "skipped www1 127.0.1.1: drained by an operator" in explain, explain
    assert "admin: www1 127.0.1.1 is drained by root: kernel patching" in explain, explain
    ok(w.ctl("clear", "web", "www1"))
    changes_within(w, ["127.0.1.1"], 1.0)
    assert "override" not in w.member_status("www1")


def test_force_up_and_force_down(w):
    ok(w.ctl("force-down", "web", "127.0.1.1"))  # by address
    changes_within(w, ["127.0.2.1"], 1.0)
    assert w.member_status("www1")["effective"] == "down"
    ok(w.ctl("drain", "web", "www2"))
    # www3 listens nowhere; forced up, it is answered whatever its probes say.
    ok(w.ctl("force-up", "web", "www3"))
    changes_within(w, ["127.0.3.1"], 1.0)
    assert w.member_status("www3")["state"] == "down", w.member_status("www3")
    ok(w.ctl("clear", "web"))
    changes_within(w, ["127.0.1.1"], 1.0)


def test_until_ends_an_override_by_itself(w):
    ok(w.ctl("drain", "web", "www1", "--until", "2s"))
    changes_within(w, ["127.0.2.1"], 1.0)
    started = time.monotonic()
    assert wait_until(lambda: w.answer() == ["127.0.1.1"], 5, 0.05)
    took = time.monotonic() - started
    assert 1.0 <= took <= 3.0, took  # about 2 s, plus at most a second
    assert json.load(open(w.state))["overrides"] == []


def test_pool_wide_drain_leaves_no_answer(w):
    ok(w.ctl("drain", "web"))
    assert wait_until(lambda: w.answer() == [], 1.0, 0.01), w.answer()
    got = dig(NAME, "A", PDNS_PORT)
    assert got.status == "NOERROR", got.output  # NODATA: not even fallback any names them
    ok(w.ctl("clear", "web"))
    changes_within(w, ["127.0.1.1"], 1.0)


def test_overrides_outlive_restarts_of_every_process(w):
    ok(w.ctl("drain", "web", "www1", "--reason", "restart drill"))
    changes_within(w, ["127.0.2.1"], 1.0)
    steps = [("pharos-health", [w.pharos.health]), ("pharos-backend", [w.pharos.backend]),
             ("pdns", [w.pdns]), ("all three", [w.pharos.health, w.pharos.backend, w.pdns])]
    for what, processes in steps:
        for p in processes:
            p.kill()
        for p in processes:
            p.start()
        ok_ = wait_until(lambda: w.answer() == ["127.0.2.1"] and
                         w.member_status("www1").get("effective") == "drained", 10)
        assert ok_, (what, w.answer(), w.status(), w.logs())
        assert w.member_status("www1")["override"]["reason"] == "restart drill", what
    ok(w.ctl("clear", "web", "www1"))
    changes_within(w, ["127.0.1.1"], 1.0)


def test_unreadable_state_file_starts_with_no_overrides_and_says_so(w):
    ok(w.ctl("drain", "web", "www1"))
    w.pharos.health.stop()
    with open(w.state, "w") as f:
        f.write('{"version": 1,\n "overrides": [ {"pool": "web", "action": }\n')
    w.pharos.health.start()
    assert wait_until(lambda: w.answer() == ["127.0.1.1"], 5), w.answer()  # no overrides
    log = w.pharos.health.log()
    where = re.escape(w.state) + r":\d+:\d+: YAML syntax error"
    assert re.search("ADMIN OVERRIDES NOT LOADED: " + where, log), log[-2000:]
    status = ok(w.ctl("status"))
    assert "CANNOT BE READ" in status and re.search(where, status), status
    ok(w.ctl("drain", "web", "www2"))  # replaces the file, keeping the unreadable one aside
    assert os.path.exists(w.state + ".unreadable")
    assert [o["member"] for o in json.load(open(w.state))["overrides"]] == ["www2"]
    ok(w.ctl("clear", "web"))
    os.unlink(w.state + ".unreadable")


def test_a_failed_write_changes_nothing(w):
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", w.state_dir],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        print("    SKIPPED: cannot mount a small tmpfs here (%s)" % mounted.stderr.strip())
        return
    try:
        # Full: a filler takes every block, so the new file cannot be written.
        subprocess.run(["dd", "if=/dev/zero", "of=" + w.state_dir + "/filler", "bs=4k"],
                       capture_output=True)
        full = w.ctl("drain", "web", "www1")
        assert full.returncode == 1 and "No space left on device" in full.stderr, full
        assert "nothing was changed" in full.stderr, full.stderr
        os.unlink(w.state_dir + "/filler")
        # Read-only.
        subprocess.run(["mount", "-o", "remount,ro", w.state_dir], check=True)
        ro = w.ctl("drain", "web", "www1")
        assert ro.returncode == 1 and "Read-only file system" in ro.stderr, ro
        time.sleep(0.3)
        assert w.answer() == ["127.0.1.1"] and "override" not in w.member_status("www1")
    finally:
        subprocess.run(["umount", w.state_dir], capture_output=True)


def test_only_root_and_the_control_group_change_state(w):
    ops_gid = grp.getgrnam(OPS_GROUP).gr_gid
    nobody = w.ctl("drain", "web", "www1", user=(65534, 65534))
    assert nobody.returncode == 1, nobody
    assert "cannot reach pharos-health" in nobody.stderr and "ermission denied" in nobody.stderr
    assert w.answer() == ["127.0.1.1"]
    member = w.ctl("drain", "web", "www1", "--reason", "from the ops group",
                   user=(65534, ops_gid))
    assert member.returncode == 0, member
    changes_within(w, ["127.0.2.1"], 1.0)
    assert w.member_status("www1")["override"]["by"] == "nobody"
    ok(w.ctl("clear", "web", "www1"))
    changes_within(w, ["127.0.1.1"], 1.0)


def test_reload_reports_changes_and_rejects_a_broken_file(w):
    w.write_lb(ttl=9)
    out = ok(w.ctl("reload"))
    assert "pharos-health reloaded" in out and "pharos-backend (pid" in out, out
    assert "globalname %s: pool web, ttl 9" % NAME in out, out
    assert wait_until(lambda: dig(NAME, "A", PDNS_PORT).records[0][1] == 9, 3)
    w.write_lb(ttl=9, text=LB.format(port=MEMBER_PORT, name=NAME, ttl=9)
               .replace("lb_method: fogroup", "lb_method: fogroupp"))
    bad = w.ctl("reload")
    assert bad.returncode == 1, bad
    assert re.search(r"lb\.yaml:\d+:\d+: pools\.web\.lb_method:", bad.stderr), bad.stderr
    assert "nothing was reloaded" in bad.stderr, bad.stderr
    assert w.pharos.health.running() and w.pharos.backend.running()
    assert w.answer() == ["127.0.1.1"]
    w.write_lb(ttl=5)
    ok(w.ctl("reload"))


def http_get(path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (HTTP_PORT, path), timeout=5) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


def metric(text, name, labels=""):
    """The value of one sample, e.g. metric(t, "pharos_member_up", 'member="www1"')."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(l in line for l in labels.split(",") if l):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError("no %s{%s} in /metrics" % (name, labels))


def test_metrics_count_dns_queries_not_lookups(w):
    status, ctype, before = http_get("/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), ctype
    for _ in range(10):
        assert w.answer() == ["127.0.1.1"]
    after = http_get("/metrics")[2]
    name = 'globalname="%s"' % NAME
    www1 = 'member="www1"'
    delta = lambda n, l="": metric(after, n, l) - metric(before, n, l)
    assert delta("pharos_globalname_queries_total", name) == 10, after
    assert delta("pharos_member_answers_total", www1) == 10, after
    # pdns asked pharos twice per query: the raw lookups show it.
    assert delta("pharos_backend_requests_total", 'method="lookup"') == 20, after
    assert metric(after, "pharos_member_up", www1) == 1
    assert metric(after, "pharos_member_up", 'member="www3"') == 0
    assert metric(after, "pharos_health_table_verdicts_used") == 1
    assert metric(after, "pharos_backend_up") == 1
    assert metric(after, "pharos_probe_failures_total", 'reason="connection refused"') > 0
    ok(w.ctl("drain", "web", "www2", "--reason", "metrics"))
    drained = http_get("/metrics")[2]
    assert metric(drained, "pharos_member_admin_override",
                  'member="www2",address="127.0.2.1",action="drain"') == 1
    assert metric(drained, "pharos_member_answerable", 'member="www2"') == 0
    ok(w.ctl("clear", "web", "www2"))
    started = metric(after, "process_start_time_seconds", 'process="pharos-health"')
    assert abs(started - time.time()) < 3600, started


def test_status_json_is_pharosctls_document(w):
    status, ctype, body = http_get("/status")
    assert status == 200 and ctype == "application/json"
    served = json.loads(body)
    ctl = w.status()
    for doc in (served, ctl):
        for p in doc["pools"]:
            for m in p["members"]:
                for volatile in ["last_check_ms", "latency_us", "consecutive_ok",
                                 "consecutive_fail"]:
                    m.pop(volatile, None)
        doc.pop("now_ms")
        doc["table"].pop("heartbeat_age_ms")
    assert served["pools"] == ctl["pools"]
    assert served["globalnames"] == ctl["globalnames"]
    assert served["globalnames"][0]["answers"] == {"A": ["127.0.1.1"]}
    try:
        http_get("/nothing")
        assert False, "a path that does not exist answered"
    except urllib.error.HTTPError as e:
        assert e.code == 404


def test_status_page_shows_a_stopped_member_in_a_browser(w):
    w.members["www2"].kill()
    assert wait_until(lambda: w.member_status("www2").get("state") == "down", 5)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + os.path.join(w.dir, "chromium"), "--virtual-time-budget=5000"]
    url = "http://127.0.0.1:%d/" % HTTP_PORT
    dom = subprocess.run(["chromium"] + flags + ["--dump-dom", url], capture_output=True,
                         text=True, timeout=120)
    rows = dict(re.findall(r'<tr data-member="([^"]*)" data-state="([^"]*)"', dom.stdout))
    assert rows == {"web/www1": "up", "web/www2": "down", "web/www3": "down"}, dom.stdout[-3000:]
    assert "connection refused" in dom.stdout and NAME in dom.stdout
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    shot = os.path.join(OUTPUT_DIR, "status-page.png")
    subprocess.run(["chromium"] + flags + ["--window-size=1280,720", "--screenshot=" + shot, url],
                   capture_output=True, timeout=120)
    assert os.path.getsize(shot) > 10000, shot
    print("    screenshot: " + shot)
    w.members["www2"].start()
    assert wait_until(lambda: w.member_status("www2").get("state") == "up", 5)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS, clean_pdns_log=False)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
