#!/usr/bin/env python3
"""pharos as systemd runs it, without systemd: the backend's listening socket handed over the
way socket activation does (LISTEN_FDS/LISTEN_PID, fd 3), readiness and reload notices sent
to a NOTIFY_SOCKET, and the start-up drill: pdns with its zone cache on, started before
pharos-backend, with and without the socket held for it. Usage: systemd_test.py BIN_DIR"""
import os
import select
import signal
import socket
import subprocess
import sys
import time

from harness import Pdns, Pharos, Process, dig, make_workdir, run_shared_world, wait_until

PDNS_PORT = 5389
NAME = "www.activation.test"
LB = """
pools:
  web:
    monitor: forced
    lb_method: fogroup
    members:
    - {ip: 192.0.2.7, name: m1, weight: 1}
globalnames:
  %s.: {pool: web, ttl: 5}
""" % NAME


class HeldSocket:
    """What systemd's .socket unit does: bind and listen before any service runs."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(128)

    def close(self):
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


class NotifySocket:
    """Collects what sd_notify sends, as systemd's notification socket would."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []

    def read(self):
        try:
            while True:
                self.messages.append(self.sock.recv(4096).decode())
        except socket.timeout:
            pass
        return self.messages


def activated(process, held, notify=None):
    """Starts `process` with `held` as fd 3 and LISTEN_FDS/LISTEN_PID set for it, as
    systemd does for a socket-activated service (LISTEN_PID is only known in the child)."""
    fd = held.sock.fileno()

    def in_child():
        os.dup2(fd, 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        if notify:
            os.environ["NOTIFY_SOCKET"] = notify.path

    log = open(process.log_path, "ab")
    process.proc = subprocess.Popen(process.argv, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, close_fds=False,
                                    preexec_fn=in_child)
    log.close()
    return process


class World:
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-systemd-")
        self.table = "/pharos-systemd-%d" % os.getpid()
        self.socket_path = os.path.join(self.dir, "backend.sock")
        self.config = os.path.join(self.dir, "pharos.yaml")
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(LB)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: null\nuser: root\n"
                    "backend: {socket: %s, socket_group: root}\n"
                    "health: {table: %s, table_group: root}\n"
                    "control: {socket: %s/control.sock}\n"
                    "http: {listen: '127.0.0.1:19182'}\n"
                    % (self.socket_path, self.table, self.dir))
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        # The zone cache on, as pdns has it by default: it reads every backend's zones at start.
        self.pdns = Pdns(self.dir, PDNS_PORT, self.socket_path, ["activation.test"], self.config,
                         bin_dir, extra=["zone-cache-refresh-interval=300"])

    def start(self):
        """Each drill starts what it needs, in the order it needs."""

    def stop(self):
        for p in [self.pdns, self.pharos.backend, self.pharos.health]:
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in
                         [self.pharos.health, self.pharos.backend, self.pdns])


def start_pdns_raw(w):
    """pdns_server without the harness's wait: the drill needs to see it exit."""
    w.pdns.proc = None
    Process.start(w.pdns)
    return w.pdns


def test_pdns_exits_at_start_when_nothing_listens(w):
    assert not os.path.exists(w.socket_path)
    pdns = start_pdns_raw(w)
    exited = wait_until(lambda: not pdns.running(), 15)
    assert exited, "pdns kept running with no backend socket:\n" + pdns.log()[-2000:]
    print("    without a held socket pdns exits at start (as the README says)")


def test_held_socket_lets_pdns_start_first_and_the_backend_join_later(w):
    held = HeldSocket(w.socket_path)
    notify = NotifySocket(os.path.join(w.dir, "notify.sock"))
    try:
        w.pharos.health.start()
        # pdns starts first. Its first connect waits in the held socket's backlog, and, as
        # systemd does for a socket unit, that connect is what starts pharos-backend.
        pdns = start_pdns_raw(w)
        pending, _, _ = select.select([held.sock], [], [], 15)
        assert pending, "pdns never connected:\n" + pdns.log()[-2000:]
        started = time.monotonic()
        activated(w.pharos.backend, held, notify)
        served = wait_until(lambda: dig("ns1.activation.test", "A", PDNS_PORT).values() ==
                            ["127.0.0.1"], 20)
        assert served and pdns.running(), pdns.log()[-3000:]
        answered = wait_until(lambda: dig(NAME, "A", PDNS_PORT).values() == ["192.0.2.7"], 15)
        assert answered, w.logs()
        print("    pdns served the static zone and the globalname %.2fs after its first "
              "connect started the backend" % (time.monotonic() - started))
        assert wait_until(lambda: any(m.startswith("READY=1") for m in notify.read()), 5), \
            notify.messages
        assert "serving the socket systemd passed" in w.pharos.backend.log()
        w.pharos.backend.send(signal.SIGHUP)
        assert wait_until(lambda: "RELOADING=1" in notify.read(), 5), notify.messages
        reload_at = notify.messages.index("RELOADING=1")
        assert wait_until(lambda: any(m.startswith("READY=1")
                                      for m in notify.read()[reload_at:]), 5), notify.messages
        # The socket is the activator's: a stopped backend leaves it, and a new one serves it.
        w.pharos.backend.stop()
        assert os.path.exists(w.socket_path)
        activated(w.pharos.backend, held)
        assert wait_until(lambda: dig(NAME, "A", PDNS_PORT).values() == ["192.0.2.7"], 15)
    finally:
        w.pdns.stop()
        w.pharos.backend.stop()
        w.pharos.health.stop()
        held.close()


def test_prober_says_ready_once_every_member_has_a_verdict(w):
    notify = NotifySocket(os.path.join(w.dir, "notify-health.sock"))
    os.environ["NOTIFY_SOCKET"] = notify.path
    try:
        w.pharos.health.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    assert wait_until(lambda: "READY=1\nSTATUS=every member has a verdict" in notify.read(), 5), \
        notify.messages
    w.pharos.health.stop()


def test_started_as_root_both_become_the_configured_user(w):
    """Without systemd, as root: bind and create, then become `user` (here nobody) for good;
    a reload (new shared memory, renamed over the old) and a drain (the admin-state file)
    still work as that user."""
    home = os.path.join(w.dir, "as-nobody")
    os.makedirs(home)
    os.chmod(w.dir, 0o755)
    os.chmod(home, 0o755)
    os.chown(home, 65534, 65534)
    config = os.path.join(home, "pharos.yaml")
    table = w.table + "-nobody"
    with open(config, "w") as f:
        f.write("lb: %s/lb.yaml\ntopology: null\nuser: nobody\n"
                "backend: {socket: %s/backend.sock, socket_group: root}\n"
                "health: {table: %s, table_group: root}\n"
                "admin_state: %s/admin-state.json\n"
                "control: {socket: %s/control.sock, group: root}\n"
                "http: {listen: '127.0.0.1:19188'}\n" % (w.dir, home, table, home, home))
    os.chmod(os.path.join(w.dir, "lb.yaml"), 0o644)
    pharos = Pharos(w.pharos.bin_dir, config, home)
    try:
        pharos.health.start()
        pharos.backend.start()
        assert pharos.health.logged_since_start("running as user nobody"), pharos.health.log()
        assert pharos.backend.logged_since_start("running as user nobody"), pharos.backend.log()
        for p in (pharos.health, pharos.backend):
            with open("/proc/%d/status" % p.proc.pid) as f:
                uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
            assert uids == ["65534"] * 4, (p.name, uids)
        for p in (pharos.health, pharos.backend):
            p.send(signal.SIGHUP)
        assert pharos.health.logged_since_start("configuration reloaded")
        assert pharos.backend.logged_since_start("configuration reloaded")
        drain = pharos.ctl("drain", "web", "m1")
        assert drain.returncode == 0, drain
        assert os.stat(os.path.join(home, "admin-state.json")).st_uid == 65534
        assert pharos.health.running() and pharos.backend.running()
    finally:
        pharos.backend.stop()
        pharos.health.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + table + suffix):
                os.unlink("/dev/shm" + table + suffix)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    # pdns exits at start in the first drill, on purpose: its log is not the backend's fault.
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS, clean_pdns_log=False)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
