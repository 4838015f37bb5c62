#!/usr/bin/env python3
"""The command-line contract of pharos-backend, pharos-health and pharosctl: -c, --help,
--version, validate's exit codes and messages, names, status and explain without a prober.
Usage: cli_test.py BIN_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile

from ctl_suite import run_tests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1])


def run(program, *args):
    return subprocess.run([os.path.join(BIN, program)] + list(args), capture_output=True,
                          text=True, timeout=20)


def sample_dir():
    d = tempfile.mkdtemp(prefix="pharos-cli-")
    for f in ["polaris-lb.yaml", "polaris-topology.yaml"]:
        shutil.copy(os.path.join(ROOT, "test", "data", f), d)
    with open(os.path.join(d, "pharos.yaml"), "w") as f:
        f.write("health: {table: /pharos-cli-%d}\nuser: root\n"
                "control: {socket: %s/control.sock}\nhttp: {listen: '127.0.0.1:19187'}\n"
                % (os.getpid(), d))
    return d


def test_help_and_version_for_all_three():
    for program in ["pharos-backend", "pharos-health", "pharosctl"]:
        v = run(program, "--version")
        assert v.returncode == 0 and v.stdout.startswith(program + " "), (program, v)
        h = run(program, "--help")
        assert h.returncode == 0 and "-c, --config PATH" in h.stdout, (program, h)
        bad = run(program, "--bogus")
        assert bad.returncode == 2, (program, bad)


def test_servers_refuse_a_bad_config_with_every_error():
    d = sample_dir()
    with open(os.path.join(d, "polaris-lb.yaml"), "a") as f:
        f.write("bogus: 1\n")
    with open(os.path.join(d, "pharos.yaml"), "a") as f:
        f.write("loglevel: debug\n")
    for program in ["pharos-backend", "pharos-health"]:
        r = run(program, "-c", os.path.join(d, "pharos.yaml"))
        assert r.returncode == 1, (program, r)
        assert "pharos.yaml:5:1: loglevel: unknown key (did you mean \"log_level\"?)" in r.stderr, r.stderr
    shutil.rmtree(d)


def test_validate_good_and_bad():
    d = sample_dir()
    ok = run("pharosctl", "-c", os.path.join(d, "pharos.yaml"), "validate")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 1 pools, 1 globalnames, 2 regions"), ok
    lb = os.path.join(d, "polaris-lb.yaml")
    text = open(lb).read().replace("weight: 1\n", "weight: 200\n", 1).replace("ttl: 1", "ttl: 0")
    open(lb, "w").write(text)
    bad = run("pharosctl", "-c", os.path.join(d, "pharos.yaml"), "validate")
    assert bad.returncode == 1, bad
    lines = bad.stderr.strip().splitlines()
    assert lines[-1] == "2 errors", bad.stderr
    assert any(":15:15: pools.www-example.members[0].weight: must be between 0 and 100" in l
               for l in lines), bad.stderr
    assert any("globalnames[myweb.contoso.local.].ttl" in l for l in lines), bad.stderr
    alone = run("pharosctl", "validate", "--lb", os.path.join(ROOT, "test", "data", "polaris-lb.yaml"))
    assert alone.returncode == 0, alone
    shutil.rmtree(d)


def test_names_status_and_explain_without_a_prober():
    d = sample_dir()
    config = os.path.join(d, "pharos.yaml")
    names = run("pharosctl", "-c", config, "names")
    assert names.stdout == "myweb.contoso.local 1 www-example\n", names
    status = run("pharosctl", "-c", config, "status")
    assert status.returncode == 1 and "missing" in status.stdout, status
    assert "fail-open" in status.stdout, status
    explain = run("pharosctl", "-c", config, "explain", "MyWeb.contoso.local.", "--client", "10.2.0.9")
    assert explain.returncode == 0, explain
    assert "every member counts as up (fail-open)" in explain.stdout, explain.stdout
    assert "answer: 10.1.0.5 (www1)" in explain.stdout, explain.stdout
    other = run("pharosctl", "-c", config, "explain", "www.example.org", "--client", "10.2.0.9")
    assert other.returncode == 1 and "not a globalname" in other.stderr, other
    usage = run("pharosctl", "-c", config, "explain", "myweb.contoso.local")
    assert usage.returncode == 2, usage
    shutil.rmtree(d)


def test_one_prober_per_table():
    d = sample_dir()
    config = os.path.join(d, "pharos.yaml")
    first = subprocess.Popen([os.path.join(BIN, "pharos-health"), "-c", config],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        import time
        time.sleep(0.5)
        assert first.poll() is None, first.stderr.read()
        second = run("pharos-health", "-c", config)
        assert second.returncode == 1, second
        assert "another pharos-health is already probing for table /pharos-cli-" in second.stderr, second
    finally:
        first.terminate()
        first.wait(5)
        for leftover in ["", ".lock"]:
            path = "/dev/shm/pharos-cli-%d%s" % (os.getpid(), leftover)
            if os.path.exists(path):
                os.unlink(path)
    assert first.returncode == 0, first.returncode
    shutil.rmtree(d)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
