#!/usr/bin/env python3
"""The multi-node drill: three pharos nodes (pharos-health, pharos-backend, pdns_server each) in
their own network namespaces, sharing votes and overrides through a three-member etcd cluster
(one member per node), probing two HTTP members in a fourth namespace. The test cuts one node
off from a member, stops a member, takes etcd's quorum away and restarts a prober, and times
how long every node takes to agree. Needs root, iproute2 and etcd (etcd-server, etcd-client).

PHAROS_DRILL_CACHES=recommended runs each pdns with the 1 s caches operators run (default:
off, so the figures time the sharing alone; with them a change can take up to 2 s longer to
reach answers, past the drill's 1.5 s bound for shared changes).
Usage: cluster_test.py BIN_DIR [TEST...]"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))  # the e2e suites' harness

import netns
from harness import (Backend, Deployment, Member, Pdns, Process, dig_argv, make_workdir, ok,
                     parse_dig, run_suite, wait_until)


# Every port lives in the drill's own namespaces, so none can collide with another suite's
# (those bind on the root namespace's loopback) or with the host's own services.
PDNS_PORT, MEMBER_PORT, HTTP_PORT, ETCD_CLIENT, ETCD_PEER = 5300, 8080, 8053, 2379, 2380
NODES = {"a": (netns.ns("a"), "10.213.0.1", "east"), "b": (netns.ns("b"), "10.213.0.2", "west"),
         "c": (netns.ns("c"), "10.213.0.3", "north")}
MEMBERS = {"M1": "10.213.0.10", "M2": "10.213.0.11"}
M1, M2 = [MEMBERS["M1"]], [MEMBERS["M2"]]
NAME = "app.cluster.test"
CANARY, CANARY_ADDRESS = "canary.cluster.test", "10.213.0.99"
ETCD_URLS = ["http://%s:%d" % (NODES[n][1], ETCD_CLIENT) for n in NODES]
PREFIX = "/pharos-drill/"

INTERVAL, TIMEOUT, RETRIES = 0.5, 0.4, 1
FAILOVER = INTERVAL * (RETRIES + 1) + TIMEOUT + 1.0  # the prober's own bound, plus 1 s
SHARED = 1.5      # an override set on one node reaches every node's answers
MAJORITY_HOLD = 3.0
STORE_LOST = 6.0  # lease_ttl, then up to a keepalive period and two call timeouts
STORE_BACK = 20.0  # etcd itself takes a few seconds to elect a leader again
RESTARTED = 3.0
LEASE_TTL = 3  # cluster.lease_ttl's default, which the drill keeps


# ---- configuration -----------------------------------------------------------------------

def lb_yaml():
    quorum = "    health_quorum: majority\n"
    return ("pools:\n"
            "  app:\n    monitor: http\n"
            "    monitor_params: {port: %d, interval: %g, timeout: %g, retries: %d}\n"
            "    lb_method: fogroup\n" % (MEMBER_PORT, INTERVAL, TIMEOUT, RETRIES) + quorum +
            "    members:\n"
            "    - {ip: %s, name: M1, weight: 1}\n"
            "    - {ip: %s, name: M2, weight: 1}\n" % (MEMBERS["M1"], MEMBERS["M2"]) +
            # A pool no scenario touches: forcing its member down shows when each backend reads
            # its table (it fails open, every member up, until it has mapped it).
            "  canary:\n    monitor: forced\n    lb_method: wrr\n    fallback: refuse\n"
            "    members:\n    - {ip: %s, name: canary, weight: 1}\n" % CANARY_ADDRESS +
            "globalnames:\n  %s.: {pool: app, ttl: 1}\n  %s.: {pool: canary, ttl: 1}\n"
            % (NAME, CANARY))


def cluster_yaml(node):
    return ("cluster:\n  etcd: [%s]\n  node: %s\n  site: %s\n  prefix: %s\n"
            % (", ".join(own_etcd_first(node)), node, NODES[node][2], PREFIX))


def own_etcd_first(node):
    """A node's endpoints with its own site's etcd member first, as a deployment lists them:
    the nearest member answers, and a site cut off keeps to its own (quorum-less) member."""
    own = "http://%s:%d" % (NODES[node][1], ETCD_CLIENT)
    return [own] + [u for u in ETCD_URLS if u != own]


def pharos_yaml(node, workdir, table):
    address = NODES[node][1]
    text = ("lb: lb.yaml\ntopology: null\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\n"
            # Each prober serves /status on its node's address, reached from inside the
            # namespaces only; not loopback, hence allow_remote.
            "http: {listen: '%s:%d', allow_remote: true}\n"
            % (workdir, table, workdir, workdir, address, HTTP_PORT))
    return text + cluster_yaml(node)


# What each node had set while it ran alone: the state the cluster starts from.
CANARY_DOWN = {"version": 2, "holders": [], "approvals": [], "overrides": [
    {"pool": "canary", "member": "canary", "address": CANARY_ADDRESS, "action": "force-down",
     "since_ms": 1, "by": "drill"}]}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- the processes, each in its namespace -------------------------------------------------

class NsMember(Member):
    """member.py in the members' namespace. Member.listening() connects from the root
    namespace, which cannot reach the drill's addresses; the member's own line says it bound."""

    def __init__(self, name, log_dir):
        super().__init__(MEMBERS[name], MEMBER_PORT, name, log_dir)
        self.argv = netns.inside(netns.ns("m"), self.argv)

    def listening(self):
        return self.logged_since_start("listening", 0)


class NodePdns(Pdns):
    """pdns_server on the node's address, queried from inside the node's namespace."""

    def __init__(self, node, workdir, config, bin_dir):
        self.node = node
        super().__init__(workdir, PDNS_PORT, os.path.join(node.dir, "backend.sock"), [],
                         config, bin_dir, caches=os.environ.get("PHAROS_DRILL_CACHES", "off"),
                         name="pdns-" + node.name)
        self.argv = netns.inside(node.ns, self.argv)
        # Pdns writes local-address=127.0.0.1; replaced rather than overridden by a later line,
        # so the file says one thing whatever pdns does with repeated settings.
        path = os.path.join(self.conf_dir, "pdns.conf")
        with open(path) as f:
            text = f.read().replace("local-address=127.0.0.1", "local-address=" + node.address)
        write(path, text)

    def start(self):
        Process.start(self)
        answered = wait_until(lambda: self.node.query("ns1.invalid").status != "TIMEOUT"
                              or not self.running(), 10)
        if not answered or not self.running():
            raise RuntimeError("pdns of node %s did not start:\n%s" % (self.node.name, self.log()))
        return self


def etcd_argv(name, data_dir):
    address = NODES[name][1]
    peers = ",".join("%s=http://%s:%d" % (n, NODES[n][1], ETCD_PEER) for n in NODES)
    client, peer = "http://%s:%d" % (address, ETCD_CLIENT), "http://%s:%d" % (address, ETCD_PEER)
    return ["etcd", "--name", name, "--data-dir", data_dir,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", peers, "--initial-cluster-state", "new",
            "--initial-cluster-token", "pharos-drill",
            # quick elections: a member's loss and return take about a second, not ten
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            # a member back from a partition does not force an election on the others
            "--pre-vote",
            "--logger", "zap", "--log-outputs", "stderr"]


def etcdctl(ns, *args, timeout=5):
    env = dict(os.environ, ETCDCTL_API="3")
    argv = netns.inside(ns, ["etcdctl", "--endpoints", ",".join(ETCD_URLS),
                             "--dial-timeout", "1s", "--command-timeout", "2s"] + list(args))
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)


def etcd_healthy():
    return etcdctl(netns.ns("a"), "endpoint", "health").returncode == 0


class Node:
    """One pharos node: its etcd member, pharos-health, pharos-backend and pdns_server."""

    def __init__(self, name, world):
        self.name, (self.ns, self.address, self.site) = name, NODES[name]
        self.bin_dir = world.bin_dir
        self.dir = os.path.join(world.dir, name)
        os.makedirs(self.dir)
        self.table = "/pharos-cluster-%s-%d" % (name, os.getpid())
        write(os.path.join(self.dir, "lb.yaml"), lb_yaml())
        self.config = write(os.path.join(self.dir, "pharos.yaml"),
                            pharos_yaml(name, self.dir, self.table))
        self.validate()
        write(os.path.join(self.dir, "admin-state.json"), json.dumps(CANARY_DOWN))
        self.health = self.program("pharos-health", Process, world.dir)
        self.backend = self.program("pharos-backend", Backend, world.dir)
        self.pdns = NodePdns(self, world.dir, self.config, self.bin_dir)
        self.etcd = Process("etcd-" + name, netns.inside(
            self.ns, etcd_argv(name, os.path.join(self.dir, "etcd"))), world.dir)

    def validate(self):
        """pharosctl's verdict on the node's files, up front: pharos-zone.sh, the first to
        read them, would hide it."""
        out = self.ctl("validate")
        if out.returncode != 0:
            raise RuntimeError("node %s: pharosctl validate failed:\n%s%s" % (
                self.name, out.stdout, out.stderr))

    def program(self, binary, kind, log_dir):
        argv = [os.path.join(self.bin_dir, binary), "-c", self.config]
        return kind("%s-%s" % (self.name, binary), netns.inside(self.ns, argv), log_dir)

    def servers(self):
        return [self.health, self.backend, self.pdns]

    def query(self, name=NAME):
        argv = netns.inside(self.ns, dig_argv(PDNS_PORT, self.address, None, None) + [name, "A"])
        return parse_dig(subprocess.run(argv, capture_output=True, text=True, timeout=5).stdout)

    def answer(self, name=NAME):
        return self.query(name).values()

    def ctl(self, *args):
        """pharosctl from the root namespace: the control socket is a file, not an address."""
        return subprocess.run([os.path.join(self.bin_dir, "pharosctl"), "-c", self.config]
                              + list(args), capture_output=True, text=True, timeout=20)

    def status(self):
        """The prober's GET /status, fetched from inside the node's namespace; {} if none."""
        body = netns.http_get(self.ns, "http://%s:%d/status" % (self.address, HTTP_PORT))
        try:
            return json.loads(body) if body else {}
        except ValueError:
            return {}

    def cluster(self, doc=None):
        return (doc if doc is not None else self.status()).get("cluster") or {}

    def member(self, name, doc=None):
        """Member `name` of pool app in the status; {} when the prober has not answered."""
        pools = (doc if doc is not None else self.status()).get("pools", [])
        found = [m for p in pools if p["name"] == "app" for m in p["members"]
                 if m["name"] == name]
        return found[0] if found else {}


# ---- the world ---------------------------------------------------------------------------

class World(Deployment):
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-cluster-")
        self.bin_dir = bin_dir
        self.nodes = {}  # built by start(), so a node whose files fail is still torn down
        self.members = {n: NsMember(n, self.dir) for n in MEMBERS}
        self.pool = ThreadPoolExecutor(len(NODES))

    def start(self):
        for name in NODES:
            self.nodes[name] = Node(name, self)
        netns.setup()
        remove_stale_tables()
        self.start_etcd()
        for m in self.members.values():
            m.start()
        for node in self.nodes.values():
            for p in node.servers():
                p.start()
        self.wait_ready()

    def start_etcd(self):
        for node in self.nodes.values():
            node.etcd.start()
        if not wait_until(etcd_healthy, 20, 0.2):
            raise RuntimeError("etcd never became healthy: %s" % etcdctl(
                netns.ns("a"), "endpoint", "health").stderr)

    def wait_ready(self):
        if not self.agree(lambda n: n.answer() == M1, 15):
            raise RuntimeError("the nodes never answered M1: %s" % self.answers())
        # The canary starts forced down by every node's admin-state file (a standalone
        # node's state, which the first node to reach the empty etcd brings into the cluster);
        # clearing it through one node must reach every backend through its own table.
        mapped = self.agree(lambda n: n.answer(CANARY) == [], 5)
        ok(self.nodes["a"].ctl("clear", "canary", "canary"))
        if not mapped or not self.agree(lambda n: n.answer(CANARY) == [CANARY_ADDRESS], 5):
            raise RuntimeError("a backend never used its table: %s" % self.on_all(
                lambda n: n.answer(CANARY)))

    def on_all(self, fn):
        """fn(node) on every node at once (each is a subprocess or two); {name: result}."""
        return dict(zip(self.nodes, self.pool.map(fn, self.nodes.values())))

    def agree(self, predicate, timeout):
        return wait_until(lambda: all(self.on_all(predicate).values()), timeout, 0.05)

    def answers(self):
        return self.on_all(lambda n: n.answer())

    def servers(self):
        return [p for n in self.nodes.values() for p in n.servers()]

    def stop(self):
        for p in self.servers() + list(self.members.values()):
            p.stop()
        for node in self.nodes.values():
            node.etcd.stop()
            for suffix in ["", ".lock", "-backend"]:
                if os.path.exists("/dev/shm" + node.table + suffix):
                    os.unlink("/dev/shm" + node.table + suffix)
        netns.teardown()
        self.pool.shutdown()

    def logs(self):
        extra = [n.etcd for n in self.nodes.values()] + list(self.members.values())
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:])
                         for p in self.servers() + extra)


def remove_stale_tables():
    """Tables a run killed before its teardown left. Called before this run's probers start,
    and the fixed namespace names rule out two runs at once: every one is a dead run's."""
    for name in glob.glob("/dev/shm/pharos-cluster-*"):
        os.unlink(name)


# ---- helpers -----------------------------------------------------------------------------

def agreed_within(w, what, predicate, bound, nodes=None):
    """Seconds until predicate(node) holds on every node (of `nodes`) at once; fails past
    bound. Prints the time, the figure the drill is for."""
    chosen = nodes or list(w.nodes)
    start = time.monotonic()
    done = wait_until(lambda: all(v for k, v in w.on_all(predicate).items() if k in chosen),
                      bound + 1, 0.05)
    took = time.monotonic() - start
    assert done and took <= bound, (what, "%.2f s" % took, w.answers(),
                                    w.on_all(lambda n: n.cluster()))
    print("    %s seen on %s after %.2f s" % (
        what, "all nodes" if len(chosen) == len(w.nodes) else "+".join(chosen), took))
    return took


def answering(expected):
    return lambda n: n.answer() == expected


def paced(seconds, interval):
    """Yields every `interval` s for `seconds`, on a fixed beat whatever each round costs."""
    start = time.monotonic()
    beat = 0
    while time.monotonic() - start < seconds:
        yield time.monotonic() - start
        beat += 1
        time.sleep(max(0.0, start + beat * interval - time.monotonic()))


def store(node):
    return node.cluster().get("store")


def live(node):
    return sorted(node.cluster().get("live_nodes", []))


def cut_off(ns, address, on):
    netns.run_in(ns, "ip", "route", "add" if on else "del", "prohibit", address + "/32",
                 check=True)


# ---- the drill's own machinery (run with and without the cluster section) ----------------

def check_network(w):
    for name, address in MEMBERS.items():
        body = netns.http_get(netns.ns("a"), "http://%s:%d/" % (address, MEMBER_PORT))
        assert body and body.startswith("OK " + name), (name, body)
    # The bridge has no address, so the root namespace has no route into the drill (a connect
    # test from it proves nothing where a proxy accepts every outbound connection).
    bridge = netns.sh("ip", "-o", "-4", "addr", "show", "dev", netns.BRIDGE).stdout
    assert bridge.strip() == "", bridge
    assert w.on_all(lambda n: n.status().get("pools") is not None) == \
        {n: True for n in NODES}, "a prober's /status is not reachable in its namespace"


def check_etcd(w):
    ok(etcdctl(netns.ns("a"), "put", PREFIX + "drill-probe", "from-a"))
    # read back through c's member alone: the write went through the cluster's raft log
    got = subprocess.run(netns.inside(netns.ns("c"), [
        "etcdctl", "--endpoints", ETCD_URLS[2], "get", "--print-value-only",
        "--consistency", "l", PREFIX + "drill-probe"]), capture_output=True, text=True,
        timeout=5, env=dict(os.environ, ETCDCTL_API="3"))
    assert got.stdout.strip() == "from-a", (got.stdout, got.stderr)
    ok(etcdctl(netns.ns("a"), "del", PREFIX + "drill-probe"))


def check_prohibit_route(w):
    cut_off(netns.ns("c"), MEMBERS["M1"], True)
    try:
        reached, error = netns.can_connect(netns.ns("c"), MEMBERS["M1"], MEMBER_PORT)
        assert not reached, "node c still reaches M1 through the prohibit route"
        print("    node c -> M1: %s" % error)
        assert netns.can_connect(netns.ns("a"), MEMBERS["M1"], MEMBER_PORT)[0], "node a lost M1"
        assert netns.can_connect(netns.ns("c"), MEMBERS["M2"], MEMBER_PORT)[0], "node c lost M2"
    finally:
        cut_off(netns.ns("c"), MEMBERS["M1"], False)
    assert netns.can_connect(netns.ns("c"), MEMBERS["M1"], MEMBER_PORT)[0], "route not removed"


# ---- the scenarios (need the cluster section) --------------------------------------------

def check_start(w):
    agreed_within(w, "M1", answering(M1), 1)
    agreed_within(w, "store connected, 3 live nodes",
                  lambda n: store(n) == "connected" and live(n) == sorted(NODES), 10)
    doc = w.nodes["a"].status()
    assert w.nodes["a"].cluster(doc)["node"] == "a", doc.get("cluster")
    assert w.nodes["a"].cluster(doc)["site"] == "east", doc.get("cluster")


def check_shared_drain(w):
    ok(w.nodes["a"].ctl("drain", "app", "M1"))
    agreed_within(w, "drain", answering(M2), SHARED)
    ok(w.nodes["a"].ctl("clear", "app", "M1"))
    agreed_within(w, "clear", answering(M1), SHARED)


def overridden(node):
    """The members of pool app with an override, as the node's prober has them."""
    doc = node.status()
    return sorted(name for name in MEMBERS if "override" in node.member(name, doc))


def check_concurrent_writes(w):
    """Commands on two nodes at once, and two in a row on one, each touch their own key:
    none undoes another."""
    commands = [("a", "drain", "app", "M1"), ("b", "drain", "app", "M2"),
                ("a", "force-down", "canary", "canary")]
    for r in w.pool.map(lambda c: w.nodes[c[0]].ctl(c[1], c[2], c[3]), commands):
        ok(r)
    agreed_within(w, "three overrides from two nodes",
                  lambda n: overridden(n) == ["M1", "M2"] and n.answer(CANARY) == [], SHARED)
    clears = [("b", "app", "M1"), ("a", "app", "M2"), ("b", "canary", "canary")]
    for r in w.pool.map(lambda c: w.nodes[c[0]].ctl("clear", c[1], c[2]), clears):
        ok(r)
    agreed_within(w, "all cleared", lambda n: overridden(n) == []
                  and n.answer(CANARY) == [CANARY_ADDRESS], SHARED)


def vote_of(node, voter):
    return node.member("M1").get("votes", {}).get(voter)


def check_minority_down(w):
    c = w.nodes["c"]
    cut_off(c.ns, MEMBERS["M1"], True)
    try:
        start = time.monotonic()
        assert wait_until(lambda: vote_of(c, "c") == "down", FAILOVER + 1, 0.1), c.member("M1")
        print("    c votes M1 down after %.2f s" % (time.monotonic() - start))
        wrong = []
        for at in paced(MAJORITY_HOLD, 0.2):
            wrong += [(round(at, 2), k, v) for k, v in w.answers().items() if v != M1]
        assert not wrong, ("a minority's vote moved answers", wrong[:10])
        votes = c.member("M1").get("votes")
        assert votes == {"a": "up", "b": "up", "c": "down"}, votes
        # pharosctl asks the prober for the votes, which the table does not hold.
        explain = ok(c.ctl("explain", NAME, "--client", "10.213.0.50"))
        assert "votes (health_quorum majority, etcd connected)" in explain, explain
        assert "M1 10.213.0.10: a:up b:up c:down" in explain, explain
        status = ok(c.ctl("status"))
        assert "cluster: node c (north), etcd connected" in status, status
        assert "app/M1 votes (health_quorum majority): a:up b:up c:down" in status, status
    finally:
        cut_off(c.ns, MEMBERS["M1"], False)
    assert wait_until(lambda: vote_of(c, "c") == "up", FAILOVER + 1, 0.1), c.member("M1")


def check_member_down(w):
    w.members["M1"].kill()
    agreed_within(w, "M1 down", answering(M2), FAILOVER)
    # Two probers restarted while M1 is down vote it down from their first moment (the verdicts
    # carried over in their tables): voting it up, they would outvote a and bring it back.
    for n in "bc":
        w.nodes[n].health.stop()
        w.nodes[n].health.start()
    wrong = []
    for at in paced(RESTARTED, 0.2):
        wrong += [(round(at, 2), k, v) for k, v in w.answers().items() if v != M2]
    assert not wrong, ("restarted probers brought a dead member back", wrong[:10])
    votes = w.nodes["a"].member("M1").get("votes")
    assert votes == {"a": "down", "b": "down", "c": "down"}, votes
    w.members["M1"].start()
    agreed_within(w, "M1 back", answering(M1), FAILOVER)


def partition(w, name, on):
    """Node `name`'s namespace loses every other node's site (their pharos and etcd members);
    the members stay reachable."""
    for other in NODES:
        if other != name:
            cut_off(w.nodes[name].ns, NODES[other][1], on)


def check_partitioned_node(w):
    """c's site is cut off from a's and b's: c's etcd member loses its quorum (its watch goes
    quiet rather than failing), a and b keep theirs."""
    partition(w, "c", True)
    try:
        agreed_within(w, "c's lease gone on a and b",
                      lambda n: store(n) == "connected" and live(n) == ["a", "b"],
                      # if c's member led, a and b elect another first (it extends leases)
                      LEASE_TTL + STORE_LOST + 4, nodes=["a", "b"])
        agreed_within(w, "c deciding alone", lambda n: store(n) == "unreachable",
                      STORE_LOST + 1, nodes=["c"])
        refused = w.nodes["c"].ctl("drain", "app", "M2")
        assert refused.returncode != 0 and "etcd" in refused.stderr + refused.stdout, refused
        ok(w.nodes["a"].ctl("drain", "app", "M1"))
        agreed_within(w, "drain on a and b", answering(M2), SHARED, nodes=["a", "b"])
        assert w.nodes["c"].answer() == M1, "c cannot have heard of the drain"
    finally:
        partition(w, "c", False)
    agreed_within(w, "healed: c back with the drain",
                  lambda n: store(n) == "connected" and live(n) == sorted(NODES)
                  and n.answer() == M2, STORE_BACK)
    # the next change starts from a whole etcd cluster, not one still catching c up
    assert wait_until(etcd_healthy, STORE_BACK, 0.2), etcdctl(netns.ns("a"), "endpoint", "health")
    ok(w.nodes["a"].ctl("clear", "app", "M1"))
    agreed_within(w, "clear", answering(M1), SHARED)


def check_store_lost(w):
    for n in "bc":
        w.nodes[n].etcd.stop()
    lost, unreachable, bad = time.monotonic(), {}, []
    for at in paced(STORE_LOST, 0.2):
        got = w.on_all(lambda n: (n.query(), store(n)))
        for name, (answer, state) in got.items():
            if answer.status != "NOERROR" or not answer.records:
                bad.append((round(at, 2), name, answer))
            if state == "unreachable":
                unreachable.setdefault(name, time.monotonic() - lost)
    assert not bad, ("a node stopped answering without etcd", bad[:6])

    def all_unreachable():
        for name, state in w.on_all(store).items():
            if state == "unreachable":
                unreachable.setdefault(name, time.monotonic() - lost)
        return len(unreachable) == len(NODES)
    wait_until(all_unreachable, max(0.0, lost + STORE_LOST + 1 - time.monotonic()), 0.1)
    assert len(unreachable) == len(NODES), (unreachable, w.on_all(lambda n: n.cluster()))
    print("    store unreachable after %s" % {k: round(v, 2) for k, v in unreachable.items()})
    for n in "bc":
        w.nodes[n].etcd.start()
    agreed_within(w, "store back", lambda n: store(n) == "connected"
                  and live(n) == sorted(NODES), STORE_BACK)
    # the next scenario starts from a whole etcd cluster, not one still catching up
    assert wait_until(etcd_healthy, STORE_BACK, 0.2), etcdctl(netns.ns("a"), "endpoint", "health")


def check_node_restart(w):
    c = w.nodes["c"]
    c.health.stop()
    ok(w.nodes["a"].ctl("drain", "app", "M1"))
    agreed_within(w, "drain without c", answering(M2), SHARED, nodes=["a", "b"])
    c.health.start()
    agreed_within(w, "drain on the restarted c", answering(M2), RESTARTED, nodes=["c"])
    ok(w.nodes["a"].ctl("clear", "app", "M1"))
    agreed_within(w, "clear", answering(M1), SHARED)


SCAFFOLD = [check_network, check_etcd, check_prohibit_route]
SCENARIOS = [check_start, check_shared_drain, check_concurrent_writes, check_minority_down, check_member_down,
             check_partitioned_node, check_store_lost, check_node_restart]


def test_cluster(bin_dir, worlds):
    if shutil.which("etcd") is None or shutil.which("etcdctl") is None:
        raise RuntimeError("etcd and etcdctl are needed (apt-get install etcd-server "
                           "etcd-client)")
    w = World(bin_dir)
    worlds.append(w)
    w.start()
    for check in SCAFFOLD + SCENARIOS:
        started = time.monotonic()
        check(w)
        print("  ok %s (%.1fs)" % (check.__name__, time.monotonic() - started), flush=True)


TESTS = [test_cluster]


def main():
    bin_dir = os.path.abspath(sys.argv[1])

    def show(w):
        for name, node in w.nodes.items():
            doc = node.status()
            print("node %s: cluster %s, M1 %s" % (name, json.dumps(node.cluster(doc)),
                                                  json.dumps(node.member("M1", doc))))
        print(w.logs())

    status = run_suite(TESTS, lambda test, worlds: test(bin_dir, worlds), show)
    left = netns.leftovers()
    if left:
        print("teardown left behind: %s" % left)
        status = 1
    return status


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
