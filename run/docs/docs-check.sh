#!/usr/bin/env bash
# docs-check.sh - README.md, report/GUIDE.md and report/README.md against the current build
# (CI runs it after make test).
#
# Fails, naming file and line, when
#   - a generated block (<!-- gen:NAME build=ID --> ... <!-- /gen:NAME -->) was made by another
#     build than this one (run/build-id.sh): regenerate with make report;
#   - a code excerpt block (gen:code:FILE:NAME) differs from FILE as it is now (a change that
#     leaves the binary alone, e.g. in a comment, still shows);
#   - outside generated blocks, an address in the kernel's symbol range is not the address of a
#     symbol in build/kernel.sym;
#   - outside generated blocks, a quoted line of kernel or debugger output (a code-block line
#     starting with [tag], <bochs or (gdb)) carries an 8-digit hex number: output of a run
#     belongs in a generated block, a format illustration uses placeholders.
# Prose and tables without such quotes never trip it.
#
#   run/docs/docs-check.sh [FILE...]      default README.md report/GUIDE.md report/README.md
#
# In a lab handout (run/lab/HANDOUT exists) those documents are not there: with no FILE it says so
# and passes.
set -euo pipefail

cd "$(dirname "$0")/../.."
if [ -f run/lab/HANDOUT ] && [ $# -eq 0 ]; then
  echo "docs-check: a lab handout (run/lab/HANDOUT): the reference documents it checks (README.md's generated blocks, report/GUIDE.md, report/README.md) are not part of it; nothing to check"
  exit 0
fi
sym=build/kernel.sym
[ -s "$sym" ] || { echo "docs-check: $sym is missing (run make)" >&2; exit 2; }
id=$(run/build-id.sh)
[ $# -gt 0 ] || set -- README.md report/GUIDE.md report/README.md

status=0
for f in "$@"; do
  awk -v id="$id" -v file="$f" '
    # kernel.sym: "ADDRESS NAME" lines, sorted by address
    FILENAME != file {
      a = tolower($1); sym[a] = 1
      if (lo == "" || a < lo) lo = a
      if (a > hi) hi = a
      next
    }
    BEGIN { h = "[0-9a-f]"; hex8 = h h h h h h h h; addr = "(0x)?(00000000)?" hex8 }
    function report(msg) { printf "docs-check: %s:%d: %s\n", file, FNR, msg; bad = 1 }
    /^```/ { fence = !fence }
    match($0, /^<!-- gen:[^ ]+ build=[^ ]* -->/) {
      if (block != "") report("gen:" block " (line " start ") is not closed before this block")
      m = substr($0, RSTART + 9, RLENGTH - 13); split(m, part, " build=")
      block = part[1]; start = FNR
      if (part[2] != id)
        report("gen:" block " was made by build " (part[2] == "" ? "(none)" : part[2]) \
               ", this build is " id ": regenerate with make report")
      next
    }
    match($0, /^<!-- \/gen:[^ ]+ -->/) {
      name = substr($0, RSTART + 10, RLENGTH - 14)
      if (name != block) report("<!-- /gen:" name " --> closes " (block == "" ? "no block" : "gen:" block))
      block = ""; next
    }
    block != "" { next }
    {
      line = tolower($0)
      if (fence && line ~ /^(\[[a-z0-9_ -]+\]|<bochs|\(gdb\))/ && line ~ ("0x" hex8))
        report("quotes run output with addresses outside a generated block: " substr($0, 1, 60))
      # 8-digit (or Bochs 16-digit) hex numbers: those in the kernel symbol range must be symbols
      rest = line
      while (match(rest, addr)) {
        tok = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        sub(/^0x/, "", tok); if (length(tok) == 16) tok = substr(tok, 9)
        if (tok >= lo && tok <= hi && !(tok in sym))
          report("0x" tok " is in the kernel symbol range but is no symbol of this build (" symfile ")")
      }
    }
    END {
      if (block != "") { FNR = start; report("gen:" block " is never closed") }
      exit bad
    }
  ' symfile="$sym" "$sym" "$f" || status=1
done
python3 run/docs/docs-gen.py --check-code "$@" || status=1
if [ "$status" = 0 ]; then
  echo "docs-check: $* match build $id"
else
  echo "docs-check: FAIL: the lines above quote what build $id no longer produces; regenerate" \
       "with make report, or move the quote into a generated block" >&2
fi
exit "$status"
