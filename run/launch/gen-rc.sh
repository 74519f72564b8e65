#!/usr/bin/env bash
# gen-rc.sh - turn a Bochs debugger script template (run/*.rc.in) into one for this build:
# @sym:NAME@ becomes the address of kernel symbol NAME (from kernel.sym), @layout:EXPR@ the
# value of a constant expression over include/boot/layout.h's #defines. Comment lines are
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

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
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
