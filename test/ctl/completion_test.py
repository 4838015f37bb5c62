#!/usr/bin/env python3
"""pharosctl's bash completion as built: bash sources it, the test sets COMP_WORDS and
COMP_CWORD as readline would, calls the function and reads COMPREPLY. Pools, members and
globalnames come from a real configuration through the pharosctl under test, named by -c or
--config on the line. Usage: completion_test.py BIN_DIR COMPLETION_FILE"""
import os
import shutil
import subprocess
import sys
import tempfile

from ctl_suite import run_tests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN, COMPLETION = (os.path.abspath(a) for a in sys.argv[1:3])

LB = """pools:
  web:
    monitor: forced
    monitor_params: {status: up}
    lb_method: wrr
    members:
    - {ip: 10.1.0.5, name: www1, weight: 1}
    - {ip: 10.1.0.6, name: www2, weight: 1}
  api:
    monitor: forced
    monitor_params: {status: up}
    lb_method: wrr
    members:
    - {ip: 10.2.0.5, name: api-east, weight: 1}
globalnames:
  www.example.com.: {pool: web, ttl: 5}
  api.example.com.: {pool: api, ttl: 5}
"""


def complete(*words, home=None):
    """COMPREPLY, sorted, for the line `words` with the cursor at the end of the last word."""
    script = ('source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_pharosctl\n'
              'printf "%%s\\n" "${COMPREPLY[@]}"\n'
              % (COMPLETION, " ".join("'%s'" % w for w in words), len(words) - 1))
    env = dict(os.environ, HOME=home or os.environ.get("HOME", "/root"))
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       text=True, env=env, timeout=20)
    assert r.returncode == 0 and r.stderr == "", r
    return sorted(w for w in r.stdout.split("\n") if w)


def config_dir():
    d = tempfile.mkdtemp(prefix="pharos-completion-")
    with open(os.path.join(d, "polaris-lb.yaml"), "w") as f:
        f.write(LB)
    with open(os.path.join(d, "pharos.yaml"), "w") as f:
        f.write("health: {table: /pharos-completion}\n")
    return d


PHAROSCTL = os.path.join(BIN, "pharosctl")


def test_commands_and_options():
    assert complete(PHAROSCTL, "") == sorted(
        ["validate", "names", "members", "status", "explain", "drain", "force-up", "force-down",
         "clear", "reload", "failover", "failback"])
    assert complete(PHAROSCTL, "f") == ["failback", "failover", "force-down", "force-up"]
    assert complete(PHAROSCTL, "--") == ["--config", "--help", "--version"]
    assert complete(PHAROSCTL, "drain", "web", "--") == [
        "--config", "--help", "--reason", "--until", "--version"]
    assert complete(PHAROSCTL, "validate", "--l") == ["--lb"]
    assert complete(PHAROSCTL, "status", "--j") == ["--json"]


def test_pools_members_and_names_from_the_config_on_the_line():
    d = config_dir()
    config = os.path.join(d, "pharos.yaml")
    try:
        assert complete(PHAROSCTL, "-c", config, "drain", "") == ["api", "web"]
        assert complete(PHAROSCTL, "--config", config, "force-up", "w") == ["web"]
        assert complete(PHAROSCTL, "-c", config, "drain", "web", "") == ["www1", "www2"]
        assert complete(PHAROSCTL, "-c", config, "clear", "api", "") == ["api-east"]
        assert complete(PHAROSCTL, "drain", "web", "--reason", "x y", "-c", config, "") == [
            "www1", "www2"]
        assert complete(PHAROSCTL, "-c", config, "failover", "web", "www") == ["www1", "www2"]
        assert complete(PHAROSCTL, "-c", config, "failback", "web", "") == []  # POOL only
        assert complete(PHAROSCTL, "-c", config, "members", "") == ["api", "web"]
        assert complete(PHAROSCTL, "-c", config, "explain", "") == [
            "api.example.com", "www.example.com"]
        assert complete(PHAROSCTL, "-c", "~/pharos.yaml", "drain", "", home=d) == ["api", "web"]
        # the default configuration, not this one: nothing (or the machine's own pools)
        assert "www1" not in complete(PHAROSCTL, "drain", "web", "")
    finally:
        shutil.rmtree(d)


def test_file_values():
    d = config_dir()
    try:
        prefix = os.path.join(d, "pharos.y")
        assert complete(PHAROSCTL, "-c", prefix) == [prefix + "aml"]
        assert complete(PHAROSCTL, "validate", "--lb", os.path.join(d, "polaris-")) == [
            os.path.join(d, "polaris-lb.yaml")]
        assert complete(PHAROSCTL, "drain", "web", "--until", "") == []  # a TIME: nothing
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
