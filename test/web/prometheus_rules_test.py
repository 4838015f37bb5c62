#!/usr/bin/env python3
"""The alerting rules of contrib/prometheus checked by Prometheus's own promtool: `check rules`
clean, `test rules` passing, and the tests able to fail: each alert's expression replaced by one
that never fires must fail its firing case, and by one that fires on every series its quiet
case. Exits 77 (ctest: skipped) where promtool is not installed (Debian package prometheus).
Usage: prometheus_rules_test.py SOURCE_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

NEVER = "vector(1) == 0"
ALWAYS = "'{__name__=~\"pharos_.+|up\"}'"


def promtool(*args, cwd=None):
    out = subprocess.run(["promtool"] + list(args), capture_output=True, text=True, timeout=60,
                         cwd=cwd)
    return out.returncode, out.stdout + out.stderr


def alert_blocks(text):
    """[(name, start, end)] of each `- alert:` block of a rules file, in order."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r"^ *- alert: (\w+)", text, re.M)]
    return [(name, at, starts[i + 1][1] if i + 1 < len(starts) else len(text))
            for i, (name, at) in enumerate(starts)]


def with_expr(text, alert, expr):
    """The rules text with `alert`'s expression (one line, or a | block) replaced by `expr`."""
    for name, start, end in alert_blocks(text):
        if name != alert:
            continue
        block = text[start:end]
        m = re.search(r"^( *)expr:.*\n(?:\1 +.*\n)*", block, re.M)
        assert m, "no expr in " + alert
        block = block[:m.start()] + m.group(1) + "expr: " + expr + "\n" + block[m.end():]
        return text[:start] + block + text[end:]
    raise AssertionError("no alert " + alert)


def main():
    source = os.path.abspath(sys.argv[1])
    if shutil.which("promtool") is None:
        print("SKIPPED: promtool is not installed (Debian package prometheus)")
        return 77
    folder = os.path.join(source, "contrib", "prometheus")
    rules_path = os.path.join(folder, "pharos-rules.yml")
    with open(rules_path) as f:
        rules = f.read()
    with open(os.path.join(folder, "pharos-rules.test.yml")) as f:
        tests = f.read()
    failed = []

    code, out = promtool("check", "rules", rules_path)
    print(out.strip())
    if code != 0 or "SUCCESS" not in out or re.search(r"warn|error", out, re.I):
        failed.append("promtool check rules is not clean")
    code, out = promtool("test", "rules", "pharos-rules.test.yml", cwd=folder)
    print(out.strip())
    if code != 0:
        failed.append("promtool test rules fails")

    alerts = [name for name, _, _ in alert_blocks(rules)]
    tested = set(re.findall(r"alertname: (\w+)", tests))
    print("alerts: " + ", ".join(alerts))
    if len(alerts) != len(set(alerts)):
        failed.append("an alert name is used twice")
    for name in sorted(set(alerts) - tested):
        failed.append("%s has no test in pharos-rules.test.yml" % name)
    for name in sorted(tested - set(alerts)):
        failed.append("pharos-rules.test.yml tests %s, which no rule defines" % name)

    # Each alert broken both ways in a copy of the folder: the tests must notice.
    with tempfile.TemporaryDirectory(prefix="pharos-rules-") as d:
        shutil.copy(os.path.join(folder, "pharos-rules.test.yml"), d)
        for name in alerts:
            for how, expr in [("never fires", NEVER), ("fires on every series", ALWAYS)]:
                with open(os.path.join(d, "pharos-rules.yml"), "w") as f:
                    f.write(with_expr(rules, name, expr))
                code, out = promtool("test", "rules", "pharos-rules.test.yml", cwd=d)
                caught = code != 0 and name in out
                print("%s %s: %s" % (name, how, "caught" if caught else "NOT CAUGHT"))
                if not caught:
                    failed.append("the tests pass when %s %s" % (name, how))

    for f in failed:
        print("FAIL: " + f)
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
