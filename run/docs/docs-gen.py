#!/usr/bin/env python3
"""docs-gen.py - fill the generated blocks of README.md, report/GUIDE.md and report/README.md
from one run.

A block is
    <!-- gen:NAME build=ID -->
    ...
    <!-- /gen:NAME -->
and everything between the markers is rewritten; ID becomes this build's identity
(run/build-id.sh), which run/docs/docs-check.sh compares with the current build. NAME says what
goes in: run output (build/serial-shots.log, build/bench.csv, build/report/*.txt); for
log:REGEX, the lines of the screenshots' serial log that match REGEX (no spaces: use \s); for
code:FILE:NAME, the function or assembly label NAME cut from FILE as it is now.

    run/docs/docs-gen.py BUILD_ID [FILE...]      default files: README.md report/GUIDE.md
                                            report/README.md
    run/docs/docs-gen.py --check-code [FILE...]  only compare the code:FILE:NAME blocks with the
                                            source as it is now (run/docs/docs-check.sh does)
"""
import csv
import re
import sys

DOCS = ["README.md", "report/GUIDE.md", "report/README.md"]
SHOTS_LOG = "build/serial-shots.log"
BENCH_CSV = "build/bench.csv"
BENCH_MD = "build/bench.md"
BOCHS_TXT = "build/report/bochs.txt"
GDB_TXT = "build/report/gdb.txt"
TIMES = "build/report/times"
STUDENT_RC = "build/debug-cow.rc"
BLOCK = re.compile(r"^<!-- gen:(\S+) build=\S* -->\n.*?^<!-- /gen:\1 -->$", re.S | re.M)


def fail(msg):
    sys.exit("docs-gen: " + msg)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r", "")
    except OSError:
        fail(path + " is missing (make report makes it)")


def fence(text, lang=""):
    return "```" + lang + "\n" + text.rstrip("\n") + "\n```"


def log_lines():
    return read(SHOTS_LOG).splitlines()


def first(pattern, lines, what):
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return m
    fail("no %s in %s" % (what, SHOTS_LOG))


def cowdemo_facts():
    """The values of the cowdemo scenes: data page, frames, counts, the trace lines."""
    lines = log_lines()
    parent = first(r"^\[cowdemo\] parent pid (\d+): value (\d+) at va (0x[0-9a-f]+), phys (0x[0-9a-f]+)",
                   lines, "cowdemo parent line")
    va = parent.group(3)
    copy = first(r"^\[cow\] pid=(\d+) name=cowdemo va=%s .* copy frame (0x[0-9a-f]+)->(0x[0-9a-f]+) ref (\d+)->(\d+)(?: cpu=\d+)?$"
                 % va, lines, "cowdemo copy line")
    reuse = first(r"^\[cow\] pid=(\d+) name=cowdemo va=%s .* reuse frame (0x[0-9a-f]+)->.*" % va,
                  lines, "cowdemo reuse line")
    return dict(ppid=parent.group(1), value=parent.group(2), va=va, phys=parent.group(4),
                cpid=copy.group(1), old=copy.group(2), new=copy.group(3), rb=copy.group(4),
                ra=copy.group(5), copy_line=copy.group(0), reuse_line=reuse.group(0),
                reuse_frame=reuse.group(2))


def gen_boot_mm():
    lines = log_lines()
    out = [l for l in lines if l.startswith("[mm]") or l.startswith("[kernel] boot mode")]
    if not out:
        fail("no [mm] lines in " + SHOTS_LOG)
    return fence("\n".join(out))


def gen_trace_sample():
    return fence(cowdemo_facts()["copy_line"])


def gen_fault_line():
    return fence(first(r"^\[fault\] .*name=faultdemo .*", log_lines(), "faultdemo line").group(0))


def gen_cowdemo_lines():
    lines = log_lines()
    start = next((i for i, l in enumerate(lines) if l.startswith("[cowdemo] parent pid")), None)
    end = next((i for i, l in enumerate(lines) if l.startswith("[pause] reuse")), None)
    if start is None or end is None:
        fail("cowdemo scenes not found in " + SHOTS_LOG)
    return fence("\n".join(l for l in lines[start:end] if l.startswith("[cowdemo]") or l.startswith("[cow]")))


def gen_cowdemo_map():
    """The child's copy fault and cowdemo's map of the step after it."""
    lines = log_lines()
    f = cowdemo_facts()
    start = next((i for i, l in enumerate(lines) if l == f["copy_line"]), None)
    top = next((i for i, l in enumerate(lines) if l.startswith("[map] after the child's write")), None)
    if start is None or top is None:
        fail("no map after the child's write in " + SHOTS_LOG)
    end = next((i for i in range(top, len(lines)) if re.match(r"^ \d+ frames ", lines[i])), None)
    if end is None:
        fail("the map after the child's write has no frames line in " + SHOTS_LOG)
    return fence("\n".join([f["copy_line"]] + lines[top:end + 1]))


def gen_cowdemo_copy():
    f = cowdemo_facts()
    return ("In this run the parent (pid %(ppid)s) holds %(value)s in its page at `%(va)s`, frame "
            "`%(phys)s`. After `fork` the child (pid %(cpid)s) reads %(value)s through the same frame. "
            "Its write faults: the `[cow]` line shows a user-mode write (`err=0x7(present,write,user)`), "
            "the decision `copy`, the frame changing from `%(old)s` to `%(new)s`, and the old frame's "
            "count dropping from %(rb)s to %(ra)s." % f)


def gen_cowdemo_reuse():
    f = cowdemo_facts()
    return ("With the child gone the parent's frame `%(reuse_frame)s` has one reference left, so the "
            "parent's write is a `reuse`: same frame, no copy, no allocation:\n\n" % f) + fence(f["reuse_line"])


def gen_memstat():
    lines = log_lines()
    pages = first(r"^\[cowdemo\] fork\+exec\+exit copied (\d+) page", lines, "fork+exec line").group(1)
    def counter(label):
        return first(r"^\|\s*%s\s*\|\s*(\d+)\s*\|" % re.escape(label), lines, "memstat " + label).group(1)
    faults, copies, reuses = counter("COW write faults"), counter("resolved by copying"), counter("resolved by reuse")
    shared = counter("frames shared right now")
    return ("`fork` + `exec` of `echo` copied %s page(s) (the child's stack, written before `exec` replaced "
            "the image). The counters since boot: %s copy-on-write faults, %s resolved by copying and %s by "
            "reuse; %s frame(s) shared once the demo's children are gone." % (pages, faults, copies, reuses, shared))


def gen_suite():
    lines = log_lines()
    verdict = first(r"^\[suite\] \d+ of \d+ test programs passed", lines, "suite verdict").group(0)
    ok = sum(1 for l in lines if re.match(r"^[a-z0-9_]+: ok$", l))
    bad = sum(1 for l in lines if re.match(r"^[a-z0-9_]+: FAIL", l))
    return ("In the screenshots' run (128 MiB, `testsuite quick`): `%s`, %d checks printed `ok` and %d "
            "`FAIL`. `make test` runs the full suite at 32 and 256 MiB and prints its own totals."
            % (verdict, ok, bad))


def bench_rows():
    rows = [r for r in csv.reader(l for l in read(BENCH_CSV).splitlines() if not l.startswith("#"))]
    if not rows or rows[0][0] != "metric":
        fail(BENCH_CSV + " has no header row")
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if r]


def size_label(kib):
    kib = int(kib)
    return "%d MiB" % (kib // 1024) if kib >= 1024 else "%d KiB" % kib


def bench_get(rows, metric, policy, size, field="median_instructions"):
    for r in rows:
        if r["metric"] == metric and r["policy"] == policy and r["size_kib"] == size:
            return int(r[field])
    return None


def bench_ref(rows, metric):
    return next((int(r["median_instructions"]) for r in rows if r["metric"] == metric), None)


def gen_bench_table():
    """The table run/bench/bench.sh wrote (run/bench/bench-table.sh over build/bench.csv), with its goals."""
    return read(BENCH_MD).rstrip("\n")


def gen_bench_summary():
    rows = bench_rows()
    sizes = sorted({r["size_kib"] for r in rows if r["metric"] == "fork"}, key=int)
    small, big = sizes[0], sizes[-1]
    o, c = bench_get(rows, "fork", "OLD", big), bench_get(rows, "fork", "COW", big)
    sp_small, sp_big = bench_get(rows, "fork", "SHARED_PT", small), bench_get(rows, "fork", "SHARED_PT", big)
    of, cf = bench_get(rows, "fork", "OLD", big, "frames"), bench_get(rows, "fork", "COW", big, "frames")
    faults = [bench_get(rows, "fault_per_page", "COW", s) for s in sizes]
    reuse, mc = bench_ref(rows, "reuse_fault"), bench_ref(rows, "memcpy_4k")
    bound = reuse + mc
    fmt = lambda v: "{:,}".format(v)
    return ("From this run of `make bench` (guest instructions under QEMU `-icount`, medians): a COW "
            "fork of a %s region took %s instructions against %s for the eager copy (%.1fx fewer), and "
            "%s user frame(s) against %s. With shared page tables the same fork took %s instructions, "
            "against %s for a %s region. A COW copy fault cost %s to %s instructions per page, %.2f to "
            "%.2f times the floor of a reuse fault (%s) plus a 4 KiB `memcpy` (%s) measured in the same "
            "run."
            % (size_label(big), fmt(c), fmt(o), o / c, cf, fmt(of), fmt(sp_big), fmt(sp_small),
               size_label(small), fmt(min(faults)), fmt(max(faults)), min(faults) / bound,
               max(faults) / bound, fmt(reuse), fmt(mc)))


def gen_bochs_transcript():
    return fence(read(BOCHS_TXT))


def entry_words(e):
    """Frame, flags and what the PTE_COW and R/W bits say, in words."""
    return ("`0x%x`: frame `0x%x`, flags `0x%03x`, `PTE_COW` (0x200) %s, R/W %s"
            % (e, e & ~0xfff, e & 0xfff, "set" if e & 0x200 else "clear", "set" if e & 2 else "clear"))


PTE_W, PTE_COW, PTE_FRAME = 0x2, 0x200, ~0xfff


def check_copy(where, before, after):
    """Fail unless BEFORE is a shared copy-on-write entry and AFTER the writer's private copy:
    a new frame, R/W set, PTE_COW clear. The text around each transcript says exactly that."""
    problems = []
    if not before & PTE_COW or before & PTE_W:
        problems.append("the first entry %s is not a shared one (PTE_COW set, R/W clear)" % entry_words(before))
    if (after & PTE_FRAME) == (before & PTE_FRAME):
        problems.append("the second entry %s points at the same frame, not at a copy" % entry_words(after))
    if not after & PTE_W or after & PTE_COW:
        problems.append("the second entry %s is not private (R/W set, PTE_COW clear)" % entry_words(after))
    if problems:
        fail("%s does not show the copy its text describes: %s; the run stopped somewhere else "
             "(another fault, or the same breakpoint again)" % (where, "; ".join(problems)))


def gen_bochs_notes():
    t = read(BOCHS_TXT)
    ptes = re.findall(r"PTE: 0x0*([0-9a-f]+)", t)
    words = re.findall(r"^0x[0-9a-f]+ <[^>]*>:\s*(.*)$", t, re.M)
    cr2 = re.search(r"CR2=page fault laddr=0x0*([0-9a-f]+)", t)
    if len(ptes) < 2 or len(words) < 2 or not cr2:
        fail("the Bochs transcript lacks its two PTEs, its two memory dumps or CR2")
    if not re.search(r"Breakpoint [2-9],", t):
        fail("the Bochs transcript never reached its second stop (cow_handle_write's return)")
    before, after = int(ptes[0], 16), int(ptes[1], 16)
    check_copy(BOCHS_TXT, before, after)
    if words[0].split() != words[1].split():
        fail("%s: the words under the stack top differ before and after the copy (%s / %s)"
             % (BOCHS_TXT, words[0], words[1]))
    return ("CR2 is `0x%s`, the first write to a shared page. Before the copy the PTE is %s. At the second "
            "stop the entry is %s. The words under the stack top read the same through both mappings: "
            "the copy went through the scratch page."
            % (cr2.group(1), entry_words(before), entry_words(after)))


def gen_gdb_notes():
    t = read(GDB_TXT)
    ptes = re.findall(r"^PTE (0x[0-9a-f]+) at", t, re.M)
    sym = re.search(r"^(\S+) \+ \d+ in section \.text of (\S+)$", t, re.M)
    if len(ptes) < 2 or not sym:
        fail("the gdb transcript lacks its two PTEs or the user symbol")
    if t.count("Breakpoint 1,") != 1:
        fail("%s: breakpoint 1 was hit %d times; `finish` must return from the first fault"
             % (GDB_TXT, t.count("Breakpoint 1,")))
    before, after = int(ptes[0], 16), int(ptes[1], 16)
    check_copy(GDB_TXT, before, after)
    return ("Before the handler ran, the entry behind CR2 is %s; after `finish` it is %s. `usersym` loaded "
            "`%s`, the unstripped copy of the program that wrote, and `info symbol` names `%s` as the "
            "function holding the faulting user `eip`." % (entry_words(before), entry_words(after),
                                                          sym.group(2), sym.group(1)))


def gen_gdb_transcript():
    return fence(read(GDB_TXT))


def gen_bochs_rc():
    return fence(read(STUDENT_RC))


def gen_run_times():
    t = dict(l.split() for l in read(TIMES).splitlines() if l.strip())
    return ("Seconds each run of this `make report` took on this machine (shared, other jobs "
            "beside it): " + ", ".join("%s %s s" % (k, v) for k, v in t.items()) + ".")


def code_excerpt(path, name):
    """Function NAME of a C file with its contract comment, or assembly label NAME to its iret or
    ret (a macro NAME of the file first, when the label's code uses one: to its %endmacro)."""
    lines = read(path).splitlines()
    if path.endswith(".asm"):
        start = next((i for i, l in enumerate(lines) if l.startswith(name + ":")), None)
        if start is None:
            fail("no label %s in %s" % (name, path))
        end = next((i for i in range(start, len(lines)) if lines[i].strip() in ("iret", "ret")), None)
        if end is None:
            fail("label %s in %s has no iret or ret" % (name, path))
        used = set(re.findall(r"^\s+([A-Z_]+)\b", "\n".join(lines[start:end + 1]), re.M))
        macros = []
        for i, l in enumerate(lines):
            m = re.match(r"%macro ([A-Z_]+) ", l)
            if m and m.group(1) in used:
                stop = next(j for j in range(i, len(lines)) if lines[j].startswith("%endmacro"))
                macros += lines[i:stop + 1] + [""]
        return fence("\n".join(macros + lines[start:end + 1]), "nasm")
    sig = re.compile(r"^[A-Za-z].*\b%s\(" % re.escape(name))
    start = next((i for i, l in enumerate(lines) if sig.match(l) and not l.rstrip().endswith(";")), None)
    if start is None:
        fail("no function %s in %s" % (name, path))
    end = next((i for i in range(start, len(lines)) if lines[i] == "}"), None)
    top = start
    while top > 0 and (lines[top - 1].startswith("/*") or lines[top - 1].startswith(" *")):
        top -= 1
    return fence("\n".join(lines[top:end + 1]), "c")


GENERATORS = {
    "boot-mm": gen_boot_mm, "trace-sample": gen_trace_sample, "fault-line": gen_fault_line,
    "cowdemo-lines": gen_cowdemo_lines, "cowdemo-map": gen_cowdemo_map, "cowdemo-copy": gen_cowdemo_copy,
    "cowdemo-reuse": gen_cowdemo_reuse, "suite": gen_suite, "bench-table": gen_bench_table,
    "bench-summary": gen_bench_summary, "bochs-transcript": gen_bochs_transcript,
    "bochs-notes": gen_bochs_notes, "gdb-notes": gen_gdb_notes, "gdb-transcript": gen_gdb_transcript, "bochs-rc": gen_bochs_rc,
    "run-times": gen_run_times, "memstat": gen_memstat,
}


def gen_log(pattern):
    """Every line of the screenshots' serial log that matches the regular expression PATTERN."""
    found = [l for l in log_lines() if re.search(pattern, l)]
    if not found:
        fail("no line of %s matches %s" % (SHOTS_LOG, pattern))
    return fence("\n".join(found))


def generate(name):
    if name.startswith("log:"):
        return gen_log(name[4:])
    if name.startswith("code:"):
        _, path, func = name.split(":")
        return code_excerpt(path, func)
    if name not in GENERATORS:
        fail("unknown block gen:" + name)
    return GENERATORS[name]()


def check_code(paths):
    """Report every code block that differs from its source; the number of such blocks."""
    stale = 0
    for path in paths:
        text = read(path)
        for m in BLOCK.finditer(text):
            name = m.group(1)
            if not name.startswith("code:"):
                continue
            body = m.group(0).split("\n", 1)[1].rsplit("\n", 1)[0]
            if body != generate(name):
                line = text.count("\n", 0, m.start()) + 1
                print("docs-check: %s:%d: gen:%s differs from the source: regenerate with make report"
                      % (path, line, name))
                stale += 1
    return stale


def main():
    if len(sys.argv) < 2:
        fail("usage: run/docs/docs-gen.py BUILD_ID [FILE...]")
    if sys.argv[1] == "--check-code":
        sys.exit(1 if check_code(sys.argv[2:] or DOCS) else 0)
    build = sys.argv[1]
    for path in sys.argv[2:] or DOCS:
        text = read(path)
        new = BLOCK.sub(lambda m: "<!-- gen:%s build=%s -->\n%s\n<!-- /gen:%s -->"
                        % (m.group(1), build, generate(m.group(1)), m.group(1)), text)
        with open(path, "w") as f:
            f.write(new)
        print("docs-gen: %s: %d blocks for build %s" % (path, len(BLOCK.findall(text)), build))


if __name__ == "__main__":
    main()
