#!/usr/bin/env python3
"""pharos started by hand, as in a container: no systemd, a minimal pharos.yaml with no
`control:` and no `backend.socket`, so both programs use the default sockets in /run/pharos
and make that directory themselves (mode 0755, given to `user` when they start as root and
become it). pharosctl drain and clear move the answers through pdns. A runtime directory that
cannot be made, or a socket that cannot be bound, stops the program at start, naming the path.

/run/pharos is shared with anything else on the machine: a /run/pharos that exists is used and
left as it was found (what the test adds in it is removed); one the test's programs made is
removed at the end. With a socket already in it (an installed pharos running) the suite skips
(exit 77). Usage: by_hand_test.py BIN_DIR [TEST...]"""
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys

from harness import (Member, Pdns, Pharos, Process, dig, make_workdir, ok, run_suite,
                     wait_until)

RUN_DIR = "/run/pharos"
CONTROL, BACKEND = RUN_DIR + "/control.sock", RUN_DIR + "/backend.sock"
PDNS_PORT, MEMBER_PORT, HTTP_PORT = 5383, 18430, 19210
WWW1, WWW2 = "127.0.83.1", "127.0.83.2"
NAME = "www.byhand.test"
SKIP = 77

LB = """
pools:
  web:
    monitor: http
    monitor_params: {port: %d, interval: 0.5, timeout: 0.4, retries: 0}
    lb_method: fogroup
    members:
    - {ip: %s, name: www1, weight: 1}
    - {ip: %s, name: www2, weight: 1}
globalnames:
  %s.: {pool: web, ttl: 1}
""" % (MEMBER_PORT, WWW1, WWW2, NAME)


def minimal_config(workdir, table, extra=""):
    """pharos.yaml as someone writes it by hand: the defaults for the sockets and the user. The
    table, the admin state and the HTTP port are the suite's own, so an installed pharos's are
    never touched."""
    os.chmod(workdir, 0o755)  # read by `user` once the programs become it
    state = os.path.join(workdir, "state")
    os.makedirs(state, exist_ok=True)
    owner = configured_user()
    if owner:
        os.chown(state, owner.pw_uid, owner.pw_gid)
    with open(os.path.join(workdir, "lb.yaml"), "w") as f:
        f.write(LB)
    config = os.path.join(workdir, "pharos.yaml")
    with open(config, "w") as f:
        f.write("lb: lb.yaml\ntopology: null\nhealth: {table: %s}\n"
                "admin_state: %s/admin-state.json\nhttp: {listen: '127.0.0.1:%d'}\n%s"
                % (table, state, HTTP_PORT, extra))
    for name in ("lb.yaml", "pharos.yaml"):
        os.chmod(os.path.join(workdir, name), 0o644)
    return config


def configured_user():
    """The default `user` (pharos) that programs started as root become; None when it does
    not exist (they stay root) or when the test does not run as root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("pharos")
    except KeyError:
        return None


def remove_shm(table):
    for suffix in ["", ".lock", "-backend"]:
        if os.path.exists("/dev/shm" + table + suffix):
            os.unlink("/dev/shm" + table + suffix)


class RunDir:
    """What /run/pharos was before the suite, to put it back after."""

    def __init__(self):
        self.existed = os.path.isdir(RUN_DIR)
        self.stat = os.stat(RUN_DIR) if self.existed else None
        self.entries = set(os.listdir(RUN_DIR)) if self.existed else set()

    def in_use(self):
        return [p for p in (CONTROL, BACKEND) if os.path.lexists(p)]

    def restore(self):
        if not self.existed:
            shutil.rmtree(RUN_DIR, ignore_errors=True)
            return
        for name in set(os.listdir(RUN_DIR)) - self.entries:
            os.unlink(os.path.join(RUN_DIR, name))
        os.chmod(RUN_DIR, stat.S_IMODE(self.stat.st_mode))
        os.chown(RUN_DIR, self.stat.st_uid, self.stat.st_gid)


class World:
    """Two http members, both pharos programs with the minimal pharos.yaml, and a pdns that
    talks to the default backend socket."""

    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-by-hand-")
        self.bin_dir = bin_dir
        self.table = "/pharos-by-hand-%d" % os.getpid()
        self.config = minimal_config(self.dir, self.table)
        self.members = {n: Member(ip, MEMBER_PORT, n, self.dir)
                        for n, ip in [("www1", WWW1), ("www2", WWW2)]}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, BACKEND, [], self.config, bin_dir)

    def servers(self):
        return [self.pdns, self.pharos.backend, self.pharos.health]

    def stop(self):
        for p in self.servers() + list(self.members.values()):
            p.stop()
        remove_shm(self.table)

    def answer(self):
        return dig(NAME, "A", PDNS_PORT).values()

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in self.servers())


class Starts:
    """The programs alone, started with one broken configuration after another."""

    def __init__(self):
        self.dir = make_workdir("pharos-by-hand-fail-")
        self.table = "/pharos-by-hand-fail-%d" % os.getpid()
        self.pharos = None

    def stop(self):
        if self.pharos:
            self.pharos.health.stop()
            self.pharos.backend.stop()
        remove_shm(self.table)

    def logs(self):
        if not self.pharos:
            return ""
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:])
                         for p in (self.pharos.health, self.pharos.backend))


# ---- the tests ---------------------------------------------------------------------------

def test_drain_and_clear_with_the_default_sockets(worlds, bin_dir, run_dir):
    w = World(bin_dir)
    worlds.append(w)
    for m in w.members.values():
        m.start()
    # The backend first: it makes /run/pharos, and pharos-health, second, must find it and
    # leave it as it is.
    w.pharos.backend.start()
    if not run_dir.existed:
        made = os.stat(RUN_DIR)
        owner = configured_user()
        assert stat.S_IMODE(made.st_mode) == 0o755, oct(made.st_mode)
        assert (made.st_uid, made.st_gid) == ((owner.pw_uid, owner.pw_gid) if owner else
                                              (os.geteuid(), os.getegid())), made
        assert w.pharos.backend.logged_since_start("created " + RUN_DIR), w.pharos.backend.log()
    before = os.stat(RUN_DIR)
    w.pharos.health.start()
    assert wait_until(lambda: os.path.exists(CONTROL) or not w.pharos.health.running(), 10), \
        w.pharos.health.log()
    assert w.pharos.health.running(), w.pharos.health.log()
    after = os.stat(RUN_DIR)
    assert (after.st_mode, after.st_uid, after.st_gid) == (before.st_mode, before.st_uid,
                                                           before.st_gid)
    assert "created " + RUN_DIR not in w.pharos.health.log()
    w.pdns.start()
    if not wait_until(lambda: w.answer() == [WWW1], 15):
        raise AssertionError("pharos never answered www1: %s" % w.answer())

    out = ok(w.pharos.ctl("drain", "web", "www1", "--reason", "by hand"))
    assert "drain web/www1 " + WWW1 in out, out
    assert wait_until(lambda: w.answer() == [WWW2], 3), w.answer()
    ok(w.pharos.ctl("clear", "web", "www1"))
    assert wait_until(lambda: w.answer() == [WWW1], 3), w.answer()

    # Stopped, each takes its socket away (from the directory it made, which `user` owns); the
    # directory stays for the next start.
    w.pharos.health.stop()
    w.pharos.backend.stop()
    assert w.pharos.health.proc.returncode == 0 and w.pharos.backend.proc.returncode == 0
    if not run_dir.existed:
        assert not os.path.lexists(CONTROL) and not os.path.lexists(BACKEND), \
            os.listdir(RUN_DIR)


def expect_start_failure(process, path, why, env=None, prefix=()):
    """`process` exits non-zero within seconds, its error line naming `path` and `why`."""
    process.argv = list(prefix) + process.argv
    Process.start(process, env)  # not Backend.start, which waits for it to listen
    try:
        process.proc.wait(15)
    except subprocess.TimeoutExpired:
        raise AssertionError("%s kept running:\n%s" % (process.name, process.log()))
    assert process.proc.returncode != 0, process.log()
    errors = [line for line in process.log().splitlines() if "error" in line.lower()]
    assert any(path in line and why in line for line in errors), (path, why, process.log())
    return errors


def test_a_socket_path_that_cannot_be_used_stops_the_start(worlds, bin_dir, run_dir):
    w = Starts()
    worlds.append(w)
    blocker = os.path.join(w.dir, "not-a-dir")
    with open(blocker, "w") as f:
        f.write("a file where the runtime directory's parent should be\n")

    # The runtime directory's parent is a file: neither program can make the directory.
    config = minimal_config(w.dir, w.table, "control: {socket: %s/run/control.sock}\n"
                            "backend: {socket: %s/run/backend.sock}\n" % (blocker, blocker))
    w.pharos = Pharos(bin_dir, config, w.dir)
    expect_start_failure(w.pharos.health, blocker + "/run", "Not a directory")
    expect_start_failure(w.pharos.backend, blocker + "/run", "Not a directory")
    assert not os.path.exists("/dev/shm" + w.table), "the prober made its table anyway"

    # Someone already listens on the control socket: no prober without its control path.
    busy = os.path.join(w.dir, "busy")
    os.makedirs(busy)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(busy + "/control.sock")
    listener.listen(1)
    try:
        config = minimal_config(w.dir, w.table, "control: {socket: %s/control.sock}\n" % busy)
        w.pharos = Pharos(bin_dir, config, w.dir)
        expect_start_failure(w.pharos.health, busy + "/control.sock", "another process")
    finally:
        listener.close()

    # By hand as an unprivileged user with the defaults: /run is not theirs to write.
    if run_dir.existed:
        print("    (skipped the unprivileged start: %s existed before the suite)" % RUN_DIR)
        return
    shutil.rmtree(RUN_DIR, ignore_errors=True)  # what the first test's programs made
    remove_shm(w.table)  # root's lock file: nobody could not open it
    config = minimal_config(w.dir, w.table)
    w.pharos = Pharos(bin_dir, config, w.dir)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    expect_start_failure(w.pharos.health, RUN_DIR, "Permission denied", prefix=nobody)
    expect_start_failure(w.pharos.backend, RUN_DIR, "Permission denied", prefix=nobody)
    assert not os.path.exists(RUN_DIR)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    run_dir = RunDir()
    if run_dir.in_use():
        print("SKIP: %s is in use on this machine (%s); the suite needs the default sockets"
              % (RUN_DIR, ", ".join(run_dir.in_use())))
        return SKIP

    def run(test, worlds):
        test(worlds, bin_dir, run_dir)

    try:
        return run_suite(TESTS, run, lambda w: print(w.logs()[-6000:]), clean_pdns_log=True)
    finally:
        run_dir.restore()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
