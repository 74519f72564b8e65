#!/usr/bin/env python3
"""lab.py - the labs of this tree: marked regions of the reference source.

A region, in C:                             in NASM:
    /* LAB(cow) BEGIN "hint" */                 ; LAB(cow) BEGIN "hint"
    ...the reference code...                    ...the reference code...
    #if 0 /* LAB STARTER */                     %if 0 ; LAB STARTER
    ...the handout's code...                    ...the handout's code...
    #endif /* LAB END */                        %endif ; LAB END
Inside a comment (a file header's paragraphs) the marker lines are comment lines
(` * LAB(cow) BEGIN`, ` * LAB STARTER`, ` * LAB END`) and the starter is comment text.
A marker line is any line holding the marker; the rest of the line (comment leaders,
#if 0 / #endif) goes with it. The starter part may be empty; the hint is optional and
becomes a `TODO(lab): hint` line in the handout. Regions nest (an smp region inside a
cow region); LAB(a,b) is a region of both labs.

  lab.py handout LAB OUT          write the handout tree of LAB into OUT (a new directory)
  lab.py restore LAB HANDOUT OUT  the handout with LAB's reference regions put back, into OUT
  lab.py leaks LAB HANDOUT        every solution line of LAB found in HANDOUT's files (exit 1)
  lab.py mutants LAB              the broken kernels (run/test/mutants) that change LAB's regions
  lab.py regions [LAB]            the regions: file, lines, lab, hint
  lab.py cut TREE FILE:LINE...    in TREE (a copy of this tree), only the regions that begin at
                                  those lines (as `regions` lists them) replaced by their starter:
                                  one planted bug at a time (the races of the smp lab, alone)
The labs, the files a handout drops or replaces: run/lab/labs.conf (`region` and `handout`
lines). Paths are relative to the tree this script lies in.
"""
import os, re, shutil, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN_RE = re.compile(r'LAB\(([a-z0-9_,]+)\) BEGIN(?:\s+"([^"]*)")?')
STARTER_RE = re.compile(r'\bLAB STARTER\b')
END_RE = re.compile(r'\bLAB END\b')
SOURCE_EXT = ('.c', '.h', '.asm', '.S', '.inc', '.ld')
# A solution line shorter than this (after stripping blanks), or one of these, is not a leak.
LEAK_MIN_CHARS = 16
LEAK_TRIVIAL = {'}', '{', 'return 0;', 'return -1;', 'break;', 'continue;', 'else', '*/', '/*', '*'}


def die(msg):
    print('lab: ' + msg, file=sys.stderr)
    sys.exit(2)


def read_conf():
    """The handout lines of labs.conf: {lab: {'cuts': [labs], 'drop': [globs], 'put': [(src, dst)]}}."""
    labs = {}
    path = os.path.join(ROOT, 'run/lab/labs.conf')
    for raw in open(path):
        w = raw.split('#', 1)[0].split()
        if len(w) < 3 or w[0] != 'handout':
            continue
        lab = labs.setdefault(w[1], {'cuts': [w[1]], 'drop': [], 'put': []})
        if w[2] == 'cuts':
            lab['cuts'] = w[3:]
        elif w[2] == 'drop':
            lab['drop'] += w[3:]
        elif w[2] == 'put' and len(w) == 5:
            lab['put'].append((w[3], w[4]))
    return labs


def tracked_files(root):
    out = subprocess.run(['git', '-C', root, 'ls-files', '-co', '--exclude-standard'],
                         capture_output=True, text=True, check=True).stdout.split('\n')
    return [f for f in out if f and os.path.isfile(os.path.join(root, f))]


def parse(lines, path):
    """The file as a tree: a list of items, each a str (a line) or a region dict with
    labs, hint, begin (line), body (items), starter (lines), end (line)."""
    stack = [{'body': []}]
    mode = ['body']
    for n, line in enumerate(lines, 1):
        b = BEGIN_RE.search(line)
        if b:
            r = {'labs': b.group(1).split(','), 'hint': b.group(2), 'begin': line, 'body': [],
                 'starter': [], 'start_line': None, 'end': None, 'line': n}
            stack[-1][mode[-1]].append(r)
            stack.append(r)
            mode.append('body')
        elif STARTER_RE.search(line) and len(stack) > 1:
            if mode[-1] != 'body':
                die('%s:%d: second LAB STARTER in one region' % (path, n))
            stack[-1]['start_line'] = line
            mode[-1] = 'starter'
        elif END_RE.search(line) and len(stack) > 1:
            stack[-1]['end'] = line
            stack[-1]['end_line'] = n
            stack.pop()
            mode.pop()
        else:
            if mode[-1] == 'starter' and (BEGIN_RE.search(line)):
                die('%s:%d: a region inside a starter' % (path, n))
            stack[-1][mode[-1]].append(line)
    if len(stack) > 1:
        die('%s:%d: LAB(%s) BEGIN without LAB END' % (path, stack[-1]['line'], ','.join(stack[-1]['labs'])))
    return stack[0]['body']


def todo_line(r):
    """The handout's line in place of a region's BEGIN line, or None without a hint."""
    if not r['hint']:
        return None
    return BEGIN_RE.sub(lambda m: 'TODO(%s): %s' % (','.join(r['labs']), r['hint']), r['begin'])


def emit(items, cuts, out, cut=None):
    """The lines of the handout: regions of a lab in cuts become their starter. With cut (a test of
    a region) instead, the regions it accepts are the ones cut (run/lab/lab.py cut)."""
    if cut is None:
        cut = lambda r: set(r['labs']) & set(cuts)
    for it in items:
        if isinstance(it, str):
            out.append(it)
        elif cut(it):
            t = todo_line(it)
            if t is not None:
                out.append(t)
            out.extend(it['starter'])
        else:
            out.append(it['begin'])
            emit(it['body'], cuts, out, cut)
            if it['start_line'] is not None:
                out.append(it['start_line'])
                out.extend(it['starter'])
            out.append(it['end'])
    return out


def raw(it, out):
    """The reference lines of a region, markers and all."""
    out.append(it['begin'])
    for x in it['body']:
        if isinstance(x, str):
            out.append(x)
        else:
            raw(x, out)
    if it['start_line'] is not None:
        out.append(it['start_line'])
        out.extend(it['starter'])
    out.append(it['end'])
    return out


def is_source(path):
    return path.endswith(SOURCE_EXT) or os.path.basename(path) == 'Makefile'


def load(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return f.read().split('\n')


def regions_of(items, cuts, found):
    """The outermost regions of a lab in cuts, in order."""
    for it in items:
        if isinstance(it, dict):
            if set(it['labs']) & set(cuts):
                found.append(it)
            else:
                regions_of(it['body'], cuts, found)
    return found


def cuts_of(lab):
    conf = read_conf()
    if lab not in conf:
        die('no "handout %s" lines in run/lab/labs.conf' % lab)
    return conf[lab]


def dropped(path, globs):
    import fnmatch
    return any(fnmatch.fnmatch(path, g) or path.startswith(g.rstrip('/') + '/') for g in globs)


def cmd_handout(lab, out):
    spec = cuts_of(lab)
    if os.path.exists(out):
        die('%s exists' % out)
    puts = dict((dst, src) for src, dst in spec['put'])
    for f in tracked_files(ROOT):
        if dropped(f, spec['drop']) or f in puts:
            continue
        src = os.path.join(ROOT, f)
        dst = os.path.join(out, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if is_source(f):
            lines = load(f)
            with open(dst, 'w', encoding='utf-8') as h:
                h.write('\n'.join(emit(parse(lines, f), spec['cuts'], [])))
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst)
    for dst, src in puts.items():
        os.makedirs(os.path.dirname(os.path.join(out, dst)) or out, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, src), os.path.join(out, dst))
    os.makedirs(os.path.join(out, 'run/lab'), exist_ok=True)
    with open(os.path.join(out, 'run/lab/HANDOUT'), 'w') as h:
        h.write(lab + '\n')


def cmd_restore(lab, handout, out):
    """Copy handout to out and put back every region of lab in each source file: the handout's
    chunk (TODO line and starter) is found in order and replaced by the reference region."""
    spec = cuts_of(lab)
    if os.path.exists(out):
        die('%s exists' % out)
    shutil.copytree(handout, out, symlinks=True, ignore=shutil.ignore_patterns('.git', 'build'))
    os.makedirs(os.path.join(out, 'build'), exist_ok=True)
    bad = 0
    for f in tracked_files(ROOT):
        if not is_source(f) or dropped(f, spec['drop']):
            continue
        regs = regions_of(parse(load(f), f), spec['cuts'], [])
        if not regs:
            continue
        hp = os.path.join(out, f)
        if not os.path.exists(hp):
            print('restore: %s is missing from the handout' % f, file=sys.stderr)
            bad += 1
            continue
        lines = open(hp, encoding='utf-8').read().split('\n')
        res, at = [], 0
        for r in regs:
            chunk = ([todo_line(r)] if todo_line(r) is not None else []) + r['starter']
            pos = find_chunk(lines, chunk, at)
            if pos < 0:
                print('restore: %s: the starter of the region at line %d is not in the handout'
                      % (f, r['line']), file=sys.stderr)
                bad += 1
                break
            res += lines[at:pos]
            raw(r, res)
            at = pos + len(chunk)
        res += lines[at:]
        with open(hp, 'w', encoding='utf-8') as h:
            h.write('\n'.join(res))
    return 1 if bad else 0


def find_chunk(lines, chunk, at):
    if not chunk:
        die('a region with neither hint nor starter cannot be found in a handout: give it a hint')
    for i in range(at, len(lines) - len(chunk) + 1):
        if lines[i:i + len(chunk)] == chunk:
            return i
    return -1


def solution_lines(lab):
    """{line: (file, lineno)} of every non-trivial line of lab's reference bodies that is not
    also a line of the region's starter, nor a line the reference has outside the lab's regions
    (shared idioms such as page_ref_lock(); are not the solution)."""
    spec = cuts_of(lab)
    sol, shared = {}, set()
    for f in tracked_files(ROOT):
        if is_source(f):
            shared.update(s.strip() for s in emit(parse(load(f), f), spec['cuts'], []))
    for f in tracked_files(ROOT):
        if not is_source(f):
            continue
        for r in regions_of(parse(load(f), f), spec['cuts'], []):
            starter = set(s.strip() for s in r['starter'])
            body = raw(r, [])[1:]
            for n, line in enumerate(body):
                s = line.strip()
                if (len(s) < LEAK_MIN_CHARS or s in LEAK_TRIVIAL or s in starter or s in shared or BEGIN_RE.search(s)
                        or STARTER_RE.search(s) or END_RE.search(s)):
                    continue
                sol.setdefault(s, (f, r['line'] + 1 + n))
    return sol


def cmd_leaks(lab, handout):
    sol = solution_lines(lab)
    leaks = 0
    for dirpath, dirs, files in os.walk(handout):
        dirs[:] = [d for d in dirs if d not in ('.git', 'build')]
        for name in files:
            p = os.path.join(dirpath, name)
            try:
                text = open(p, encoding='utf-8').read()
            except (UnicodeDecodeError, OSError):
                continue
            for n, line in enumerate(text.split('\n'), 1):
                s = line.strip()
                if s in sol:
                    leaks += 1
                    print('leak: %s:%d: %s  (solution: %s:%d)' % (os.path.relpath(p, handout), n, s, *sol[s]))
    print('leak check (%s): %d solution lines, %d found in the handout' % (lab, len(sol), leaks))
    return 1 if leaks else 0


def cmd_mutants(lab):
    """The broken kernels (run/test/mutants/*.patch) that change a region of a lab the handout of
    lab cuts, one name a line: a hunk whose removed lines (or, adding only, its context lines)
    include a line of such a region. By content, so a patch made before a marker moved a line
    still counts. A patch whose header (the lines before its diff) has a line `lab: NAME...` is
    graded with those labs only: a race in an smp region nested in a cow one is the smp lab's,
    as no one-CPU group of the cow lab can see it."""
    spec = cuts_of(lab)
    inside = {}
    for f in tracked_files(ROOT):
        if is_source(f):
            for r in regions_of(parse(load(f), f), spec['cuts'], []):
                inside.setdefault(f, set()).update(
                    x.strip() for x in raw(r, [])[1:-1] if len(x.strip()) > 2)
    mdir = os.path.join(ROOT, 'run/test/mutants')
    for name in sorted(os.listdir(mdir)):
        if not name.endswith('.patch'):
            continue
        path, hunks, header, labs = None, [], True, None
        for line in open(os.path.join(mdir, name), encoding='utf-8', errors='replace'):
            if line.startswith('diff ') or line.startswith('--- '):
                header = False
            if header:
                m = re.match(r'lab:\s*(.+)', line)
                if m:
                    labs = set(m.group(1).split())
                continue
            m = re.match(r'\+\+\+ (?:b/)?(\S+)', line)
            if m:
                path = m.group(1)
            elif line.startswith('@@'):
                hunks.append((path, [], []))
            elif hunks and line.startswith('-') and not line.startswith('---'):
                hunks[-1][1].append(line[1:].strip())
            elif hunks and line.startswith(' '):
                hunks[-1][2].append(line[1:].strip())
        hit = False
        if labs is not None:
            if labs & set(spec['cuts']):
                print(name[:-len('.patch')])
            continue
        for path, removed, context in hunks:
            lines = set(x for x in (removed or context) if len(x) > 2)
            hit |= bool(lines & inside.get(path, set()))
        if hit:
            print(name[:-len('.patch')])
    return 0


def cmd_cut(tree, specs):
    files = {}
    for spec in specs:
        f, _, n = spec.rpartition(':')
        if not f or not n.isdigit():
            die('cut: %s is not FILE:LINE' % spec)
        files.setdefault(f, set()).add(int(n))
    for f, begins in files.items():
        items = parse(load(f), f)
        found = set()
        def walk(its):
            for it in its:
                if isinstance(it, dict):
                    found.add(it['line'])
                    walk(it['body'])
        walk(items)
        if begins - found:
            die('cut: no region begins at %s:%s' % (f, ','.join(map(str, sorted(begins - found)))))
        with open(os.path.join(tree, f), 'w', encoding='utf-8') as h:
            h.write('\n'.join(emit(items, [], [], lambda r: r['line'] in begins)))
    return 0


def cmd_regions(lab):
    for f in tracked_files(ROOT):
        if not is_source(f):
            continue
        def walk(items, depth):
            for it in items:
                if isinstance(it, dict):
                    if lab is None or lab in it['labs']:
                        n = len(raw(it, []))
                        print('%-28s %4d +%-3d %-12s %s' % (f, it['line'], n, ','.join(it['labs']), it['hint'] or ''))
                    walk(it['body'], depth + 1)
        walk(parse(load(f), f), 0)


def main(argv):
    if len(argv) >= 3 and argv[0] == 'handout':
        return cmd_handout(argv[1], argv[2]) or 0
    if len(argv) == 4 and argv[0] == 'restore':
        return cmd_restore(argv[1], argv[2], argv[3])
    if len(argv) == 3 and argv[0] == 'leaks':
        return cmd_leaks(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == 'mutants':
        return cmd_mutants(argv[1])
    if len(argv) >= 3 and argv[0] == 'cut':
        return cmd_cut(argv[1], argv[2:])
    if argv and argv[0] == 'regions':
        return cmd_regions(argv[1] if len(argv) > 1 else None) or 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
