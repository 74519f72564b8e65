#!/usr/bin/env bash
# Fail the build when compiled code holds an instruction the i486 does not have.
#
# usage: run/test/check-i486.sh [-a INSN[@FUNCTION][,...]]... FILE...
#   FILE  an ELF object or executable (kernel.elf, loader.o, a user program)
#   -a    allow INSN in the files: everywhere, or only inside FUNCTION (needs symbols).
#         For code that checks CPUID first, e.g. -a cpuid@cpu_cpuid or -a rdtsc,cpuid.
#
# Refused: Pentium and later instructions (cmovcc, fcmovcc, fcomi/fucomi, cpuid, rdtsc,
# rdmsr/wrmsr, rdpmc, cmpxchg8b, sysenter/syscall and their returns, fxsave/fxrstor,
# the long NOPs nopw/nopl, fences, prefetches and the bit-count instructions) and any
# MMX/SSE/AVX register operand. Prints each hit as FILE: FUNCTION+ADDRESS: instruction.
# Exit status: 0 clean, 1 when something was found, 2 on a usage error.
set -euo pipefail

REFUSED_RE='^(cmov[a-z]+|fcmov[a-z]+|f(u)?comip?|cpuid|rdtscp?|rdmsr|wrmsr|rdpmc|rsm|cmpxchg8b|sysenter|sysexit|syscall|sysret[lq]?|fxsave|fxrstor|nop[wl]|[lsm]fence|clflush|prefetch[a-z0-9]*|movnti|popcnt|lzcnt|tzcnt|movbe|crc32[bwl]?|rdrand|rdseed|xgetbv|monitor|mwait)$'
VECTOR_REG_RE='%(x|y|z)?mm[0-9]'

usage() {
    sed -n '4,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

allow=""
files=()
while (($#)); do
    case $1 in
        -a) (($# >= 2)) || usage; allow+="${2},"; shift 2 ;;
        -*) usage ;;
        *) files+=("$1"); shift ;;
    esac
done
((${#files[@]})) || usage

found=0
for f in "${files[@]}"; do
    [[ -f $f ]] || { echo "check-i486: no file '$f'" >&2; exit 2; }
    objdump -d --no-show-raw-insn "$f" >/dev/null || exit 2
    if ! objdump -d --no-show-raw-insn "$f" | awk -v file="$f" -v allow="$allow" \
        -v refused="$REFUSED_RE" -v vreg="$VECTOR_REG_RE" '
        BEGIN { n = split(allow, a, ","); for (i = 1; i <= n; i++) if (a[i] != "") ok[a[i]] = 1 }
        /^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
        /^ *[0-9a-f]+:\t/ {
            split($0, part, "\t")
            insn = part[2]
            m = insn; sub(/ .*/, "", m)
            while (m ~ /^(lock|rep[a-z]*|data16|addr16|cs|ds|es|fs|gs|ss)$/) {
                sub(/^[^ ]+ +/, "", insn); m = insn; sub(/ .*/, "", m)
            }
            if (m !~ refused && insn !~ vreg) next
            if (ok[m] || ok[m "@" fn]) next
            addr = part[1]; gsub(/[ :]/, "", addr)
            printf "%s: %s 0x%s: %s\n", file, fn, addr, insn
            bad = 1
        }
        END { exit bad }'; then
        found=1
    fi
done
if ((found)); then
    echo "check-i486: the lines above use instructions the i486 lacks (cowos runs on an i486;" \
        "build with -march=i486, 'make clean' if objects predate it, or guard the instruction" \
        "by CPUID and allow it with -a)" >&2
    exit 1
fi
