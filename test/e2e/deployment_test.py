#!/usr/bin/env python3
"""A deployment as operators run one, through real pdns_servers queried with dig: pools with
every monitor kind and different settings (named so that their sort order would expose a member
probed with another pool's monitor), pdns with its caches off, at pdns's defaults and at the
recommended settings, resolvers and ECS subnets in two regions, dual-stack pools, shares counted
per DNS query. Usage: deployment_test.py BIN_DIR [TEST...]"""
import collections
import json
import os
import re
import signal
import subprocess
import sys

from harness import (Member, Pdns, Pharos, dig, dig_many, make_workdir, run_shared_world,
                     wait_until)

PORTS = {"off": 5392, "default": 5393, "recommended": 5394}
HTTP, HTTPS, TCP, DNS, NOBODY = 18180, 18443, 18190, 18153, 18199
PROBE = "interval: 0.5, timeout: 0.4, retries: 0"

LB = """
pools:
  a-http-path:
    monitor: http
    monitor_params: {{port: {http}, url_path: /only-here, {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.10.1, name: no-path, weight: 1}}
    - {{ip: 127.0.10.2, name: has-path, weight: 1}}
  b-https:
    monitor: http
    monitor_params: {{port: {https}, use_ssl: true, {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.11.2, name: plain-http, weight: 1}}
    - {{ip: 127.0.11.1, name: tls, weight: 1}}
  c-tcp:
    monitor: tcp
    monitor_params: {{port: {tcp}, send_string: "PING\\n", match_re: "^pong", {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.12.1, name: wrong-reply, weight: 1}}
    - {{ip: 127.0.12.2, name: pong, weight: 1}}
  d-dns-one:
    monitor: dns
    monitor_params: {{port: {dns}, query_name: probe.example., expected_answer: 192.0.2.1,
                     {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.13.2, name: answers-two, weight: 1}}
    - {{ip: 127.0.13.1, name: answers-one, weight: 1}}
  e-dns-two:
    monitor: dns
    monitor_params: {{port: {dns}, query_name: probe.example., expected_answer: 192.0.2.2,
                     {probe}}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.13.1, name: answers-one, weight: 1}}
    - {{ip: 127.0.13.2, name: answers-two, weight: 1}}
  f-forced-up:
    monitor: forced
    monitor_params: {{status: up}}
    lb_method: fogroup
    members:
    - {{ip: 127.0.14.1, name: nothing-listens, weight: 1}}
  zz-forced-down:
    monitor: forced
    monitor_params: {{status: down}}
    lb_method: fogroup
    fallback: refuse
    members:
    - {{ip: 127.0.10.2, name: listens, weight: 1}}
  geo:
    monitor: forced
    lb_method: twrr
    members:
    - {{ip: 127.0.1.2, name: geo-a, weight: 1}}
    - {{ip: 127.0.2.2, name: geo-b, weight: 1}}
  hash:
    monitor: forced
    lb_method: chash
    members:
    - {{ip: 192.0.2.31, name: h1, weight: 1}}
    - {{ip: 192.0.2.32, name: h2, weight: 1}}
    - {{ip: 192.0.2.33, name: h3, weight: 1}}
    - {{ip: 192.0.2.34, name: h4, weight: 1}}
{shares}
{fallbacks}
  fb-dual:
    monitor: tcp
    monitor_params: {{port: {nobody}, {probe}}}
    lb_method: wrr
    members:
    - {{ip: 127.0.21.1, name: v4-a, weight: 1}}
    - {{ip: 127.0.21.2, name: v4-b, weight: 1}}
    - {{ip: 2001:db8::1, name: v6, weight: 1, monitor_ip: "::1", monitor_port: {http}}}
globalnames:
{names}
"""

TOPOLOGY = """
region-a: [127.0.1.0/24, 10.1.0.0/16]
region-b: [127.0.2.0/24, 10.2.0.0/16]
"""

# name -> weights, max_addrs_returned; members are forced up.
SHARES = {"w13": ([1, 3], 1), "w13x2": ([1, 3], 2), "w73": ([7, 3], 1), "w73x2": ([7, 3], 2),
          "w112": ([1, 1, 2], 1), "w112x2": ([1, 1, 2], 2), "w1133x2": ([1, 1, 3, 3], 2)}
# Every member down (tcp to a port nobody listens on): fallback any for each method.
FALLBACKS = {"fb-fogroup": ("fogroup", [1, 1]), "fb-wrr": ("wrr", [1, 1]),
             "fb-twrr": ("twrr", [1, 1]), "fb-chash": ("chash", [1, 1]),
             "fb-weighted": ("wrr", [1, 3])}
FIXED = ["a-http-path", "b-https", "c-tcp", "d-dns-one", "e-dns-two", "f-forced-up",
         "zz-forced-down", "geo", "hash", "fb-dual"]
SHARE_QUERIES = 2000


def lb_text():
    shares, fallbacks = [], []
    for i, (name, (weights, most)) in enumerate(sorted(SHARES.items())):
        shares.append("  %s:\n    monitor: forced\n    lb_method: wrr\n"
                      "    max_addrs_returned: %d\n    members:" % (name, most))
        for j, w in enumerate(weights):
            shares.append("    - {ip: 192.0.%d.%d, name: m%d, weight: %d}" % (100 + i, j + 1, j, w))
    for i, (name, (method, weights)) in enumerate(sorted(FALLBACKS.items())):
        fallbacks.append("  %s:\n    monitor: tcp\n    monitor_params: {port: %d, %s}\n"
                         "    lb_method: %s\n    members:" % (name, NOBODY, PROBE, method))
        for j, w in enumerate(weights):
            # twrr members sit one in each region.
            fallbacks.append("    - {ip: 127.0.%d.%d, name: m%d, weight: %d}"
                             % (j + 1, 20 + i, j, w))
    names = ["  %s.example.test.: {pool: %s, ttl: 5}" % (p, p)
             for p in FIXED + sorted(SHARES) + sorted(FALLBACKS)]
    return LB.format(http=HTTP, https=HTTPS, tcp=TCP, dns=DNS, nobody=NOBODY, probe=PROBE,
                     shares="\n".join(shares), fallbacks="\n".join(fallbacks),
                     names="\n".join(names))


def fqdn(pool):
    return pool + ".example.test"


class World:
    def __init__(self, bin_dir):
        self.dir = make_workdir("pharos-deploy-")
        self.bin_dir = bin_dir
        self.table = "/pharos-deploy-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        with open(os.path.join(self.dir, "lb.yaml"), "w") as f:
            f.write(lb_text())
        with open(os.path.join(self.dir, "topology.yaml"), "w") as f:
            f.write(TOPOLOGY)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: topology.yaml\nuser: root\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root, stale_after: 2s,"
                    " on_stale: last-known}\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19184'}\n"
                    % (self.dir, self.table, self.dir))
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=member", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        specs = [("no-path", "127.0.10.1", HTTP, ["--path", "/elsewhere"]),
                 ("has-path", "127.0.10.2", HTTP, ["--path", "/only-here"]),
                 ("tls", "127.0.11.1", HTTPS, ["--tls", cert, key]),
                 ("plain-http", "127.0.11.2", HTTPS, []),
                 ("wrong-reply", "127.0.12.1", TCP, ["--tcp-reply", "NOPE"]),
                 ("pong", "127.0.12.2", TCP, ["--tcp-reply", "PONG from pong"]),
                 ("answers-one", "127.0.13.1", DNS, ["--dns-answer", "192.0.2.1"]),
                 ("answers-two", "127.0.13.2", DNS, ["--dns-answer", "192.0.2.2"]),
                 ("v6", "::1", HTTP, [])]
        self.members = {n: Member(a, p, n, self.dir, extra) for n, a, p, extra in specs}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.pdns = {caches: Pdns(self.dir, port, self.dir + "/backend.sock", ["example.test"],
                                  self.config, bin_dir, caches=caches, name="pdns-" + caches)
                     for caches, port in PORTS.items()}

    def start(self):
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        for p in self.pdns.values():
            p.start()
        # The backend maps a new table within a second and fails open until then; the forced
        # down pool answers nothing only once the backend uses the verdicts.
        ready = wait_until(lambda: self.ctl_status().get("table", {}).get("status") == "ok" and
                           dig(fqdn("zz-forced-down"), "A", PORTS["off"]).records == [], 10)
        if not ready:
            raise RuntimeError("the health table never became ready:\n" + self.logs())

    def stop(self):
        for p in list(self.pdns.values()) + [self.pharos.backend, self.pharos.health] + \
                list(self.members.values()):
            p.stop()
        for suffix in ["", ".lock", "-backend"]:
            if os.path.exists("/dev/shm" + self.table + suffix):
                os.unlink("/dev/shm" + self.table + suffix)

    def ctl_status(self):
        out = self.pharos.ctl("status", "--json")
        try:
            return json.loads(out.stdout)
        except ValueError:
            return {}

    def logs(self):
        return "\n".join("--- %s\n%s" % (p.name, p.log()[-3000:]) for p in
                         [self.pharos.health, self.pharos.backend, self.pdns["off"]])


def members_by_name(status, pool):
    for p in status["pools"]:
        if p["name"] == pool:
            return {m["name"]: m for m in p["members"]}
    raise AssertionError("pool %s not in status" % pool)


def record_shares(answers, rtype="A"):
    """Each address's share of the `rtype` records over all answers (pdns shuffles the records
    of an answer over UDP, so the first position means nothing)."""
    counts = collections.Counter()
    for a in answers:
        values = [r[3] for r in a.records if r[2] == rtype]
        assert a.status == "NOERROR" and values, a.output
        counts.update(values)
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def expected_shares(weights, most):
    """The record shares weights can give when each answer holds `most` distinct addresses: a
    member whose weight is worth a whole slot is in every answer, the rest share the slots left
    by weight. Equal to the weight shares unless some member is worth more than a slot."""
    slots, free, always = min(most, len(weights)), set(range(len(weights))), set()
    while slots and free:
        total = sum(weights[i] for i in free)
        heavy = next((i for i in sorted(free) if slots * weights[i] >= total), None)
        if heavy is None:
            break
        free.discard(heavy)
        always.add(heavy)
        slots -= 1
    total = sum(weights[i] for i in free) or 1
    included = [1.0 if i in always else slots * weights[i] / total for i in range(len(weights))]
    return [x / sum(included) for x in included]


# ---- the tests, run in this order -------------------------------------------------------

def test_every_member_is_probed_with_its_own_pools_monitor(w):
    expected = {  # pool -> member -> (state, last failure)
        "a-http-path": {"no-path": ("down", "unexpected status"), "has-path": ("up", "")},
        "b-https": {"tls": ("up", ""), "plain-http": ("down", "TLS error")},
        "c-tcp": {"wrong-reply": ("down", "closed early"), "pong": ("up", "")},
        "d-dns-one": {"answers-one": ("up", ""), "answers-two": ("down", "unexpected answer")},
        "e-dns-two": {"answers-one": ("down", "unexpected answer"), "answers-two": ("up", "")},
        "f-forced-up": {"nothing-listens": ("up", "")},
        "zz-forced-down": {"listens": ("down", "forced down")},
    }

    def settled():
        status = w.ctl_status()
        for pool, members in expected.items():
            got = members_by_name(status, pool)
            for name, (state, reason) in members.items():
                if (got[name].get("state"), got[name].get("last_failure")) != (state, reason):
                    return None
        return status

    status = wait_until(settled, 5)
    assert status, json.dumps(w.ctl_status()["pools"][:7], indent=1)
    assert status["table"]["verdicts_used"] is True, status["table"]


def test_answers_follow_each_pools_own_verdicts(w):
    answers = {"a-http-path": ["127.0.10.2"], "b-https": ["127.0.11.1"], "c-tcp": ["127.0.12.2"],
               "d-dns-one": ["127.0.13.1"], "e-dns-two": ["127.0.13.2"],
               "f-forced-up": ["127.0.14.1"]}
    for caches, pdns in w.pdns.items():
        for pool, want in answers.items():
            got = dig(fqdn(pool), "A", pdns.port)
            assert got.status == "NOERROR" and got.values() == want, (caches, pool, got.output)
        down = dig(fqdn("zz-forced-down"), "A", pdns.port)
        assert down.status == "NOERROR" and down.records == [], down.output  # refuse: NODATA


def test_client_dependent_answers_never_cross_clients(w):
    # Within the TTL (5 s), through every cache setting, askers in two regions alternate.
    askers = [  # (resolver source, ECS subnet, expected member, expected ECS scope)
        ("127.0.1.50", None, "127.0.1.2", None),
        ("127.0.2.50", None, "127.0.2.2", None),
        ("127.0.0.9", "10.1.0.0/24", "127.0.1.2", 16),
        ("127.0.0.9", "10.2.0.0/24", "127.0.2.2", 16),
        ("127.0.1.50", "10.2.77.0/24", "127.0.2.2", 16),
        ("127.0.2.50", "10.1.77.0/24", "127.0.1.2", 16),
    ]
    for caches, pdns in w.pdns.items():
        for round_ in range(4):
            for source, subnet, member, scope in askers:
                got = dig(fqdn("geo"), "A", pdns.port, source=source, subnet=subnet)
                assert got.values() == [member], (caches, round_, source, subnet, got.output)
                assert got.ecs_scope == scope, (caches, source, subnet, got.output)


def explained_answer(w, name, client, ecs=None):
    args = ["explain", name, "--client", client] + (["--ecs", ecs] if ecs else [])
    out = w.pharos.ctl(*args).stdout
    found = re.search(r"^answer: (\S+)", out, re.M)
    assert found, out
    return found.group(1)


def test_chash_answers_per_client_match_explain_through_caches(w):
    askers = [("127.0.1.50", None), ("127.0.2.50", None), ("127.0.3.50", None),
              ("127.0.0.9", "10.1.0.0/24"), ("127.0.0.9", "10.2.5.0/24"),
              ("127.0.0.9", "10.3.9.0/24"), ("127.0.0.9", "10.4.1.0/24")]
    expected = {a: explained_answer(w, fqdn("hash"), a[0], a[1]) for a in askers}
    assert len(set(expected.values())) > 1, expected  # the askers do not all hash alike
    for caches, pdns in w.pdns.items():
        for round_ in range(3):
            for source, subnet in askers:
                got = dig(fqdn("hash"), "A", pdns.port, source=source, subnet=subnet)
                assert got.values() == [expected[(source, subnet)]], (caches, source, subnet,
                                                                       got.output)
                assert got.ecs_scope == (24 if subnet else None), got.output


def test_client_independent_answers_come_from_the_packet_cache(w):
    pdns = w.pdns["default"]
    for name, cached in [(fqdn("f-forced-up"), True), (fqdn("w13"), True), (fqdn("geo"), False)]:
        before = int(pdns.control("show", "packetcache-hit"))
        for _ in range(10):
            assert dig(name, "A", pdns.port, source="127.0.1.50").records
        hits = int(pdns.control("show", "packetcache-hit")) - before
        if cached:
            assert hits >= 9, (name, hits)
        else:
            assert hits == 0, (name, hits)


def test_wrr_shares_per_dns_query(w):
    # Caches off: every query reaches pharos (pdns sends it two lookups per A query).
    lines = []
    for pool, (weights, most) in sorted(SHARES.items()):
        i = sorted(SHARES).index(pool)
        answers = dig_many(fqdn(pool), SHARE_QUERIES, "A", w.pdns["off"].port)
        assert len(answers) == SHARE_QUERIES, len(answers)
        for a in answers:
            assert len(a.values()) == min(most, len(weights)), a.output
        shares = record_shares(answers)
        expected = expected_shares(weights, most)
        for j, weight in enumerate(weights):
            got = shares.get("192.0.%d.%d" % (100 + i, j + 1), 0.0)
            lines.append("%s m%d %.3f (expected %.3f, weight share %.3f)"
                         % (pool, j, got, expected[j], weight / sum(weights)))
            assert abs(got - expected[j]) <= 0.05, (pool, j, got, expected)
    print("    " + "\n    ".join(lines))


def test_fallback_any_spreads_over_every_member(w):
    for pool, (method, weights) in sorted(FALLBACKS.items()):
        i = sorted(FALLBACKS).index(pool)
        addresses = ["127.0.%d.%d" % (j + 1, 20 + i) for j in range(len(weights))]
        if weights[0] == weights[1]:
            seen = set()
            for a in dig_many(fqdn(pool), 20, "A", w.pdns["off"].port, source="127.0.1.50"):
                seen.update(a.values())
            assert seen == set(addresses), (pool, method, seen)
        shares = record_shares(dig_many(fqdn(pool), 400, "A", w.pdns["off"].port,
                                       source="127.0.2.50", subnet="10.1.0.0/24"))
        for address, weight in zip(addresses, weights):
            got = shares.get(address, 0.0)
            assert abs(got - weight / sum(weights)) <= 0.1, (pool, address, got)


def test_dual_stack_fallback_answers_each_family(w):
    for a in dig_many(fqdn("fb-dual"), 20, "A", w.pdns["off"].port):
        assert len(a.values("A")) == 1 and a.values("AAAA") == [], a.output
    for a in dig_many(fqdn("fb-dual"), 20, "AAAA", w.pdns["off"].port):
        assert a.values("AAAA") == ["2001:db8::1"], a.output
    out = w.pharos.ctl("explain", fqdn("fb-dual"), "--client", "127.0.0.1").stdout
    a_part, aaaa_part = out.split("AAAA records:")
    assert re.search(r"^answer: 127\.0\.21\.[12] ", a_part, re.M), out
    assert "fallback any" in a_part, out
    assert re.search(r"^answer: 2001:db8::1 ", aaaa_part, re.M), out


def test_status_and_backend_agree_on_a_stale_table(w):
    # on_stale: last-known; with the prober dead, both keep the last verdicts.
    w.pharos.health.kill()
    stale = wait_until(lambda: w.ctl_status()["table"]["status"] == "stale", 5)
    assert stale, w.ctl_status()["table"]
    status = w.pharos.ctl("status")
    assert status.returncode == 0, status
    assert "last-known" in status.stdout, status.stdout
    as_json = w.ctl_status()
    assert as_json["table"]["verdicts_used"] is True, as_json["table"]
    no_path = members_by_name(as_json, "a-http-path")["no-path"]
    assert no_path["effective"] == "down", no_path
    for _ in range(5):
        assert dig(fqdn("a-http-path"), "A", w.pdns["off"].port).values() == ["127.0.10.2"]
    w.pharos.health.start()


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    return run_shared_world(World(os.path.abspath(sys.argv[1])), TESTS)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
