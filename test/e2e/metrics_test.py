#!/usr/bin/env python3
"""/metrics of a running system checked by Prometheus's own tools: pharos-health, pharos-backend
and pdns with every kind of member (http, https, tcp, dns, forced up and down, cname members
probed by name and at monitor_ip, alert-only, depends_on, a dual-stack pool), a cluster section
on one etcd, two webhooks (one recording, one dead), an override, a maintenance window and a
failover awaiting approval. `promtool check metrics` must find no error and no lint problem,
every kind must show in the text, every pharos metric that contrib/prometheus/pharos-rules.yml
alerts on must be served, and a real Prometheus scraping the system with those rules must raise
exactly the alerts its state calls for. Needs etcd (etcd-server), etcdctl (etcd-client),
prometheus and promtool (prometheus) and openssl; runs as root (user: root).
Usage: metrics_test.py BIN_DIR [TEST...]"""
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request

from harness import (Deployment, Member, Pdns, Pharos, Process, dig, make_workdir, ok,
                     run_shared_world, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "contrib", "prometheus", "pharos-rules.yml")
PDNS_PORT, HTTP_PORT = 5380, 19189
HTTP, HTTPS, TCP, DNS, BY_NAME, DUAL = 18370, 18371, 18372, 18373, 18374, 18377
HOOK, DEAD_HOOK = 18375, 18376
PROMETHEUS = 19198
ETCD_CLIENT, ETCD_PEER = 23881, 23882
NODE, PREFIX = "metrics-e2e", "/pharos-metrics/"
ZONE = "metrics.test"
PROBE = "interval: 0.5, timeout: 0.4, retries: 0"

LB = """pools:
  http:
    monitor: http
    monitor_params: {{port: {http}, url_path: /, {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.18.1, name: plain, weight: 1}}
    - {{ip: 127.0.18.9, name: watched, weight: 1, alert_only: true}}
  https:
    monitor: http
    monitor_params: {{port: {https}, use_ssl: true, {probe}}}
    lb_method: wrr
    members:
    - {{ip: 127.0.18.2, name: tls, weight: 1}}
  tcp:
    monitor: tcp
    monitor_params: {{port: {tcp}, send_string: "PING\\n", match_re: "^pong", {probe}}}
    lb_method: wrr
    members:
    - {{ip: 127.0.18.3, name: pong, weight: 2}}
    - {{ip: 127.0.18.4, name: needs-plain, weight: 1, monitor_ip: 127.0.18.3,
       depends_on: [http/plain]}}
  dns:
    monitor: dns
    monitor_params: {{port: {dns}, query_name: probe.example., expected_answer: 192.0.2.1,
                     {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.18.5, name: answers-one, weight: 1}}
    - {{ip: 127.0.18.6, name: in-maintenance, weight: 1, monitor_ip: 127.0.18.5}}
  forced-up:
    monitor: forced
    monitor_params: {{status: up}}
    lb_method: twrr
    members:
    - {{ip: 127.0.1.18, name: region-a, weight: 1}}
    - {{ip: 127.0.2.18, name: region-b, weight: 1}}
  forced-down:
    monitor: forced
    monitor_params: {{status: down}}
    lb_method: fogroup
    fallback: refuse
    members:
    - {{ip: 127.0.18.7, name: off, weight: 1}}
  cname:
    monitor: http
    monitor_params: {{port: {by_name}, {probe}}}
    lb_method: fogroup
    members:
    - {{cname: localhost., name: by-name, weight: 1}}
    - {{cname: edge.example.net., name: at-monitor-ip, weight: 1, monitor_ip: 127.0.18.1,
       monitor_port: {http}}}
  dual:
    monitor: http
    monitor_params: {{port: {dual}, {probe}}}
    lb_method: wrr
    health_quorum: majority
    max_addrs_returned: 2
    members:
    - {{ip: 127.0.18.8, name: v4, weight: 1}}
    - {{ip: "::1", name: v6, weight: 1}}
  manual:
    monitor: http
    monitor_params: {{port: {http}, {probe}}}
    lb_method: fogroup
    failover: manual
    failback: manual
    failover_after: 1s
    fallback: pool:dual
    members:
    - {{ip: 127.0.18.10, name: primary, weight: 1}}
    - {{ip: 127.0.18.1, name: secondary, weight: 1}}
globalnames:
{names}
maintenance:
- {{pool: dns, member: in-maintenance, start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z',
   reason: metrics test}}
"""
POOLS = ["http", "https", "tcp", "dns", "forced-up", "forced-down", "cname", "dual", "manual"]

PROMETHEUS_YML = """global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ['%s']
scrape_configs:
  - job_name: pharos
    static_configs: [{targets: ['127.0.0.1:%d']}]
"""

TOPOLOGY = "region-a: [127.0.1.0/24]\nregion-b: [127.0.2.0/24]\n"

# The member kinds /metrics must show, as (pool, member, address, verdict).
EXPECTED_MEMBERS = [
    ("http", "plain", "127.0.18.1", 1), ("http", "watched", "127.0.18.9", 0),
    ("https", "tls", "127.0.18.2", 1), ("tcp", "pong", "127.0.18.3", 1),
    ("tcp", "needs-plain", "127.0.18.4", 1), ("dns", "answers-one", "127.0.18.5", 1),
    ("forced-up", "region-a", "127.0.1.18", 1), ("forced-down", "off", "127.0.18.7", 0),
    ("cname", "by-name", "localhost", 1), ("cname", "at-monitor-ip", "edge.example.net", 1),
    ("dual", "v4", "127.0.18.8", 1), ("dual", "v6", "::1", 1),
    ("manual", "primary", "127.0.18.10", 0), ("manual", "secondary", "127.0.18.1", 1)]


def lb_text():
    names = "\n".join("  %s.%s.: {pool: %s, ttl: 1}" % (p, ZONE, p) for p in POOLS)
    return LB.format(http=HTTP, https=HTTPS, tcp=TCP, dns=DNS, by_name=BY_NAME, dual=DUAL,
                     probe=PROBE, names=names)


def pharos_yaml(d, table):
    return ("lb: lb.yaml\ntopology: topology.yaml\nuser: root\n"
            "backend: {socket: %s/backend.sock, socket_group: root}\n"
            "health: {table: %s, table_group: root}\n"
            "admin_state: %s/admin-state.json\nlog_level: info\n"
            "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
            "node_name: %s\n"
            "notify:\n  - http://127.0.0.1:%d/hook\n"
            "  - {url: 'http://127.0.0.1:%d/dead/s3cret', timeout: 0.5s, retry_for: 1s}\n"
            "cluster: {etcd: ['http://127.0.0.1:%d'], node: %s, site: here, prefix: %s}\n"
            % (d, table, d, d, HTTP_PORT, NODE, HOOK, DEAD_HOOK, ETCD_CLIENT, NODE, PREFIX))


class Receiver:
    """A webhook that answers 200 to every POST and counts them, in a thread of this process."""

    def __init__(self, port):
        receiver = self
        self.events = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.events += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def etcdctl(*args):
    return subprocess.run(["etcdctl", "--endpoints", "http://127.0.0.1:%d" % ETCD_CLIENT]
                          + list(args), capture_output=True, text=True, timeout=10)


class World(Deployment):
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-metrics-")
        self.bin_dir = bin_dir
        self.table = "/pharos-metrics-%d" % os.getpid()
        self.config = self.write("pharos.yaml", pharos_yaml(self.dir, self.table))
        self.write("lb.yaml", lb_text())
        self.write("topology.yaml", TOPOLOGY)
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=member", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        specs = [("plain", "127.0.18.1", HTTP, []), ("tls", "127.0.18.2", HTTPS, ["--tls", cert, key]),
                 ("pong", "127.0.18.3", TCP, ["--tcp-reply", "PONG"]),
                 ("answers-one", "127.0.18.5", DNS, ["--dns-answer", "192.0.2.1"]),
                 ("localhost", "127.0.0.1", BY_NAME, []), ("v4", "127.0.18.8", DUAL, []),
                 ("v6", "::1", DUAL, []), ("primary", "127.0.18.10", HTTP, [])]
        self.members = {n: Member(a, p, n, self.dir, extra) for n, a, p, extra in specs}
        peer, client = "http://127.0.0.1:%d" % ETCD_PEER, "http://127.0.0.1:%d" % ETCD_CLIENT
        self.etcd = Process("etcd", ["etcd", "--name", "metrics", "--data-dir",
                                     os.path.join(self.dir, "etcd"),
                                     "--listen-client-urls", client,
                                     "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer,
                                     "--initial-advertise-peer-urls", peer,
                                     "--initial-cluster", "metrics=" + peer], self.dir)
        self.hook = None
        self.prometheus = Process("prometheus", [
            "prometheus", "--config.file", os.path.join(self.dir, "prometheus.yml"),
            "--storage.tsdb.path", os.path.join(self.dir, "tsdb"),
            "--web.listen-address", "127.0.0.1:%d" % PROMETHEUS], self.dir)
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = Pdns(self.dir, PDNS_PORT, self.dir + "/backend.sock", [ZONE], self.config,
                         bin_dir, caches="recommended")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def servers(self):
        return [self.pharos.health, self.pharos.backend, self.pdns, self.etcd, self.prometheus]

    def start_prometheus(self):
        """Prometheus scraping this pharos-health every second, with the alerting rules."""
        self.write("prometheus.yml", PROMETHEUS_YML % (os.path.abspath(RULES), HTTP_PORT))
        self.prometheus.start()

        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % PROMETHEUS,
                                            timeout=1) as r:
                    return r.status == 200
            except OSError:
                return not self.prometheus.running()
        if not wait_until(lambda: ready() and scraped("pharos_webhook_dropped_total"), 20,
                          0.2) or not self.prometheus.running():
            raise RuntimeError("prometheus never scraped pharos:\n"
                               + self.prometheus.log()[-3000:])

    def start(self):
        self.hook = Receiver(HOOK)
        for m in self.members.values():
            m.start()
        self.etcd.start()
        if not wait_until(lambda: etcdctl("endpoint", "health").returncode == 0, 20, 0.2):
            raise RuntimeError("etcd never became healthy:\n" + self.etcd.log()[-3000:])
        self.pharos.health.start()
        self.pharos.backend.start()
        self.pdns.start()

        def ready():
            doc = self.status()
            return (doc.get("table", {}).get("status") == "ok" and
                    (doc.get("cluster") or {}).get("store") == "connected")
        if not wait_until(ready, 15, 0.1):
            raise RuntimeError("pharos never got ready:\n%s\n%s"
                               % (json.dumps(self.status(), indent=1)[-4000:], self.logs()))
        # Scraping before the tests change anything, so counters rise under its eyes.
        self.start_prometheus()

    def stop(self):
        super().stop()
        if self.hook:
            self.hook.stop()


def metrics():
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % HTTP_PORT, timeout=5) as r:
        return r.read().decode()


def samples(text):
    """{'name{labels}': value} of every sample line."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            found[key] = float(value)
    return found


def member_key(name, pool, member, address):
    return '%s{pool="%s",member="%s",address="%s"}' % (name, pool, member, address)


def rule_families():
    """The pharos metric families the alerting rules read (histogram suffixes dropped)."""
    with open(RULES) as f:
        names = set(re.findall(r"\bpharos_[a-z0-9_]+", f.read()))
    return sorted({re.sub(r"_(bucket|count|sum)$", "", n) if n.startswith(
        "pharos_prober_schedule_delay") else n for n in names})


def test_a_running_system_in_every_state(w):
    """Brings the states the alerts are about into the running system: the manual pool's
    primary down (approval pending), a drain shared through etcd, answers through pdns, events
    delivered to one webhook and dropped by the other."""
    w.members["primary"].stop()
    ok(w.ctl("drain", "https", "tls", "--reason", "metrics test"))
    ok(w.ctl("drain", "forced-down", "off", "--reason", "down on purpose"))
    for pool in POOLS:
        for qtype in ("A", "AAAA"):
            dig("%s.%s" % (pool, ZONE), qtype, PDNS_PORT)

    def settled():
        s = samples(metrics())
        return (s.get('pharos_pool_failover_pending_approval{pool="manual"}') == 1 and
                s.get('pharos_webhook_dropped_total{webhook="1",url="http://127.0.0.1:%d/..."}'
                      % DEAD_HOOK, 0) >= 1 and w.hook.events >= 1 and
                s.get(member_key("pharos_member_admin_override", "https", "tls", "127.0.18.2")
                      [:-1] + ',action="drain"}') == 1)
    assert wait_until(settled, 15, 0.2), metrics()


def test_promtool_finds_no_problem(w):
    text = metrics()
    path = os.path.join(w.dir, "metrics.txt")
    with open(path, "w") as f:
        f.write(text)
    with open(path) as f:
        out = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True,
                             text=True, timeout=30)
    print("    promtool check metrics on %d lines: exit %d %s"
          % (len(text.splitlines()), out.returncode, (out.stdout + out.stderr).strip()))
    assert out.returncode == 0 and not (out.stdout + out.stderr).strip(), \
        (out.stdout + out.stderr, text)


def test_every_kind_shows(w):
    text = metrics()
    s = samples(text)
    for pool, member, address, up in EXPECTED_MEMBERS:
        key = member_key("pharos_member_up", pool, member, address)
        assert s.get(key) == up, (key, s.get(key), text)
    expected = {
        'pharos_cluster_store_up{node="%s"}' % NODE: 1,
        'pharos_pool_failover_pending_approval{pool="manual"}': 1,
        member_key("pharos_member_policy_hold", "dns", "in-maintenance", "127.0.18.6")[:-1]
        + ',hold="maintenance"}': 1,
        "pharos_backend_up": 1,
        "pharos_health_table_verdicts_used": 1,
    }
    for key, value in expected.items():
        assert s.get(key) == value, (key, s.get(key), text)
    at_least = {
        'pharos_webhook_delivered_total{webhook="0",url="http://127.0.0.1:%d/..."}' % HOOK: 1,
        'pharos_webhook_dropped_total{webhook="1",url="http://127.0.0.1:%d/..."}' % DEAD_HOOK: 1,
        'pharos_globalname_queries_total{globalname="dual.%s"}' % ZONE: 1,
        'pharos_dns_queries_total': 1,
        "pharos_prober_schedule_delay_seconds_count": 1,
        'pharos_probe_duration_seconds_count{pool="https"}': 1,
        'pharos_cluster_live_nodes{node="%s"}' % NODE: 1,
    }
    for key, least in at_least.items():
        assert s.get(key, -1) >= least, (key, s.get(key), text)
    assert "s3cret" not in text, "a webhook's path is a secret"


def test_every_metric_the_rules_read_is_served(w):
    text = metrics()
    families = rule_families()
    print("    the rules read: " + ", ".join(families))
    assert len(families) >= 8, families
    missing = [f for f in families if "# TYPE %s " % f not in text]
    assert not missing, (missing, text)


def prometheus_api(path):
    with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/%s" % (PROMETHEUS, path),
                                timeout=2) as r:
        return json.loads(r.read())["data"]


def scraped(metric):
    """Whether Prometheus has a sample of `metric` yet."""
    try:
        return bool(prometheus_api("query?query=" + metric)["result"])
    except OSError:
        return False


def alerts():
    """{(alertname, state, the labels that name what it is about)} Prometheus has now."""
    found = prometheus_api("alerts")["alerts"]
    about = ("pool", "member", "webhook", "node")
    return {(a["labels"]["alertname"], a["state"],
             tuple("%s=%s" % (k, a["labels"][k]) for k in about if k in a["labels"]))
            for a in found}


# What the state brought about above calls for, before any `for:` of 1 minute or more has
# passed: alerts without one fire, the others are pending. https's one member is drained, so
# that pool answers from its fallback too. Nothing else: the drained forced-down member is not
# "down", the table is fresh, the backend runs, etcd is reached, the prober keeps up.
EXPECTED_ALERTS = {
    ("PharosFailoverAwaitingApproval", "firing", ("pool=manual",)),
    ("PharosWebhookEventsDropped", "firing", ("webhook=1",)),
    ("PharosMemberDown", "pending", ("pool=http", "member=watched")),
    ("PharosMemberDown", "pending", ("pool=manual", "member=primary")),
    ("PharosPoolOnFallback", "pending", ("pool=forced-down",)),
    ("PharosPoolOnFallback", "pending", ("pool=https",)),
}


def test_the_rules_see_the_running_system(w):
    seen = {}

    def expected():
        seen["alerts"] = alerts()
        return seen["alerts"] == EXPECTED_ALERTS
    assert wait_until(expected, 30, 0.5), (sorted(seen["alerts"]), sorted(EXPECTED_ALERTS))
    for alert in sorted(seen["alerts"]):
        print("    %s %s %s" % alert)


TESTS = [test_a_running_system_in_every_state, test_promtool_finds_no_problem,
         test_every_kind_shows, test_every_metric_the_rules_read_is_served,
         test_the_rules_see_the_running_system]


def main():
    for tool in ["etcd", "etcdctl", "promtool", "prometheus", "openssl"]:
        if shutil.which(tool) is None:
            print("%s is needed (apt-get install etcd-server etcd-client prometheus openssl)"
                  % tool)
            return 1
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
