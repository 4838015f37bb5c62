#!/usr/bin/env python3
"""pharos-health's etcd link over TLS with a client certificate (docs/CLUSTER.md, `cluster.tls`):
one etcd on loopback that requires client certificates signed by a test CA, and one
pharos-health per case (no pdns, no backend). A prober with a certificate of that CA connects,
publishes its vote and writes a drain under the prefix; one with a certificate of another CA, or
with none, is refused by etcd, shows the store unreachable with the reason and refuses pharosctl's
changes; one whose certificate file is missing does not start. Needs openssl, etcd
(etcd-server) and etcdctl (etcd-client); runs as root (user: root), nothing in a namespace.
Usage: tls_test.py BIN_DIR [TEST...]"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))  # the e2e suites' harness

from harness import Process, make_workdir, ok, run_suite, wait_until

ETCD_CLIENT, ETCD_PEER = 23871, 23872
ETCD_URL = "https://127.0.0.1:%d" % ETCD_CLIENT
HTTP_PORTS = {"trusted": 19251, "untrusted": 19252, "nocert": 19253, "missing": 19254}
PREFIX = "/pharos-tls/"
NODE, SITE = "t1", "s"
MEMBER, MEMBER_ADDRESS = "web1", "192.0.2.10"
CONNECTED = 10.0    # a prober with a trusted certificate reaches etcd
REFUSED_FOR = 4.0   # a refused prober stays unreachable at least this long
EXITS = 5.0         # a prober with a missing certificate file gives up

# One openssl configuration for every certificate: CAs, etcd's server certificate (127.0.0.1) and
# the clients'. etcd 3.4's JSON gateway dials etcd's own gRPC port with the server certificate as
# its client certificate, so with --client-cert-auth that certificate needs clientAuth as well.
OPENSSL_CNF = """[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- certificates ------------------------------------------------------------------------

def openssl(*args, cwd):
    out = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s%s" % (" ".join(args), out.stdout, out.stderr))


def make_ca(d, name):
    openssl("req", "-x509", "-new", "-config", "openssl.cnf", "-extensions", "ca_ext",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
            "-subj", "/CN=pharos tls test " + name, cwd=d)


def make_leaf(d, name, ca, extensions, subject):
    openssl("req", "-new", "-config", "openssl.cnf", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", subject, cwd=d)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
            "-extfile", "openssl.cnf", "-extensions", extensions, "-out", name + ".pem", cwd=d)


def make_certificates(d):
    """ca (trusted by etcd), server (etcd's, IP:127.0.0.1), client (of ca) and other-client
    (of other-ca, which etcd does not trust). The files are d/<name>.pem and d/<name>.key."""
    write(os.path.join(d, "openssl.cnf"), OPENSSL_CNF)
    make_ca(d, "ca")
    make_ca(d, "other-ca")
    make_leaf(d, "server", "ca", "server_ext", "/CN=127.0.0.1")
    make_leaf(d, "client", "ca", "client_ext", "/CN=pharos-t1")
    make_leaf(d, "other-client", "other-ca", "client_ext", "/CN=pharos-t1")
    return {name: (os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))
            for name in ["ca", "other-ca", "server", "client", "other-client"]}


# ---- etcd --------------------------------------------------------------------------------

def etcd_argv(d, certs):
    client = ETCD_URL
    peer = "http://127.0.0.1:%d" % ETCD_PEER
    return ["etcd", "--name", "tls", "--data-dir", os.path.join(d, "etcd"),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "tls=" + peer, "--initial-cluster-state", "new",
            "--initial-cluster-token", "pharos-tls-%d" % os.getpid(),
            "--client-cert-auth", "--trusted-ca-file", certs["ca"][0],
            "--cert-file", certs["server"][0], "--key-file", certs["server"][1],
            "--logger", "zap", "--log-outputs", "stderr"]


def etcdctl(certs, *args, client="client", timeout=8):
    env = dict(os.environ, ETCDCTL_API="3")
    argv = ["etcdctl", "--endpoints", ETCD_URL, "--dial-timeout", "2s", "--command-timeout", "3s",
            "--cacert", certs["ca"][0]]
    if client:
        argv += ["--cert", certs[client][0], "--key", certs[client][1]]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env)


def keys_under(certs, prefix):
    out = ok(etcdctl(certs, "get", "--prefix", "--keys-only", prefix))
    return [line for line in out.splitlines() if line.strip()]


# ---- pharos ------------------------------------------------------------------------------

LB = ("pools:\n"
      "  app:\n    monitor: forced\n    monitor_params: {status: up}\n"
      "    lb_method: wrr\n    health_quorum: majority\n"
      "    members:\n    - {ip: %s, name: %s, weight: 1}\n"
      "globalnames:\n  app.tls.test.: {pool: app, ttl: 1}\n" % (MEMBER_ADDRESS, MEMBER))


def tls_yaml(tls):
    return "{%s}" % ", ".join("%s: %s" % (k, v) for k, v in tls.items())


def pharos_yaml(d, table, port, tls):
    return ("lb: lb.yaml\ntopology: null\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\n"
            "http: {listen: '127.0.0.1:%d'}\n"
            "cluster:\n  etcd: [%s]\n  node: %s\n  site: %s\n  prefix: %s\n  tls: %s\n"
            % (d, table, d, d, port, ETCD_URL, NODE, SITE, PREFIX, tls_yaml(tls)))


class Prober:
    """One pharos-health for one pharos.yaml in its own folder under the world's."""

    def __init__(self, world, case, tls):
        self.bin_dir = world.bin_dir
        self.dir = os.path.join(world.dir, case)
        os.makedirs(self.dir)
        self.port = HTTP_PORTS[case]
        self.table = "/pharos-tls-%d-%s" % (os.getpid(), case)
        write(os.path.join(self.dir, "lb.yaml"), LB)
        self.config = write(os.path.join(self.dir, "pharos.yaml"),
                            pharos_yaml(self.dir, self.table, self.port, tls))
        self.health = Process("pharos-health-" + case, [
            os.path.join(self.bin_dir, "pharos-health"), "-c", self.config], world.dir)

    def start(self):
        self.health.start()
        if not wait_until(lambda: self.status() or not self.health.running(), 10):
            raise RuntimeError("pharos-health never served /status:\n" + self.health.log())
        assert self.health.running(), self.health.log()
        return self

    def ctl(self, *args):
        return subprocess.run([os.path.join(self.bin_dir, "pharosctl"), "-c", self.config]
                              + list(args), capture_output=True, text=True, timeout=20)

    def status(self):
        """GET /status; {} while nothing answers."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/status" % self.port,
                                        timeout=2) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return {}

    def cluster(self):
        return self.status().get("cluster") or {}

    def remove_table(self):
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)


class World:
    """The certificates, etcd (unless with_etcd is false) and the probers of one test; what
    run_suite stops and reports on."""

    def __init__(self, bin_dir, with_etcd=True):
        self.bin_dir = bin_dir
        self.dir = make_workdir("pharos-tls-")
        self.probers = []
        self.certs = make_certificates(self.dir)
        self.etcd = Process("etcd", etcd_argv(self.dir, self.certs), self.dir) \
            if with_etcd else None

    def start(self):
        if self.etcd is None:
            return self
        self.etcd.start()
        healthy = wait_until(lambda: not self.etcd.running() or etcdctl(
            self.certs, "endpoint", "health").returncode == 0, 20, 0.2)
        if not healthy or not self.etcd.running():
            raise RuntimeError("etcd never became healthy: %s\n%s" % (
                etcdctl(self.certs, "endpoint", "health").stderr, self.etcd.log()[-3000:]))
        return self

    def prober(self, case, tls):
        p = Prober(self, case, tls)
        self.probers.append(p)
        return p

    def stop(self):
        for p in self.probers:
            p.health.stop()
            p.remove_table()
        if self.etcd is not None:
            self.etcd.stop()

    def logs(self):
        procs = [p.health for p in self.probers] + ([self.etcd] if self.etcd else [])
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in procs)


def client_tls(world, client):
    tls = {"ca": world.certs["ca"][0]}
    if client:
        tls.update(cert=world.certs[client][0], key=world.certs[client][1])
    return tls


# ---- the cases ---------------------------------------------------------------------------

def test_trusted_client_cert(bin_dir, worlds):
    w = World(bin_dir)
    worlds.append(w)
    w.start()
    started = time.monotonic()
    p = w.prober("trusted", client_tls(w, "client")).start()
    assert wait_until(lambda: p.cluster().get("store") == "connected", CONNECTED, 0.1), \
        p.cluster()
    print("    store connected %.2f s after pharos-health started"
          % (time.monotonic() - started))
    doc = p.cluster()
    assert doc.get("node") == NODE and doc.get("site") == SITE, doc
    vote = PREFIX + "votes/" + NODE
    assert wait_until(lambda: vote in keys_under(w.certs, PREFIX + "votes/"), 5, 0.2), \
        keys_under(w.certs, PREFIX)
    ok(p.ctl("drain", "app", MEMBER))
    overrides = PREFIX + "state/override/"
    assert wait_until(lambda: keys_under(w.certs, overrides), 5, 0.1), \
        keys_under(w.certs, PREFIX)
    print("    in etcd: %s" % keys_under(w.certs, PREFIX))
    ok(p.ctl("clear", "app", MEMBER))
    assert wait_until(lambda: not keys_under(w.certs, overrides), 5, 0.1), \
        keys_under(w.certs, PREFIX)


def refused(w, case, tls):
    """A prober that etcd refuses: unreachable for REFUSED_FOR seconds, with a reason about the
    TLS connection, and pharosctl's changes refused naming etcd. Returns the store error."""
    p = w.prober(case, tls).start()
    seen = []
    start = time.monotonic()
    while time.monotonic() - start < REFUSED_FOR:
        c = p.cluster()
        seen.append(c.get("store"))
        assert c.get("store") == "unreachable", (round(time.monotonic() - start, 2), c)
        time.sleep(0.2)
    c = p.cluster()
    error = c.get("store_error") or ""
    print("    store %s after %.1f s (%d looks): %s" % (c.get("store"), REFUSED_FOR, len(seen),
                                                       error))
    assert c.get("store_failures", 0) >= 1, c
    # Under TLS 1.3 the client's side of the handshake ends before etcd checks the client's
    # certificate, so etcd's refusal comes with the first read ("no answer: sslv3 alert bad
    # certificate") or, when it closes first, with the request ("cannot send: Connection
    # reset by peer"; seen under ASan), rather than as a "TLS: ..." handshake failure.
    causes = ["tls", "ssl", "handshake", "certificate", "reset by peer"]
    assert any(word in error.lower() for word in causes), c
    out = p.ctl("drain", "app", MEMBER)
    assert out.returncode != 0, ("drain accepted without etcd", out.stdout, out.stderr)
    message = out.stdout + out.stderr
    assert "etcd" in message, message
    print("    drain refused: %s" % message.strip().splitlines()[-1])
    # nothing reached etcd, and the refused node did not write there either
    assert keys_under(w.certs, PREFIX) == [], keys_under(w.certs, PREFIX)
    return error


def test_untrusted_client_cert(bin_dir, worlds):
    w = World(bin_dir)
    worlds.append(w)
    w.start()
    # the premise: etcd itself refuses that certificate
    out = etcdctl(w.certs, "endpoint", "health", client="other-client")
    assert out.returncode != 0, ("etcd accepts the untrusted certificate", out.stdout)
    refused(w, "untrusted", client_tls(w, "other-client"))


def test_no_client_cert(bin_dir, worlds):
    w = World(bin_dir)
    worlds.append(w)
    w.start()
    out = etcdctl(w.certs, "endpoint", "health", client=None)
    assert out.returncode != 0, ("etcd accepts a client without a certificate", out.stdout)
    refused(w, "nocert", client_tls(w, None))


def test_missing_cert_file(bin_dir, worlds):
    w = World(bin_dir, with_etcd=False)
    worlds.append(w)
    tls = client_tls(w, "client")
    tls["cert"] = os.path.join(w.dir, "no-such-client.pem")
    p = w.prober("missing", tls)
    p.health.start()
    started = time.monotonic()
    exited = wait_until(lambda: not p.health.running(), EXITS, 0.05)
    took = time.monotonic() - started
    log = p.health.log()
    assert exited, ("pharos-health still running %.1f s after start with a missing "
                    "certificate file" % took, log)
    code = p.health.proc.returncode
    print("    exited %d after %.2f s: %s" % (code, took, log.strip().splitlines()[-1:]))
    assert code != 0, (code, log)
    assert "cluster.tls" in log, log


TESTS = [test_trusted_client_cert, test_untrusted_client_cert, test_no_client_cert,
         test_missing_cert_file]


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    for tool in ["openssl", "etcd", "etcdctl"]:
        if shutil.which(tool) is None:
            print("%s is needed (apt-get install openssl etcd-server etcd-client)" % tool)
            return 1
    # tables a run killed before its teardown left behind (their pid is gone)
    for name in glob.glob("/dev/shm/pharos-tls-*"):
        pid = name[len("/dev/shm/pharos-tls-"):].split("-")[0]
        if pid.isdigit() and not os.path.exists("/proc/" + pid):
            os.unlink(name)

    def show(w):
        for p in w.probers:
            print("%s: cluster %s" % (p.health.name, json.dumps(p.cluster())))
        print(w.logs())

    return run_suite(TESTS, lambda test, worlds: test(bin_dir, worlds), show)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
