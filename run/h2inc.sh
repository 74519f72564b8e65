#!/usr/bin/env bash
# h2inc.sh - a C header's constants as NASM %define lines (the Makefile's build/gen/NAME.inc).
#
# usage: run/h2inc.sh HEADER > OUT.inc
# Takes every object-like `#define NAME VALUE` (NAME upper case, an optional trailing /* or //
# comment dropped) whose VALUE NASM reads the same way C does: numbers, other such names,
# parentheses and the operators + - * << >> & | ^ ~. A line whose value has a C-only form is
# left out rather than copied wrong: integer suffixes (1u, 0x10UL), casts, sizeof, strings and
# characters, braces, member access, division and remainder (NASM's / and % are unsigned),
# the ?: operator or a continuation line. Function-like macros and header guards have no
# match.
set -euo pipefail
(($# == 1)) || { sed -n '4p' "$0" >&2; exit 2; }

sed -n -E \
    -e '/^#define[ \t]+[A-Z][A-Z0-9_]*[ \t]/!d' \
    -e 's/^#define[ \t]+([A-Z][A-Z0-9_]*)[ \t]+([^/]*[^/ \t])[ \t]*(\/[*\/].*)?$/\1 \2/' \
    -e 't value' -e 'd' \
    -e ': value' \
    -e '/^[A-Z0-9_]+ .*(\b(0[xX][0-9A-Fa-f]+|[0-9]+)[uUlL]+\b|["'\''{}.%?\\]|->|\[|sizeof|\((u?int[0-9]+_t|unsigned|signed|int|long|short|char|void|struct|const|volatile)\b)/d' \
    -e 's/^/%define /p' "$1"
