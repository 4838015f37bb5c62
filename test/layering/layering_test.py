#!/usr/bin/env python3
"""Which folder may include which: reads the table under "## Layers" in docs/ARCHITECTURE.md,
then fails on any #include of a pharos header in a non-test source file, and any CMake link to a
pharos library, that the table does not allow. Every folder with sources must be in the table.
Usage: layering_test.py SOURCE_DIR"""
import os
import re
import sys

SOURCE_SUFFIXES = (".cpp", ".hpp", ".h")
NOT_CHECKED = {"test", "bench", "scripts", "docs", "contrib"}  # and build*/ trees


def read_table(root):
    """{folder: set of folders it may include}, from the ARCHITECTURE.md table."""
    with open(os.path.join(root, "docs", "ARCHITECTURE.md")) as f:
        text = f.read()
    at = text.find("\n## Layers")
    if at < 0:
        raise SystemExit("docs/ARCHITECTURE.md has no '## Layers' section")
    table = {}
    for line in text[at + 1:].splitlines()[1:]:
        if line.startswith("## "):
            break
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.fullmatch(r"[a-z]+(/[a-z]+)?", cells[0]):
            continue
        allowed = {c.strip().strip("`") for c in cells[1].split(",")} - {"—", "-", ""}
        table[cells[0]] = allowed
    if not table:
        raise SystemExit("docs/ARCHITECTURE.md's Layers section has no table rows")
    return table


def folder_of(path, table):
    """The table's folder a path belongs to: the longest listed prefix (health/web before
    health)."""
    parts = path.split("/")
    for n in range(len(parts) - 1, 0, -1):
        candidate = "/".join(parts[:n])
        if candidate in table:
            return candidate
    return None


def source_files(root):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if (top.startswith((".", "build")) or top in NOT_CHECKED or not os.path.isdir(path) or
                os.path.exists(os.path.join(path, "CMakeCache.txt"))):  # a build tree
            continue
        for dirpath, _, names in os.walk(path):
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES) or name == "CMakeLists.txt":
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def library_folders(root, files):
    """pharos library name -> the folder whose CMakeLists.txt defines it."""
    owners = {}
    for path in files:
        if path.endswith("CMakeLists.txt"):
            with open(os.path.join(root, path)) as f:
                for name in re.findall(r"add_library\((pharos_\w+)", f.read()):
                    owners[name] = os.path.dirname(path)
    return owners


def problems(root):
    table = read_table(root)
    files = list(source_files(root))
    owners = library_folders(root, files)
    found = []
    for path in files:
        folder = folder_of(path, table)
        if folder is None:
            found.append("%s: its folder is not in docs/ARCHITECTURE.md's Layers table" % path)
            continue
        allowed = table[folder] | {folder}
        with open(os.path.join(root, path), errors="replace") as f:
            text = f.read()
        if path.endswith("CMakeLists.txt"):
            for block in re.findall(r"target_link_libraries\(([^)]*)\)", text):
                for lib in re.findall(r"\bpharos_\w+", block):
                    used = folder_of(owners.get(lib, "?") + "/x", table)
                    if used is None:
                        found.append("%s: links %s, which no listed folder defines" % (path, lib))
                    elif used not in allowed and not used.startswith(folder + "/"):
                        found.append("%s: links %s (%s), not allowed for %s" %
                                     (path, lib, used, folder))
            continue
        for number, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m or "/" not in m.group(1):
                continue
            used = folder_of(m.group(1), table)
            if used is None:
                found.append("%s:%d: includes %s, from no listed folder" %
                             (path, number, m.group(1)))
            elif used not in allowed and not used.startswith(folder + "/"):
                found.append("%s:%d: includes %s (%s), not allowed for %s" %
                             (path, number, m.group(1), used, folder))
    return found


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    found = problems(root)
    for line in found:
        print(line)
    print("%d passed, %d failed" % (0 if found else 1, 1 if found else 0))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
