"""Starts the real parts for end-to-end tests and the demo: pdns_server with gsqlite3 + remote
backends on loopback, pharos-backend, pharos-health and HTTP members; queries with dig."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate until it returns a truthy value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def port_open(address, port, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((address, port)) == 0


class Process:
    """A child process with its output in a log file; stop() is SIGTERM then SIGKILL."""

    def __init__(self, name, argv, log_dir):
        self.name, self.argv, self.log_dir = name, argv, log_dir
        self.proc = None
        self.log_path = os.path.join(log_dir, name + ".log")

    def start(self, env=None):
        log = open(self.log_path, "ab")
        self.log_start = log.tell()
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        log.close()
        return self

    def logged_since_start(self, text, timeout=10):
        """Waits until this run of the process logs `text`: e.g. that it is past start-up and
        has its signal handlers (a SIGHUP before them would end it)."""
        def seen():
            with open(self.log_path, "rb") as f:
                f.seek(getattr(self, "log_start", 0))
                return text in f.read().decode(errors="replace")
        return wait_until(seen, timeout)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if not self.running():
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self):
        self.stop(signal.SIGKILL)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Member(Process):
    """member.py on address:port; `extra` picks its kind (see member.py): HTTP by default."""

    def __init__(self, address, port, name, log_dir, extra=()):
        super().__init__("member-" + name,
                         ["python3", os.path.join(HERE, "member.py"), address, str(port), name]
                         + list(extra), log_dir)
        self.address, self.port = address, port
        self.udp = "--dns-answer" in extra

    def listening(self):
        if self.udp:  # the member prints its line once it has bound
            return "listening" in self.log()
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        return port_open(self.address, self.port, family)

    def start(self):
        super().start()
        if not wait_until(self.listening, 5):
            raise RuntimeError("member %s did not start: %s" % (self.name, self.log()))
        return self


class Answer:
    def __init__(self, status, records, ecs_scope, output, flags=(), question=None):
        self.status, self.records, self.ecs_scope, self.output = status, records, ecs_scope, output
        self.flags, self.question = set(flags), question

    def values(self, rtype=None):
        return sorted(r[3] for r in self.records if rtype is None or r[2] == rtype)

    def __repr__(self):
        return "Answer(%s, %s, scope=%s)" % (self.status, self.records, self.ecs_scope)


def parse_dig(out):
    """One dig response: status, answer records (name, ttl, type, value), ECS scope and the
    name it answers (its QUESTION section)."""
    status = re.search(r"status: (\w+)", out)
    records, section, question = [], None, None
    for line in out.splitlines():
        if line.startswith(";; ") and "SECTION" in line:
            section = line.split()[1]
            continue
        fields = line[1:].split()
        if section == "QUESTION" and line.startswith(";") and fields and question is None:
            question = fields[0].lower()
        if section == "ANSWER" and line and not line.startswith(";"):
            parts = line.split(None, 4)
            if len(parts) == 5:
                records.append((parts[0].lower(), int(parts[1]), parts[3], parts[4]))
    scope = re.search(r"CLIENT-SUBNET: [0-9a-f.:]+/\d+/(\d+)", out)
    flags = re.search(r";; flags: ([a-z ]*);", out)
    return Answer(status.group(1) if status else "TIMEOUT", records,
                  int(scope.group(1)) if scope else None, out,
                  flags.group(1).split() if flags else (), question)


def dig_argv(port, server, source, subnet):
    argv = ["dig", "@" + server, "-p", str(port), "+norecurse", "+time=1", "+tries=1",
            "+nocookie"]
    if source:
        argv += ["-b", source]
    if subnet:
        argv.append("+subnet=" + subnet)
    return argv


def dig(name, qtype="A", port=5300, server="127.0.0.1", source=None, subnet=None, timeout=2,
        extra=()):
    argv = dig_argv(port, server, source, subnet) + list(extra) + [name, qtype]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 3).stdout
    return parse_dig(out)


def dig_many(name, count, qtype="A", port=5300, server="127.0.0.1", source=None, subnet=None):
    """`count` separate DNS queries from one dig process (batch mode), one Answer each."""
    with tempfile.NamedTemporaryFile("w", suffix=".dig") as batch:
        batch.write(("%s %s\n" % (name, qtype)) * count)
        batch.flush()
        argv = dig_argv(port, server, source, subnet) + ["-f", batch.name]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30 + count / 50).stdout
    return parse_dig_replies(out)


def parse_dig_replies(out):
    """Every response in the output of one dig process that asked several questions, in order."""
    return [parse_dig(";; ->>HEADER<<-" + c) for c in out.split(";; ->>HEADER<<-")[1:]]


# pdns cache settings: off, the ones scripts/pdns/pharos.conf recommends, and pdns's defaults.
CACHES = {
    "off": ["cache-ttl=0", "query-cache-ttl=0", "negquery-cache-ttl=0"],
    "recommended": ["cache-ttl=1", "query-cache-ttl=1", "negquery-cache-ttl=1"],
    "default": [],
}


# pdns's zone cache: "on" (pdns's default) finds a name's zone in memory; "off" asks every
# backend for a SOA at each label of the name, pharos included. PHAROS_PDNS_ZONE_CACHE picks it
# for a whole run: ctest runs the end-to-end suites both ways.
ZONE_CACHE = {"on": [], "off": ["zone-cache-refresh-interval=0"]}


def zone_cache_mode():
    mode = os.environ.get("PHAROS_PDNS_ZONE_CACHE", "on")
    if mode not in ZONE_CACHE:
        raise ValueError("PHAROS_PDNS_ZONE_CACHE must be on or off, not %r" % mode)
    return mode


# What pdns logs when a backend's answer broke a query (SERVFAIL): none may appear.
BACKEND_ERROR_MARKS = ("Backend error", "Backend reported permanent error")


class Pdns(Process):
    """pdns_server on 127.0.0.1:port with its own config dir and gsqlite3 database."""

    def __init__(self, workdir, port, backend_socket, zones, pharos_config, bin_dir,
                 caches="off", name="pdns", extra=(), zone_cache=None):
        self.workdir, self.port = workdir, port
        self.conf_dir = os.path.join(workdir, name)
        os.makedirs(self.conf_dir, exist_ok=True)
        self.db = os.path.join(self.conf_dir, "pdns.sqlite3")
        lines = [
            "launch=gsqlite3,remote",
            "gsqlite3-database=" + self.db,
            "remote-connection-string=unix:path=%s,timeout=2000" % backend_socket,
            "edns-subnet-processing=yes",
            "local-address=127.0.0.1",
            "local-port=%d" % port,
            "socket-dir=" + self.conf_dir,
            "daemon=no", "guardian=no", "disable-syslog=yes", "loglevel=4",
            "distributor-threads=3",
            "security-poll-suffix=",  # no outside lookups from tests
        ]
        self.zone_cache = zone_cache or zone_cache_mode()
        lines += CACHES[caches] + ZONE_CACHE[self.zone_cache] + list(extra)
        with open(os.path.join(self.conf_dir, "pdns.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if not os.path.exists(self.db):
            with open(SCHEMA) as schema:
                subprocess.run(["sqlite3", self.db], stdin=schema, check=True)
        self.zone_script = [os.path.join(HERE, "..", "..", "scripts", "pharos-zone.sh"),
                            "-c", pharos_config, "--pdns-config-dir", self.conf_dir] + zones
        self.zone_env = dict(os.environ, PHAROSCTL=os.path.join(bin_dir, "pharosctl"))
        self.run_zone_script()
        super().__init__(name, ["pdns_server", "--config-dir=" + self.conf_dir], workdir)

    def run_zone_script(self):
        """scripts/pharos-zone.sh, as an operator runs it after a change."""
        return subprocess.run(self.zone_script, check=True, env=self.zone_env,
                              capture_output=True, text=True).stdout

    def util(self, *args):
        """pdnsutil with this instance's configuration; raises when it fails."""
        out = subprocess.run(["pdnsutil", "--config-dir=" + self.conf_dir] + list(args),
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError("pdnsutil %s failed: %s%s" % (args, out.stdout, out.stderr))
        return out.stdout

    def control(self, *args):
        """pdns_control against this instance, e.g. control("show", "packetcache-hit")."""
        out = subprocess.run(["pdns_control", "--config-dir=" + self.conf_dir] + list(args),
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def backend_errors(self):
        """The lines of this instance's log where a backend's answer failed a query, since the
        last forgive_backend_errors()."""
        return [line for line in self.log()[getattr(self, "errors_from", 0):].splitlines()
                if any(mark in line for mark in BACKEND_ERROR_MARKS)]

    def forgive_backend_errors(self):
        """For a test that broke the backend on purpose: what pdns logged so far is expected."""
        self.errors_from = len(self.log())

    def start(self):
        super().start()
        ok = wait_until(lambda: dig("ns1." + "invalid", "A", self.port).status != "TIMEOUT"
                        or not self.running(), 10)
        if not ok or not self.running():
            raise RuntimeError("pdns did not start:\n" + self.log())
        return self


class Backend(Process):
    """pharos-backend; start() returns once its socket accepts connections, because pdns with
    its zone cache on exits at start when the remote backend is unreachable (and a sanitizer
    build takes a while to get there). Ready is the READY=1 it sends systemd, to a notify
    socket of the harness's own, or its "listening on" line where the notify socket is out
    of its reach (it runs as another user)."""

    def start(self):
        path = os.path.join(self.log_dir, self.name + ".notify")
        if os.path.exists(path):
            os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(path)
            os.chmod(path, 0o666)
            notify.setblocking(False)
            super().start(dict(os.environ, NOTIFY_SOCKET=path))

            def ready():
                try:
                    if b"READY=1" in notify.recv(4096):
                        return True
                except BlockingIOError:
                    pass
                return self.logged_since_start("listening on", 0) or not self.running()
            if not wait_until(ready, 30) or not self.running():
                raise RuntimeError("pharos-backend did not start listening:\n" + self.log())
        os.unlink(path)
        return self


class Pharos:
    """pharos-backend and pharos-health for one pharos.yaml."""

    def __init__(self, bin_dir, config, workdir):
        self.bin_dir, self.config = bin_dir, config
        self.backend = Backend("pharos-backend",
                               [os.path.join(bin_dir, "pharos-backend"), "-c", config], workdir)
        self.health = Process("pharos-health",
                              [os.path.join(bin_dir, "pharos-health"), "-c", config], workdir)

    def ctl(self, *args):
        return subprocess.run([os.path.join(self.bin_dir, "pharosctl"), "-c", self.config]
                              + list(args), capture_output=True, text=True, timeout=10)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


def sanitizer_reports(workdir):
    """Sanitizer reports the processes of a run left in their logs (a sanitizer build's
    servers report into their stderr, which the harness keeps in workdir/*.log)."""
    found = []
    for name in sorted(os.listdir(workdir)):
        if name.endswith(".log"):
            with open(os.path.join(workdir, name), errors="replace") as f:
                text = f.read()
            for mark in SANITIZER_MARKS:
                at = text.find(mark)
                if at >= 0:
                    found.append("%s: %s" % (name, text[max(0, at - 200):at + 2000]))
    return found


def make_workdir(prefix="pharos-e2e-"):
    return tempfile.mkdtemp(prefix=prefix)


def remove_workdir(path):
    shutil.rmtree(path, ignore_errors=True)


def pdns_backend_errors(world):
    """What the world's pdns instances (`pdns`: one, or a dict of them) logged as a backend
    error."""
    instances = getattr(world, "pdns", None)
    if isinstance(instances, dict):
        instances = list(instances.values())
    elif instances is not None:
        instances = [instances]
    return ["%s: %s" % (p.name, line) for p in instances or [] for line in p.backend_errors()]


def run_suite(tests, run, show_failure, clean_pdns_log=False):
    """The main of a suite: runs the tests named on the command line (all by default; argv is
    BIN_DIR [TEST...]). run(test, worlds) runs one and appends each world it starts, which
    has stop(), dir and logs(); show_failure(world) prints what explains a failure. Every world
    is stopped, a sanitizer report fails its test, and so does, with `clean_pdns_log`, a
    backend error in pdns's log; a failed test's folders are kept (every test's with
    PHAROS_KEEP_WORKDIR=1).
    Returns the exit status."""
    chosen = [t for t in tests if len(sys.argv) < 3 or t.__name__ in sys.argv[2:]]
    passed = failed = 0
    began = time.monotonic()
    for test in chosen:
        worlds = []
        started = time.monotonic()
        good = True
        try:
            run(test, worlds)
        except Exception:
            good = False
            traceback.print_exc()
            for w in worlds:
                show_failure(w)
        finally:
            for w in worlds:
                w.stop()
                for report in sanitizer_reports(w.dir):
                    good = False
                    print("SANITIZER REPORT in " + report)
                for line in pdns_backend_errors(w) if clean_pdns_log else []:
                    good = False
                    print("PDNS BACKEND ERROR " + line)
        took = time.monotonic() - started
        print("%s %s (%.1fs)" % ("PASS" if good else "FAIL", test.__name__, took), flush=True)
        for w in worlds:
            if good and os.environ.get("PHAROS_KEEP_WORKDIR") != "1":  # 1: to read the logs
                remove_workdir(w.dir)
            else:
                print("    kept " + w.dir)
        passed, failed = passed + good, failed + (not good)
    print("%d passed, %d failed (%.1fs)" % (passed, failed, time.monotonic() - began))
    return 1 if failed else 0


def run_shared_world(world, tests, clean_pdns_log=True):
    """The main of a suite whose tests share one world (argv is BIN_DIR [TEST...]): starts it,
    runs the chosen tests in order, stops it. A sanitizer report fails the run, and so does a
    backend error in pdns's log (`clean_pdns_log`); the folder is kept when anything failed.
    Returns the exit status."""
    chosen = [t for t in tests if len(sys.argv) < 3 or t.__name__ in sys.argv[2:]]
    passed = failed = 0
    began = time.monotonic()
    try:
        world.start()
        for test in chosen:
            started = time.monotonic()
            try:
                test(world)
                passed += 1
                print("PASS %s (%.1fs)" % (test.__name__, time.monotonic() - started), flush=True)
            except Exception:
                failed += 1
                print("FAIL", test.__name__, flush=True)
                traceback.print_exc()
                print(world.logs()[-6000:])
    except Exception:
        failed += 1
        traceback.print_exc()
        print(world.logs())
    finally:
        world.stop()
        for report in sanitizer_reports(world.dir):
            failed += 1
            print("SANITIZER REPORT in " + report)
        for line in pdns_backend_errors(world) if clean_pdns_log else []:
            failed += 1
            print("PDNS BACKEND ERROR " + line)
        if failed == 0:
            remove_workdir(world.dir)
        else:
            print("    kept " + world.dir)
    print("%d passed, %d failed (%.1fs)" % (passed, failed, time.monotonic() - began))
    return 1 if failed else 0


def ok(result):
    """A pharosctl run that must succeed; its output."""
    assert result.returncode == 0, (result.args, result.stdout, result.stderr)
    return result.stdout


class Deployment:
    """What the suites share of one test's deployment: a subclass sets bin_dir, dir, config,
    table, members (name -> Member), pharos and pdns, and starts them its own way."""

    def servers(self):
        return [self.pharos.health, self.pharos.backend, self.pdns]

    def stop(self):
        for p in self.servers() + list(self.members.values()):
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def ctl(self, *args):
        return subprocess.run([os.path.join(self.bin_dir, "pharosctl"), "-c", self.config]
                              + list(args), capture_output=True, text=True, timeout=20)

    def status(self):
        try:
            return json.loads(self.ctl("status", "--json").stdout)
        except ValueError:
            return {}

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in self.servers())


def changes_within(w, label, expected, bound):
    """Seconds until w.answer(label) is `expected`; fails past `bound`."""
    start = time.monotonic()
    done = wait_until(lambda: w.answer(label) == expected, bound + 1, 0.05)
    took = time.monotonic() - start
    assert done and took <= bound, (label, expected, w.answer(label), took)
    return took
