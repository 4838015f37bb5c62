#!/usr/bin/env python3
"""The manual pages as built: each program's --help and its page agree on every option (and
for pharosctl every command and exit status), pharosctl accepts every command and option its
page names, the pages pass `man --warnings` and `groff -ww` with no output (what lintian runs),
and pharos.yaml(5) documents every key the configuration's parser accepts, and no other.
Usage: manpages_test.py BIN_DIR MAN_DIR SOURCE_DIR"""
import os
import re
import subprocess
import sys

from ctl_suite import run_tests

BIN, MAN, ROOT = (os.path.abspath(a) for a in sys.argv[1:4])
PROGRAMS = ["pharos-backend", "pharos-health", "pharosctl"]
PAGES = ["pharos-backend.8", "pharos-health.8", "pharosctl.8", "pharos.yaml.5"]
HEADING = re.compile(r"^([A-Z][A-Z ]+)$", re.M)


def rendered(page):
    """The page as man shows it, at lintian's width, without bold or italics."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="0")
    out = subprocess.run(["man", "-l", "-E", "UTF-8", os.path.join(MAN, page)],
                         capture_output=True, text=True, env=env, check=True).stdout
    return re.sub(r".\x08", "", out).replace("\u2010", "-").replace("\u2212", "-")


def sections(text):
    """{heading: body}, for --help's text and a rendered page alike."""
    parts = HEADING.split(text)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def options(text):
    return set(re.findall(r"(?<![\w/.-])(--?[A-Za-z][\w-]*)", text))


def commands(body):
    """The command of each item in a COMMANDS section: a lowercase word at the item column,
    then only arguments and options, then the description two spaces on or the line's end."""
    item = r"^ {4,7}([a-z][a-z-]+)(?: +[\[A-Z-]\S*)*(?:  |$)"  # command, arguments, options
    return {m.group(1) for m in re.finditer(item, body, re.M)}


def exit_codes(body):
    return set(re.findall(r"^ {4,7}(\d)\s", body, re.M))


def help_of(program):
    r = subprocess.run([os.path.join(BIN, program), "--help"], capture_output=True, text=True)
    assert r.returncode == 0, r
    return r.stdout


def test_help_and_page_agree():
    for program in PROGRAMS:
        shown, page = sections(help_of(program)), sections(rendered(program + ".8"))
        assert set(shown) == set(page), (program, set(shown) ^ set(page))
        for heading in ["SYNOPSIS", "OPTIONS", "COMMANDS"]:
            if heading in shown:
                assert options(shown[heading]) == options(page[heading]), (program, heading)
        assert {"-c", "--config", "-h", "--help", "-V", "--version"} <= options(page["OPTIONS"])
        assert exit_codes(shown["EXIT STATUS"]) == exit_codes(page["EXIT STATUS"]), program
    shown, page = sections(help_of("pharosctl")), sections(rendered("pharosctl.8"))
    assert commands(shown["COMMANDS"]) == commands(page["COMMANDS"])
    assert len(commands(page["COMMANDS"])) == 12, commands(page["COMMANDS"])
    assert exit_codes(page["EXIT STATUS"]) == {"0", "1", "2", "3"}


def test_pharosctl_takes_what_its_page_names():
    page = sections(rendered("pharosctl.8"))
    for command in commands(page["COMMANDS"]):
        r = subprocess.run([os.path.join(BIN, "pharosctl"), "-c", "/nonexistent.yaml", command],
                           capture_output=True, text=True, timeout=20)
        assert "unknown command" not in r.stderr, (command, r)
    for option in options(page["COMMANDS"] + page["OPTIONS"]):
        r = subprocess.run([os.path.join(BIN, "pharosctl"), option, "x", "names"],
                           capture_output=True, text=True, timeout=20)
        assert "unknown option" not in r.stderr, (option, r)
    r = subprocess.run([os.path.join(BIN, "pharosctl"), "--frobnicate"], capture_output=True,
                       text=True)
    assert "unknown option" in r.stderr, r  # the check above can fail


def test_pages_pass_man_and_groff_warnings():
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANROFFSEQ="")
    for page in PAGES:
        path = os.path.join(MAN, page)
        man = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path],
                             capture_output=True, text=True, env=env)
        assert man.returncode == 0 and man.stderr == "", (page, man.stderr)
        groff = subprocess.run(["groff", "-ww", "-man", "-z", path], capture_output=True,
                               text=True)
        assert groff.returncode == 0 and groff.stdout + groff.stderr == "", (page, groff)


def parser_keys():
    """Every pharos.yaml key the parsers accept, dotted (notify[].url), from their checkKeys
    calls: the lists that decide which keys are unknown."""
    keys = set()
    for source, prefix_of in [("SettingsParser.cpp", lambda path: path),
                              ("ClusterParser.cpp", lambda path: path),
                              ("NotifyParser.cpp", lambda path: "notify[]")]:
        with open(os.path.join(ROOT, "conf", source)) as f:
            text = f.read()
        calls = re.findall(r"checkKeys\(\s*\w+,\s*(\"[\w.]*\"|\w+),\s*\{([^}]*)\}", text)
        assert calls, source
        for path, listed in calls:
            prefix = prefix_of(path.strip('"'))
            for key in re.findall(r'"(\w+)"', listed):
                keys.add(prefix + "." + key if prefix else key)
    return keys


def test_pharos_yaml_page_has_every_key():
    accepted = parser_keys()
    assert {"lb", "backend.socket", "cluster.tls.ca", "notify[].retry_for"} <= accepted
    prose = {"NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLE", "SEE ALSO"}
    keys = "".join(body for heading, body in sections(rendered("pharos.yaml.5")).items()
                   if heading not in prose)
    documented = set(re.findall(r"^ {7}([a-z][\w.\[\]]*):", keys, re.M))
    missing, unknown = accepted - documented, documented - accepted
    assert not missing, "pharos.yaml(5) lacks %s" % sorted(missing)
    assert not unknown, "pharos.yaml(5) documents keys the parser refuses: %s" % sorted(unknown)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
