"""The cluster drill's network: one namespace per pharos node (phc-a, phc-b, phc-c) and one for
the members (phc-m), each joined by a veth pair to the bridge phcbr0 in the root namespace. The
bridge has no address, so nothing in the root namespace (or the host's own services) can reach
the drill's addresses or be reached from them: every probe, query and etcd packet stays inside.
Needs root."""
import os
import signal
import subprocess

# PHAROS_DRILL_NS renames the namespaces and the bridge, so a second drill can run beside
# one that CI runs on the same machine (the addresses live inside the namespaces already).
NAME = os.environ.get("PHAROS_DRILL_NS", "phc")
BRIDGE = NAME + "br0"
PREFIX = 24


def ns(short):
    """The drill's namespace `short` (a, b, c: the nodes; m: the members)."""
    return NAME + "-" + short


# namespace -> addresses of its one interface; the members' namespace holds both members.
ADDRESSES = {
    ns("a"): ["10.213.0.1"],
    ns("b"): ["10.213.0.2"],
    ns("c"): ["10.213.0.3"],
    ns("m"): ["10.213.0.10", "10.213.0.11"],
}


def sh(*argv, check=True, timeout=10):
    out = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(argv), out.returncode,
                                                     out.stdout, out.stderr))
    return out


def inside(ns, argv):
    """argv run in namespace ns. `ip netns exec` execs (no fork) outside batch mode, so the pid
    of a process started this way is the program's own and signals reach it directly."""
    return ["ip", "netns", "exec", ns] + list(argv)


def run_in(ns, *argv, check=False, timeout=10):
    return sh(*inside(ns, argv), check=check, timeout=timeout)


def host_end(ns):
    return "v" + ns  # e.g. vphc-a: under IFNAMSIZ, and named after its namespace for teardown


def existing():
    listed = sh("ip", "netns", "list", check=False).stdout.split()
    return [ns for ns in ADDRESSES if ns in listed]


def kill_leftovers(ns):
    """A previous run killed with SIGKILL leaves its servers in the namespace, holding it alive
    after `ip netns del` and its ports bound; they are this drill's own, listed by pid."""
    pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def teardown():
    """Removes everything setup() makes, whatever part of it exists; safe to run twice."""
    for ns in existing():
        kill_leftovers(ns)
        sh("ip", "netns", "del", ns, check=False)
    for ns in ADDRESSES:  # a host end outlives its namespace only if setup stopped half-way
        if os.path.exists("/sys/class/net/" + host_end(ns)):
            sh("ip", "link", "del", host_end(ns), check=False)
    if os.path.exists("/sys/class/net/" + BRIDGE):
        sh("ip", "link", "del", BRIDGE, check=False)


def leftovers():
    """What teardown() should have removed and did not."""
    found = ["netns " + ns for ns in existing()]
    found += ["link " + n for n in [BRIDGE] + [host_end(ns) for ns in ADDRESSES]
              if os.path.exists("/sys/class/net/" + n)]
    return found


def setup():
    teardown()
    if os.geteuid() != 0:
        raise RuntimeError("the cluster drill needs root to create network namespaces")
    try:
        sh("ip", "netns", "add", ns("a"))
    except RuntimeError as e:
        raise RuntimeError("cannot create network namespaces (needs CAP_SYS_ADMIN and "
                           "iproute2): %s" % e) from None
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "link", "set", BRIDGE, "up")
    for name, addresses in ADDRESSES.items():
        join(name, addresses)


def join(ns, addresses):
    if ns not in existing():
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", host_end(ns), "type", "veth", "peer", "name", "eth0", "netns", ns)
    sh("ip", "link", "set", host_end(ns), "master", BRIDGE, "up")
    for address in addresses:
        run_in(ns, "ip", "addr", "add", "%s/%d" % (address, PREFIX), "dev", "eth0", check=True)
    run_in(ns, "ip", "link", "set", "eth0", "up", check=True)
    run_in(ns, "ip", "link", "set", "lo", "up", check=True)


CONNECT = """
import socket, sys
s = socket.socket()
s.settimeout(float(sys.argv[3]))
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print(e)
    sys.exit(1)
"""


def can_connect(ns, address, port, timeout=1.0):
    """Whether a TCP connect from namespace ns succeeds; (bool, error text)."""
    out = run_in(ns, "python3", "-c", CONNECT, address, str(port), str(timeout),
                 timeout=timeout + 5)
    return out.returncode == 0, out.stdout.strip()


GET = """
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])).read().decode())
"""


def http_get(ns, url, timeout=2.0):
    """The body of a GET from namespace ns, or None when it fails."""
    out = run_in(ns, "python3", "-c", GET, url, str(timeout), timeout=timeout + 5)
    return out.stdout if out.returncode == 0 else None
