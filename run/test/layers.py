#!/usr/bin/env python3
"""layers.py - fail when a kernel file reaches up a layer (make layers; make test runs it).

The layers and their folders are in src/kernel/layers.txt, bottom first. Two kinds of use count:
  - an #include (C) or %include (NASM) of a header that belongs to a higher layer;
  - a symbol an object file of the kernel uses (nm: undefined in it) that an object of a higher
    layer defines: a call, a jump, or a reference to data.
Each is reported as FILE:LINE with both layers; the line of a symbol use is the first line of the
source that names the symbol outside a comment.

    run/test/layers.py [BUILD_DIR]      default build (the kernel objects are BUILD_DIR/k)
"""
import os
import re
import subprocess
import sys

LAYERS = "src/kernel/layers.txt"
INCLUDE = re.compile(r'^\s*[#%]\s*include\s+[<"]([^">]+)[">]')


def read_layers():
    """Return (names bottom first, [(folder, rank)] longest folder first)."""
    names, folders = [], []
    with open(LAYERS) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            names.append(words[0])
            folders += [(d.rstrip("/"), len(names) - 1) for d in words[1:]]
    folders.sort(key=lambda fr: -len(fr[0]))
    return names, folders


def rank_of(path, folders):
    """The layer rank of a path, or None when it is outside every layer."""
    for folder, rank in folders:
        if path == folder or path.startswith(folder + "/"):
            return rank
    return None


def sources():
    for top in ("src/kernel", "src/lib", "src/test/kernel", "include"):
        for dirpath, _, files in os.walk(top):
            for name in sorted(files):
                if name.endswith((".c", ".h", ".asm")):
                    yield os.path.join(dirpath, name)


def header_path(name):
    """Where an included name lives: include/NAME, or build/gen for generated NASM includes."""
    if os.path.exists(os.path.join("include", name)):
        return os.path.join("include", name)
    return None


def code_lines(path):
    """(line number, text) of the lines of path that are not comments (roughly: C and NASM)."""
    out, in_block = [], False
    with open(path, errors="replace") as f:
        for no, text in enumerate(f, 1):
            t = text
            if in_block:
                if "*/" not in t:
                    continue
                t, in_block = t.split("*/", 1)[1], False
            t = re.sub(r"/\*.*?\*/", "", t)
            if "/*" in t:
                t, in_block = t.split("/*", 1)[0], True
            t = t.split("//", 1)[0]
            if path.endswith(".asm"):
                t = t.split(";", 1)[0]
            out.append((no, t))
    return out


def check_includes(names, folders, problems):
    for path in sources():
        mine = rank_of(path, folders)
        if mine is None:
            continue
        with open(path, errors="replace") as f:
            for no, text in enumerate(f, 1):
                m = INCLUDE.match(text)
                if not m:
                    continue
                hdr = header_path(m.group(1))
                theirs = rank_of(hdr, folders) if hdr else None
                if theirs is not None and theirs > mine:
                    problems.append("%s:%d: includes %s: layer %s above %s" %
                                    (path, no, hdr, names[theirs], names[mine]))


def object_source(obj, kdir):
    """The source of a kernel object: BUILD/k/X.o -> src/X.c or src/X.asm."""
    stem = os.path.join("src", os.path.relpath(obj, kdir))[:-2]
    for ext in (".c", ".asm"):
        if os.path.exists(stem + ext):
            return stem + ext
    return None


def nm_all(objs, flags):
    """{object: [nm line split in words]} for every object, from one nm run."""
    out = subprocess.run(["nm", "-A"] + flags + objs, capture_output=True, text=True, check=True).stdout
    table = {obj: [] for obj in objs}
    for line in out.splitlines():
        obj, sep, rest = line.partition(":")
        if sep and obj in table and rest.strip():
            table[obj].append(rest.split())
    return table


def check_symbols(names, folders, kdir, problems):
    objs = []
    for dirpath, _, files in os.walk(kdir):
        objs += [os.path.join(dirpath, n) for n in sorted(files) if n.endswith(".o")]
    if not objs:
        sys.exit("layers: no kernel objects under %s (run make first)" % kdir)
    owner = {}
    defined, undefined = nm_all(objs, ["--defined-only"]), nm_all(objs, ["--undefined-only"])
    for obj in objs:
        src = object_source(obj, kdir)
        for words in defined[obj]:
            if len(words) == 3 and words[1] in "TDBRC" and src:
                owner[words[2]] = src
    for obj in objs:
        src = object_source(obj, kdir)
        mine = rank_of(src, folders) if src else None
        if mine is None:
            continue
        lines = None
        for words in undefined[obj]:
            sym = words[-1]
            theirs = rank_of(owner[sym], folders) if sym in owner else None
            if theirs is None or theirs <= mine:
                continue
            if lines is None:
                lines = code_lines(src)
            word = re.compile(r"\b%s\b" % re.escape(sym))
            no = next((n for n, t in lines if word.search(t)), 0)
            problems.append("%s:%d: uses %s from %s: layer %s above %s" %
                            (src, no, sym, owner[sym], names[theirs], names[mine]))


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    names, folders = read_layers()
    problems = []
    check_includes(names, folders, problems)
    check_symbols(names, folders, os.path.join(build, "k"), problems)
    for p in problems:
        print("layers: " + p)
    if problems:
        print("layers: FAIL: %d uses reach up a layer (the layers, bottom first: %s; %s)" %
              (len(problems), " < ".join(names), LAYERS))
        sys.exit(1)
    print("layers: ok: no include or symbol reaches up a layer (%s)" % " < ".join(names))


if __name__ == "__main__":
    main()
