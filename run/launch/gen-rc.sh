#!/usr/bin/env bash
# gen-rc.sh - turn a Bochs debugger script template (run/*.rc.in) into one for this build:
# @sym:NAME@ becomes the address of kernel symbol NAME (from kernel.sym), @layout:EXPR@ the
# value of a constant expression over include/boot/layout.h's #defines, and
# @after-call:FUNC:CALLEE@ the address of the instruction after each call of CALLEE in FUNC (from
# the listing kernel.asm beside KERNEL_SYM; a line with it is repeated once per call site: the
# point just after a call returns, where a breakpoint costs the kernel nothing). Comment lines are
# dropped (Bochs' debugger would try to run them). With --quit, a final `q` ends Bochs;
# without it the debugger stays at its prompt for the student.
#
#   run/launch/gen-rc.sh [--quit] TEMPLATE KERNEL_SYM OUT
set -euo pipefail

quit=0
if [ "${1:-}" = --quit ]; then quit=1; shift; fi
[ $# -eq 3 ] || { echo "usage: run/launch/gen-rc.sh [--quit] TEMPLATE KERNEL_SYM OUT" >&2; exit 2; }
template=$1 sym=$2 out=$3
layout=$(dirname "$0")/../../include/boot/layout.h

# The value of EXPR with layout.h's names, as 0x%08x.
layout_value() {
  printf '#include "%s"\nunsigned long v = (unsigned long)(%s);\n' "$(realpath "$layout")" "$1" |
    gcc -E -P -x c - | sed -n 's/^unsigned long v = (unsigned long)(\(.*\));$/\1/p' |
    { read -r e; printf '0x%08x\n' "$(( e ))"; }
}

listing=$(dirname "$sym")/kernel.asm

# The addresses (0x...) of the instructions right after each call of CALLEE inside FUNC.
after_calls() {
  awk -v f="<$1>:" -v c="<$2>" '
    /^[0-9a-f]+ <.*>:$/ { if (inside) exit; if (index($0, f)) inside = 1; next }
    !inside || !/^[0-9a-f]+:\t/ { next }                 # source lines between the instructions
    want { split($1, a, ":"); print "0x" a[1]; want = 0 }
    /\tcall / && index($0, c) { want = 1 }' "$listing"
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
  if [[ $line =~ @after-call:([A-Za-z_][A-Za-z0-9_]*):([A-Za-z_][A-Za-z0-9_]*)@ ]]; then
    func=${BASH_REMATCH[1]} callee=${BASH_REMATCH[2]}
    [ -f "$listing" ] || { echo "gen-rc: $template: no listing $listing" >&2; exit 1; }
    sites=$(after_calls "$func" "$callee")
    [ -n "$sites" ] || { echo "gen-rc: $template: no call of $callee in $func ($listing)" >&2; exit 1; }
    for a in $sites; do printf '%s\n' "${line//"@after-call:$func:$callee@"/$a}"; done
    continue
  fi
  while [[ $line =~ @sym:([A-Za-z_][A-Za-z0-9_]*)@ ]]; do
    name=${BASH_REMATCH[1]}
    addr=$(awk -v n="$name" '$2 == n { print $1; exit }' "$sym")
    [ -n "$addr" ] || { echo "gen-rc: $template: no symbol $name in $sym" >&2; exit 1; }
    line=${line//"@sym:$name@"/0x$addr}
  done
  while [[ $line =~ @layout:([^@]*)@ ]]; do
    expr=${BASH_REMATCH[1]}
    value=$(layout_value "$expr") || { echo "gen-rc: $template: cannot evaluate $expr" >&2; exit 1; }
    line=${line//"@layout:$expr@"/$value}
  done
  printf '%s\n' "$line"
done < "$template" > "$tmp"
[ "$quit" = 0 ] || echo q >> "$tmp"
mv "$tmp" "$out"
trap - EXIT
