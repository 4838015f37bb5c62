#!/usr/bin/env python3
"""pharosctl's exit status, as its manual page documents it: 0 ok, 1 a problem found, 2 a bad
command line, 3 pharos-health cannot be reached. Each code is checked for every kind of cause,
the reachable ones against a real pharos-health on a private table and control socket.
Usage: exit_codes_test.py BIN_DIR"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from ctl_suite import run_tests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1])
OK, PROBLEM, USAGE, UNREACHABLE = 0, 1, 2, 3


def pharosctl(*args):
    return subprocess.run([os.path.join(BIN, "pharosctl")] + list(args), capture_output=True,
                          text=True, timeout=20)


class Sample:
    """The Polaris sample (pool www-example: www1, www2) with everything pharos writes kept in
    a private directory, a private table name and an HTTP port the kernel picks."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pharos-exit-")
        for f in ["polaris-lb.yaml", "polaris-topology.yaml"]:
            shutil.copy(os.path.join(ROOT, "test", "data", f), self.dir)
        self.config = os.path.join(self.dir, "pharos.yaml")
        self.socket = os.path.join(self.dir, "control.sock")
        self.table = "/pharos-exit-%d" % os.getpid()
        with open(self.config, "w") as f:
            f.write("health: {table: %s}\nuser: root\ncontrol: {socket: %s}\n"
                    "admin_state: %s/admin-state.json\nhttp: {listen: '127.0.0.1:0'}\n"
                    % (self.table, self.socket, self.dir))

    def ctl(self, *args):
        return pharosctl("-c", self.config, *args)

    def remove(self):
        for leftover in ["", ".lock", "-backend"]:
            path = "/dev/shm" + self.table + leftover
            if os.path.exists(path):
                os.unlink(path)
        shutil.rmtree(self.dir)


def expect(result, code, text=None):
    assert result.returncode == code, (code, result)
    assert text is None or text in result.stdout + result.stderr, (text, result)


def test_ok():
    s = Sample()
    try:
        expect(pharosctl("--help"), OK)
        expect(pharosctl("--version"), OK)
        expect(s.ctl("validate"), OK, "ok: 1 pools")
        expect(s.ctl("names"), OK, "myweb.contoso.local 1 www-example")
        expect(s.ctl("members"), OK, "www-example www1 10.1.0.5\nwww-example www2 10.2.0.5\n")
        expect(s.ctl("members", "www-example"), OK, "www-example www2 10.2.0.5")
        expect(s.ctl("explain", "myweb.contoso.local", "--client", "10.2.0.9"), OK)
    finally:
        s.remove()


def test_usage():
    s = Sample()
    try:
        expect(pharosctl(), USAGE, "no command given")
        expect(s.ctl("frobnicate"), USAGE, "unknown command frobnicate")
        expect(s.ctl("status", "--bogus"), USAGE, "unknown option --bogus")
        expect(pharosctl("status", "-c"), USAGE, "-c needs a value")
        expect(s.ctl("drain"), USAGE, "usage: pharosctl drain POOL")
        expect(s.ctl("clear", "a", "b", "c"), USAGE)
        expect(s.ctl("failback"), USAGE)
        expect(s.ctl("failover", "a", "b", "c"), USAGE)
        expect(s.ctl("members", "a", "b"), USAGE)
        expect(s.ctl("explain", "myweb.contoso.local"), USAGE)
        expect(s.ctl("explain", "myweb.contoso.local", "--client", "nowhere"), USAGE)
        expect(s.ctl("drain", "www-example", "--until", "soon"), USAGE, "--until takes")
    finally:
        s.remove()


def test_problem_without_a_prober():
    s = Sample()
    try:
        expect(s.ctl("members", "no-such-pool"), PROBLEM, "no pool no-such-pool")
        expect(s.ctl("explain", "www.example.org", "--client", "10.2.0.9"), PROBLEM,
               "not a globalname")
        expect(s.ctl("status"), PROBLEM, "fail-open")  # no table: the backend fails open
        with open(s.config, "a") as f:
            f.write("loglevel: debug\n")
        for command in [["validate"], ["names"], ["members"], ["status"], ["reload"],
                        ["explain", "myweb.contoso.local", "--client", "10.2.0.9"],
                        ["drain", "www-example"], ["failback", "www-example"]]:
            expect(s.ctl(*command), PROBLEM, "loglevel: unknown key")
    finally:
        s.remove()


def test_unreachable():
    s = Sample()
    try:
        steering = [["drain", "www-example", "www1"], ["force-up", "www-example"],
                    ["force-down", "www-example"], ["clear", "www-example"], ["reload"],
                    ["failover", "www-example"], ["failback", "www-example"]]
        for command in steering:  # no socket at all
            expect(s.ctl(*command), UNREACHABLE, "cannot reach pharos-health")
        refusing = socket.socket(socket.AF_UNIX)
        refusing.bind(s.socket)  # bound, not listening: connections are refused
        expect(s.ctl("drain", "www-example"), UNREACHABLE, "cannot reach pharos-health")
        refusing.close()
        os.unlink(s.socket)
        silent = socket.socket(socket.AF_UNIX)
        silent.bind(s.socket)
        silent.listen(4)  # accepts, then closes without a word
        child = os.fork()
        if child == 0:
            for _ in range(2):
                conn, _ = silent.accept()
                conn.recv(4096)
                conn.close()
            os._exit(0)
        expect(s.ctl("drain", "www-example"), UNREACHABLE, "no answer from pharos-health")
        expect(s.ctl("reload"), UNREACHABLE, "no answer from pharos-health")
        os.waitpid(child, 0)
        silent.close()
    finally:
        s.remove()


def test_with_a_prober():
    s = Sample()
    prober = subprocess.Popen([os.path.join(BIN, "pharos-health"), "-c", s.config],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 10
        while not os.path.exists(s.socket) and time.time() < deadline:
            assert prober.poll() is None, prober.stderr.read()
            time.sleep(0.05)
        expect(s.ctl("drain", "www-example", "www1", "--reason", "test"), OK, "drain www-example/www1")
        expect(s.ctl("clear", "www-example", "www1"), OK, "cleared www-example/www1")
        expect(s.ctl("drain", "no-such-pool"), PROBLEM)  # refused by pharos-health
        expect(s.ctl("force-up", "www-example", "www9"), PROBLEM)
        expect(s.ctl("failback", "www-example"), PROBLEM)  # nothing is held
        os.chmod(s.dir, 0o755)  # the configuration readable, the socket (0660) not usable
        nobody = subprocess.run([os.path.join(BIN, "pharosctl"), "-c", s.config, "drain",
                                 "www-example"], capture_output=True, text=True, timeout=20,
                                user=65534, group=65534, extra_groups=[])
        expect(nobody, PROBLEM, "ermission denied")  # not allowed: refused, not unreachable
    finally:
        prober.terminate()
        prober.wait(5)
        s.remove()


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
