#!/usr/bin/env python3
"""labs.py - read run/lab/labs.conf, the one list of the lab kit's labs and graded groups.

As a module (run/lab/ on sys.path): `load(path)` returns a Labs object with `.labs` (name ->
Lab), `.groups` (in file order), `.other` (records of any other kind, e.g. region lines, as
Record(kind, words, line)) and `groups_for(names)`. Errors raise LabsError naming file and line.

As a command:
  labs.py [--conf FILE] labs                 one line per lab: NAME<TAB>TITLE
  labs.py [--conf FILE] groups [LAB...]      the groups make grade runs for those labs (always with
                                             the base groups; no LAB: every lab), one per line:
                                             NAME LAB POINTS SECONDS CPUS REPEAT FORK PROGRAMS
                                             (tab-separated; CPUS and PROGRAMS comma-separated)
  labs.py [--conf FILE] check                parse only; exit 1 with the error
The file's format is described in its header comment.
"""
import os
import re
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONF = os.path.join(HERE, "labs.conf")
BASE_LAB = "base"
FORKS = ("cow", "old", "sharedpt")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PROGRAM_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CHECK_RE = re.compile(r"^[a-z0-9_*]+$")
MAX_CPUS = 8


class LabsError(Exception):
    pass


class Record:
    def __init__(self, kind, words, line):
        self.kind, self.words, self.line = kind, words, line


class Lab:
    def __init__(self, name, title, line):
        self.name, self.title, self.line = name, title, line


class Program:
    """One program of a group; checks empty: the whole program counts (its suite_NAME verdict and
    every check of the boot), else only the named checks (globs with *)."""
    def __init__(self, name, checks):
        self.name, self.checks = name, checks

    def word(self):
        return self.name + (":" + ",".join(self.checks) if self.checks else "")


class Group:
    def __init__(self, name, lab, points, seconds, cpus, repeat, fork, programs, line):
        self.name, self.lab, self.points, self.seconds = name, lab, points, seconds
        self.cpus, self.repeat, self.fork, self.programs, self.line = cpus, repeat, fork, programs, line

    def tsv(self):
        return "\t".join([self.name, self.lab, str(self.points), str(self.seconds),
                          ",".join(map(str, self.cpus)), str(self.repeat), self.fork,
                          " ".join(p.word() for p in self.programs)])


class Labs:
    def __init__(self):
        self.labs = {}
        self.groups = []
        self.other = []

    def groups_for(self, names):
        """The base groups and those of the labs in names (every lab when names is empty)."""
        for n in names:
            if n != BASE_LAB and n not in self.labs:
                raise LabsError("no lab '%s' (labs: %s)" % (n, ", ".join(self.labs) or "none"))
        want = set(names) if names else set(self.labs)
        return [g for g in self.groups if g.lab == BASE_LAB or g.lab in want]


def _number(word, what, where, low, high):
    if not re.match(r"^[0-9]+$", word) or not low <= int(word) <= high:
        raise LabsError("%s: %s must be a number from %d to %d, not '%s'" % (where, what, low, high, word))
    return int(word)


def _program(word, where):
    name, _, checks = word.partition(":")
    if not PROGRAM_RE.match(name):
        raise LabsError("%s: '%s' is not a program name" % (where, name))
    names = checks.split(",") if checks else []
    for c in names:
        if not CHECK_RE.match(c):
            raise LabsError("%s: '%s' is not a check name or glob (a-z 0-9 _ *)" % (where, c))
    return Program(name, names)


def parse(text, path="labs.conf"):
    labs = Labs()
    seen = set()
    for number, raw in enumerate(text.splitlines(), 1):
        where = "%s:%d" % (path, number)
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        try:
            words = shlex.split(line)
        except ValueError as e:
            raise LabsError("%s: %s" % (where, e))
        kind = words[0]
        if kind == "lab":
            if len(words) != 3 or not NAME_RE.match(words[1]) or words[1] == BASE_LAB:
                raise LabsError('%s: want: lab NAME "TITLE" (NAME not %s)' % (where, BASE_LAB))
            if words[1] in labs.labs:
                raise LabsError("%s: lab '%s' twice" % (where, words[1]))
            labs.labs[words[1]] = Lab(words[1], words[2], number)
        elif kind == "group":
            if len(words) < 9:
                raise LabsError("%s: want: group NAME LAB POINTS SECONDS CPUS REPEAT FORK PROGRAM..." % where)
            name, lab = words[1], words[2]
            if not NAME_RE.match(name):
                raise LabsError("%s: '%s' is not a group name (a-z 0-9 _)" % (where, name))
            if name in seen:
                raise LabsError("%s: group '%s' twice" % (where, name))
            seen.add(name)
            if lab != BASE_LAB and lab not in labs.labs:
                raise LabsError("%s: lab '%s' is not declared above (or %s)" % (where, lab, BASE_LAB))
            points = _number(words[3], "POINTS", where, 1, 1000)
            seconds = _number(words[4], "SECONDS", where, 10, 3600)
            cpus = [_number(c, "CPUS", where, 1, MAX_CPUS) for c in words[5].split(",")]
            repeat = _number(words[6], "REPEAT", where, 1, 1000)
            fork = words[7]
            if fork not in FORKS:
                raise LabsError("%s: FORK must be one of %s, not '%s'" % (where, ", ".join(FORKS), fork))
            programs = [_program(w, where) for w in words[8:]]
            labs.groups.append(Group(name, lab, points, seconds, cpus, repeat, fork, programs, number))
        else:
            labs.other.append(Record(kind, words, number))
    return labs


def load(path=DEFAULT_CONF):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise LabsError("cannot read %s: %s" % (path, e.strerror))
    return parse(text, path)


def main(argv):
    conf = DEFAULT_CONF
    if len(argv) >= 2 and argv[0] == "--conf":
        conf, argv = argv[1], argv[2:]
    if not argv or argv[0] not in ("labs", "groups", "check"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    try:
        labs = load(conf)
        if argv[0] == "labs":
            for lab in labs.labs.values():
                print("%s\t%s" % (lab.name, lab.title))
        elif argv[0] == "groups":
            for g in labs.groups_for(argv[1:]):
                print(g.tsv())
    except LabsError as e:
        sys.stderr.write("labs: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
