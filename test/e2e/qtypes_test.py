#!/usr/bin/env python3
"""Every kind of globalname answers every query type as DNS rules say, through real
pdns_servers queried with dig: addresses of the family asked, NODATA for every other type, a
CNAME (chased by pdns when its target is in a zone pdns serves) for every type at a name whose
pool chose a cname member. Each check runs in four pdns settings: its zone cache on and off
times its caches off and at the recommended settings. With its zone cache off pdns asks every
backend for a SOA at each label of a query's name, and a backend that answers anything else
there fails the query (SERVFAIL, "Backend error ... Got non-SOA record when asking for SOA"):
so no answer may be a SERVFAIL and pdns's log must hold no backend error. Then the zone is
signed (`pdnsutil secure-zone`, the zone script again): the same checks, and delv, with the
zone's key as trust anchor, validates the CNAME names and an address name, zone cache on and off.
Usage: qtypes_test.py BIN_DIR [TEST...]"""
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

from harness import (Deployment, Member, Pdns, Pharos, dig, dig_argv, make_workdir, parse_dig,
                     run_suite, wait_until)

ZONE = "qtypes.test"
HTTP_PORT, TCP_PORT, STATUS_PORT = 18360, 18361, 19190
# One pdns per world: (zone cache, pdns caches) -> port.
WORLDS = {("on", "off"): 5371, ("on", "recommended"): 5372,
          ("off", "off"): 5373, ("off", "recommended"): 5374}
SIGNED_WORLDS = {("on", "recommended"): 5375, ("off", "recommended"): 5376}
# Every type a client may ask. pdns 4.7 answers ANY over UDP with TC set and no records
# (any-to-tcp=yes, its default), and dig 9.18 asks ANY over TCP anyway: ANY is checked over TCP,
# where pdns answers it in full; the other types over UDP.
QTYPES = ["A", "AAAA", "ANY", "CNAME", "SOA", "NS", "DS", "TXT", "MX", "SRV", "CAA", "HTTPS",
          "PTR", "DNAME"]
OUTSIDE = "edge.cdn.example.net"  # a CNAME target in no zone pdns serves: not chased

PROBE = "interval: 0.5, timeout: 0.4, retries: 0"
LB = """
pools:
  web:                # fogroup over HTTP members: the first
    monitor: http
    monitor_params: {port: %(http)d, %(probe)s}
    lb_method: fogroup
    members:
    - {ip: 127.0.60.1, name: web1, weight: 1}
    - {ip: 127.0.60.2, name: web2, weight: 1}
  spread:             # wrr over HTTP members: one of them
    monitor: http
    monitor_params: {port: %(http)d, %(probe)s}
    lb_method: wrr
    members:
    - {ip: 127.0.60.3, name: spread1, weight: 1}
    - {ip: 127.0.60.4, name: spread2, weight: 1}
  dual:               # both families, probed over HTTP (the IPv6 member at ::1)
    monitor: http
    monitor_params: {port: %(http)d, %(probe)s}
    lb_method: wrr
    members:
    - {ip: 127.0.60.9, name: dual4, weight: 1}
    - {ip: "2001:db8::20", name: dual6, weight: 1, monitor_ip: "::1"}
  geo:                # twrr: dig asks from 127.0.0.1, in region-a
    monitor: forced
    lb_method: twrr
    members:
    - {ip: 127.0.61.1, name: geo-a, weight: 1}
    - {ip: 127.0.62.1, name: geo-b, weight: 1}
  hash:
    monitor: forced
    lb_method: chash
    members:
    - {ip: 192.0.2.31, name: h1, weight: 1}
    - {ip: 192.0.2.32, name: h2, weight: 1}
    - {ip: 192.0.2.33, name: h3, weight: 1}
  gone:               # every member down, fallback refuse: NODATA for every type
    monitor: forced
    monitor_params: {status: down}
    lb_method: fogroup
    fallback: refuse
    members:
    - {ip: 192.0.2.9, name: gone4, weight: 1}
    - {ip: "2001:db8::9", name: gone6, weight: 1}
  mixed:              # the ip member down (nothing listens): the CNAME into the zone
    monitor: http
    monitor_params: {port: %(http)d, %(probe)s}
    lb_method: fogroup
    members:
    - {ip: 127.0.60.5, name: mixed-ip, weight: 1}
    - {cname: target.%(zone)s., name: mixed-edge, weight: 1, monitor_ip: 127.0.60.6}
  away:               # tcp checks; the ip member down: a CNAME out of every zone of pdns
    monitor: tcp
    monitor_params: {port: %(tcp)d, %(probe)s}
    lb_method: fogroup
    members:
    - {ip: 127.0.60.7, name: away-ip, weight: 1}
    - {cname: %(outside)s., name: away-edge, weight: 1, monitor_ip: 127.0.60.8}
  cdn:                # wrr over cname members only
    monitor: forced
    lb_method: wrr
    members:
    - {cname: edge-a.%(zone)s., name: edge-a, weight: 1}
    - {cname: edge-b.%(zone)s., name: edge-b, weight: 1}
  first:              # cname members all down: falls back to the next cname pool
    monitor: forced
    monitor_params: {status: down}
    lb_method: wrr
    fallback: pool:spare
    members:
    - {cname: first-a.%(zone)s., name: first-a, weight: 1}
    - {cname: first-b.%(zone)s., name: first-b, weight: 1}
  spare:
    monitor: forced
    lb_method: fogroup
    members:
    - {cname: spare.%(zone)s., name: spare, weight: 1}
globalnames:
  web.%(zone)s.: {pool: web, ttl: 1}
  spread.%(zone)s.: {pool: spread, ttl: 1}
  dual.%(zone)s.: {pool: dual, ttl: 1}
  geo.%(zone)s.: {pool: geo, ttl: 1}
  hash.%(zone)s.: {pool: hash, ttl: 1}
  gone.%(zone)s.: {pool: gone, ttl: 1}
  a.deep.%(zone)s.: {pool: web, ttl: 1}
  svc.%(zone)s.: {pool: mixed, ttl: 1}
  away.%(zone)s.: {pool: away, ttl: 1}
  cdn.%(zone)s.: {pool: cdn, ttl: 1}
  chain.%(zone)s.: {pool: first, ttl: 1}
""" % {"http": HTTP_PORT, "tcp": TCP_PORT, "probe": PROBE, "zone": ZONE, "outside": OUTSIDE}

TOPOLOGY = """
region-a: [127.0.0.0/24, 127.0.61.0/24]
region-b: [127.0.62.0/24]
"""

# The members that run: name -> (address, port, member.py arguments). mixed-ip (127.0.60.5)
# and away-ip (127.0.60.7) have nothing listening, so their pools answer the cname member.
MEMBERS = {"web1": ("127.0.60.1", HTTP_PORT, ()), "web2": ("127.0.60.2", HTTP_PORT, ()),
           "spread1": ("127.0.60.3", HTTP_PORT, ()), "spread2": ("127.0.60.4", HTTP_PORT, ()),
           "dual4": ("127.0.60.9", HTTP_PORT, ()), "dual6": ("::1", HTTP_PORT, ()),
           "mixed-edge": ("127.0.60.6", HTTP_PORT, ()),
           "away-edge": ("127.0.60.8", TCP_PORT, ("--tcp-reply", "ok"))}
DOWN = {"mixed-ip", "away-ip"}

# Static records of the zone, in gsqlite3 (as an operator adds them): the CNAME targets.
STATIC = {"target": {"A": ["192.0.2.50"], "AAAA": ["2001:db8::50"], "TXT": ['"cname target"']},
          "edge-a": {"A": ["192.0.2.51"]}, "edge-b": {"A": ["192.0.2.52"]},
          "spare": {"A": ["192.0.2.53"], "AAAA": ["2001:db8::53"]}}


def fqdn(label):
    return label + "." + ZONE


def owner(name):
    return name.lower().rstrip(".") + "."


# ---- what DNS says each name answers ------------------------------------------------------

class Records:
    """A name that holds addresses (or static records): for each type, the sets pharos may
    answer (one of them). A type it lacks: NODATA; ANY: one set of each type."""

    def __init__(self, **types):
        self.types = types

    def expected(self, name, qtype):
        if qtype == "ANY":
            per_type = [[[(owner(name), t, v) for v in choice] for choice in choices]
                        for t, choices in sorted(self.types.items())]
            return [sum(combination, []) for combination in itertools.product(*per_type)]
        return [[(owner(name), qtype, v) for v in choice]
                for choice in self.types.get(qtype, [[]])]


class Cname:
    """A name whose pool chose a cname member (one of `targets`): the name owns that CNAME
    alone, so every type but CNAME is answered with the CNAME followed by what the target holds
    of that type, when the target is in a zone pdns serves (RFC 1034 3.6.2, 4.3.2): SOA, NS
    and DS too, since the name is no zone apex and no delegation.
    ANY matches the CNAME itself, so RFC 1034 4.3.2 stops there; pdns 4.7 chases it all the
    same and adds every record of the target (a quirk of pdns, harmless to resolvers): both
    are accepted, nothing else."""

    def __init__(self, *targets):
        self.targets = targets

    def expected(self, name, qtype):
        answers = []
        for target in self.targets:
            answer = [(owner(name), "CNAME", owner(target))]
            held = STATIC.get(target[:-len(ZONE) - 1], {}) if target.endswith("." + ZONE) else {}
            if qtype == "ANY":
                answers.append(answer)  # the RFC's answer
                answer = answer + [(owner(target), t, v)  # pdns's
                                   for t, values in sorted(held.items()) for v in values]
            elif qtype != "CNAME":
                answer += [(owner(target), qtype, v) for v in held.get(qtype, [])]
            answers.append(answer)
        return answers


def one_of(*values):
    return [[v] for v in values]


NAMES = {
    "web": Records(A=one_of("127.0.60.1")),
    "spread": Records(A=one_of("127.0.60.3", "127.0.60.4")),
    "dual": Records(A=one_of("127.0.60.9"), AAAA=one_of("2001:db8::20")),
    "geo": Records(A=one_of("127.0.61.1")),
    "hash": Records(A=one_of("192.0.2.31", "192.0.2.32", "192.0.2.33")),
    "gone": Records(),
    "a.deep": Records(A=one_of("127.0.60.1")),
    "deep": Records(),  # an empty non-terminal: exists, holds nothing
    "svc": Cname(fqdn("target")),
    "away": Cname(OUTSIDE),
    "cdn": Cname(fqdn("edge-a"), fqdn("edge-b")),
    "chain": Cname(fqdn("spare")),
    "target": Records(**{t: [values] for t, values in STATIC["target"].items()}),
}
NXDOMAIN = ["nope", "x.web", "x.svc", "x.deep"]  # below a CNAME is not covered by it


def canonical(records):
    """An answer as compared: a CNAME stays first (pdns puts the chased records after it),
    the rest in any order (pdns shuffles records of one set)."""
    lead = records[0] if records and records[0][1] == "CNAME" else None
    return lead, sorted(records)


def check(answer, label, qtype, world):
    """A message saying what is wrong with `answer`, or None."""
    name = fqdn(label)
    got = [(r[0], r[2], r[3]) for r in answer.records]
    if label in NXDOMAIN:
        status, allowed = "NXDOMAIN", [[]]
    else:
        status, allowed = "NOERROR", NAMES[label].expected(name, qtype)
    if answer.status == status and "aa" in answer.flags and \
            canonical(got) in [canonical(a) for a in allowed]:
        return None
    return "%s %s in %s: expected %s %s, got %s flags=%s %s" % (
        name, qtype, world, status, " or ".join(str(a) for a in allowed), answer.status,
        " ".join(sorted(answer.flags)), got)


# ---- asking -------------------------------------------------------------------------------

def dig_batch(queries, port):
    """Many (name, qtype) queries from one dig process (batch mode, each printed after its own
    command line): {(name, qtype): Answer}; a query dig printed nothing for is missing."""
    with tempfile.NamedTemporaryFile("w", suffix=".dig") as batch:
        batch.write("".join("%s %s\n" % q for q in queries))
        batch.flush()
        argv = dig_argv(port, "127.0.0.1", None, None) + ["+cmd", "-f", batch.name]
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=30 + len(queries) / 20).stdout
    answers = {}
    for chunk in re.split(r"(?m)^(?=; <<>> DiG )", out)[1:]:
        command = chunk.splitlines()[0].split()
        answers[(command[-2], command[-1])] = parse_dig(chunk)
    return answers


def matrix_failures(port, world, labels, qtypes):
    queries = [(fqdn(label), qtype) for label in labels for qtype in qtypes]
    answers = dig_batch(queries, port)
    failures = []
    for label in labels:
        for qtype in qtypes:
            answer = answers.get((fqdn(label), qtype))
            problem = check(answer, label, qtype, world) if answer else \
                "%s %s in %s: dig printed no answer" % (fqdn(label), qtype, world)
            if problem:
                failures.append(problem)
    return failures


def world_name(zone_cache, caches, signed=False):
    return "%szone-cache=%s caches=%s" % ("signed " if signed else "", zone_cache, caches)


# ---- the deployment -----------------------------------------------------------------------

class Gslb(Deployment):
    """The members, pharos-health and pharos-backend for LB, and one pdns per world (`pdns`,
    by (zone cache, caches)), each with its own gsqlite3 zone and the static CNAME targets; a
    pdns runs only while its world is checked."""

    def __init__(self, bin_dir, worlds, signed=False):
        self.dir = make_workdir("pharos-qtypes-")
        self.bin_dir = bin_dir
        self.table = "/pharos-qtypes-%d" % os.getpid()
        self.config = os.path.join(self.dir, "pharos.yaml")
        for name, text in [("lb.yaml", LB), ("topology.yaml", TOPOLOGY)]:
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        with open(self.config, "w") as f:
            f.write("lb: lb.yaml\ntopology: topology.yaml\nuser: root\n"
                    "backend: {socket: %s/backend.sock, socket_group: root}\n"
                    "health: {table: %s, table_group: root}\n"
                    "admin_state: %s/admin-state.json\nlog_level: info\n"
                    "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:%d'}\n"
                    % (self.dir, self.table, self.dir, self.dir, STATUS_PORT))
        self.members = {n: Member(a, p, n, self.dir, extra)
                        for n, (a, p, extra) in MEMBERS.items()}
        self.pharos = Pharos(bin_dir, self.config, self.dir)
        self.worlds, self.signed = worlds, signed
        self.pdns = {}  # run_suite reads every instance's log for backend errors
        self.ready = False

    def servers(self):
        return [self.pharos.health, self.pharos.backend] + list(self.pdns.values())

    def start(self):
        for m in self.members.values():
            m.start()
        self.pharos.health.start()
        self.pharos.backend.start()
        # pdnsutil reaches the remote backend too, so the zones are filled once it listens.
        for (zone_cache, caches), port in self.worlds.items():
            extra = ["gsqlite3-dnssec=yes"] if self.signed else []
            pdns = Pdns(self.dir, port, self.dir + "/backend.sock", [ZONE], self.config,
                        self.bin_dir, caches=caches, zone_cache=zone_cache, extra=extra,
                        name="pdns-zc-%s-%s" % (zone_cache, caches))
            for label, types in sorted(STATIC.items()):
                for rtype, values in sorted(types.items()):
                    for value in values:
                        pdns.util("add-record", ZONE, label, rtype, "3600", value)
            if self.signed:  # as an operator signs: secure-zone, then the zone script again
                pdns.util("secure-zone", ZONE)
                pdns.run_zone_script()
            self.pdns[(zone_cache, caches)] = pdns

    def members_settled(self):
        doc = self.status()
        states = {m["name"]: m["state"] for p in doc.get("pools", []) for m in p["members"]}
        return all(states.get(n) == "up" for n in MEMBERS) and \
            all(states.get(n) == "down" for n in DOWN)

    def wait_ready(self, pdns):
        """Until every probed member has its verdict and the backend answers from the table:
        it fails open, every member up, until it has mapped it, and then gone (forced down,
        fallback refuse, an address pool whatever pdns's settings) would answer 192.0.2.9."""
        if self.ready:
            return
        if not wait_until(self.members_settled, 10, 0.1):
            raise RuntimeError("the members never settled:\n%s\n%s"
                               % (json.dumps(self.status(), indent=1)[-4000:], self.logs()))
        if not wait_until(lambda: (lambda a: a.status == "NOERROR" and a.records == [])(
                dig(fqdn("gone"), "A", pdns.port)), 10, 0.1):
            raise RuntimeError("the backend never used the table:\n" + self.logs())
        self.ready = True

    def check_world(self, key, signed=False):
        """Every name, every type, in one world; then pdns's log must hold no backend error."""
        world = world_name(*key, signed=signed)
        pdns = self.pdns[key].start()
        try:
            self.wait_ready(pdns)
            labels = sorted(NAMES) + NXDOMAIN
            failures = matrix_failures(pdns.port, world, labels, QTYPES)
            errors = pdns.backend_errors()
            assert not failures and not errors, "%s: %d wrong answers, %d backend errors\n%s" % (
                world, len(failures), len(errors), "\n".join(failures + errors))
            print("    %s: %d answers right, no backend error"
                  % (world, len(labels) * len(QTYPES)), flush=True)
        finally:
            if not signed:
                pdns.stop()


# ---- the tests ----------------------------------------------------------------------------

def test_every_name_answers_every_qtype(make):
    g = make(WORLDS)
    for key in WORLDS:
        g.check_world(key)


def delv(port, anchors, name, qtype):
    argv = ["delv", "@127.0.0.1", "-p", str(port), "-a", anchors, "+root=" + ZONE, name, qtype]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return out.stdout + out.stderr


DELV_LABELS, DELV_QTYPES = ["svc", "away", "chain", "web"], ["A", "AAAA", "TXT"]


def delv_failures(pdns, anchors, world):
    """delv validates the CNAME names (target in the zone, with and without records of the
    type asked, and out of every zone) and an address name, for A, AAAA and TXT."""
    failures = []
    for label in DELV_LABELS:
        for qtype in DELV_QTYPES:
            name = fqdn(label)
            out = delv(pdns.port, anchors, name, qtype)
            expected = NAMES[label].expected(name, qtype)[0]
            got = sorted((owner(r[0]), r[1], r[2]) for r in
                         re.findall(r"(?m)^(\S+)\s+\d+\s+IN\s+(A|AAAA|TXT|CNAME)\s+(.+)$", out))
            problem = delv_problem(out, qtype, expected, got)
            if problem:
                failures.append("%s %s in %s: %s; delv said:\n%s"
                                % (name, qtype, world, problem, out))
    return failures


def delv_problem(out, qtype, expected, got):
    """What is wrong with delv's output, or None."""
    cname = bool(expected) and expected[0][1] == "CNAME"
    if cname and expected[0][2] == owner(OUTSIDE):
        # The CNAME is validated; its target is in no zone pdns serves, so delv, resolving
        # through this pdns, learns nothing about it: pdns refuses the question, and delv ends
        # with "resolution failed: failure".
        if "; fully validated" not in out or got != sorted(expected):
            return "the CNAME not fully validated"
        if "REFUSED unexpected RCODE resolving '%s/%s/IN'" % (OUTSIDE, qtype) not in out:
            return "the target not asked for after the CNAME"
        return None
    if any(r[1] == qtype for r in expected):  # records of the type asked, maybe after a CNAME
        if "; fully validated" not in out or "; negative response" in out:
            return "not fully validated"
    elif cname:
        # The CNAME validated, then the target's NODATA: after a CNAME delv 9.18 prints no
        # "; negative response" line, only the target's NSEC proof and "resolution failed:
        # ncache nxrrset".
        if "; fully validated" not in out or "resolution failed: ncache nxrrset" not in out:
            return "no validated CNAME and NODATA"
    elif "; negative response, fully validated" not in out or "ncache nxrrset" not in out:
        return "no validated NODATA"
    if got != sorted(expected):
        return "records %s, expected %s" % (got, sorted(expected))
    return None


def test_signed_zone_validates(make):
    g = make(SIGNED_WORLDS, signed=True)
    for key in SIGNED_WORLDS:
        world = world_name(*key, signed=True)
        g.check_world(key, signed=True)  # the dig matrix, in the signed zone too
        pdns = g.pdns[key]
        keys = dig(ZONE, "DNSKEY", pdns.port).records
        ksk = [r[3].split(None, 3) for r in keys if r[3].startswith("257 ")]
        assert ksk, (world, keys)
        anchors = os.path.join(g.dir, "anchors-%d.conf" % pdns.port)
        with open(anchors, "w") as f:
            f.write('trust-anchors { %s. static-key %s %s %s "%s"; };\n'
                    % (ZONE, ksk[0][0], ksk[0][1], ksk[0][2], ksk[0][3].replace(" ", "")))
        failures = delv_failures(pdns, anchors, world)
        errors = pdns.backend_errors()
        assert not failures and not errors, "\n".join(failures + errors)
        print("    %s: delv validated %d answers"
              % (world, len(DELV_LABELS) * len(DELV_QTYPES)), flush=True)
        pdns.stop()


TESTS = [test_every_name_answers_every_qtype, test_signed_zone_validates]


def main():
    bin_dir = os.path.abspath(sys.argv[1])

    def run(test, worlds):
        def make(pdns_worlds, signed=False):
            g = Gslb(bin_dir, pdns_worlds, signed)
            worlds.append(g)
            g.start()
            return g
        test(make)

    def show(g):
        print(json.dumps(g.status(), indent=1)[-3000:])
        print(g.logs()[-8000:])

    return run_suite(TESTS, run, show, clean_pdns_log=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
