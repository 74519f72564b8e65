#!/usr/bin/env bash
# Start the kernel image in QEMU (qemu-system-i386). Every QEMU command line of the
# project is built here, so the machine is the same for students, tests and gdb.
#
# usage: run/launch/qemu.sh run IMAGE [MEM_MIB]        window if $DISPLAY is set; serial console on this terminal
#        run/launch/qemu.sh gdb IMAGE [MEM_MIB]        paused, gdb stub on 127.0.0.1:$GDB_PORT (1234), serial to build/serial-gdb.log
#        run/launch/qemu.sh headless IMAGE MEM_MIB SERIAL_LOG
#                                               no display, serial output to SERIAL_LOG; exits with QEMU's status
#        run/launch/qemu.sh accel                      print the accelerator QEMU would use (kvm or tcg)
#
# MEM_MIB defaults to 128 (run, gdb). The machine: the image as raw IDE primary master (the kernel
# reads it by ATA PIO), isa-debug-exit at port 0xf4, no network, no reboot.
#
# Exit status of QEMU (headless): the kernel writes v to port 0xf4 and QEMU exits (v<<1)|1:
#   33 pass (0x10), 35 fail (0x11), 37 panic (0x12). A triple fault exits 0 (-no-reboot):
#   never a pass. 1 means QEMU itself failed. Usage errors exit 2.
#
# Environment:
#   QEMU_ACCEL    auto (default), kvm or tcg. auto uses KVM when /dev/kvm opens read-write
#                 and a probe boot under KVM finishes within QEMU_KVM_PROBE_S seconds (default 2);
#                 on machines where KVM is emulated (nested without hardware help) it is far
#                 slower than tcg, and the probe catches that.
#   QEMU_MONITOR  where the QEMU monitor listens: a unix socket path, or a QEMU chardev
#                 such as tcp:127.0.0.1:4444,server,nowait. Unset: no monitor (headless,
#                 gdb) or the monitor shares the terminal with the serial console (run).
#   QEMU_SERIAL   run and gdb: a file for the serial output, or "stdio" for this terminal.
#                 run defaults to the terminal; gdb defaults to build/serial-gdb.log, because
#                 gdb owns the terminal while QEMU runs beside it.
#   QEMU_CPU      the processor model (-cpu), e.g. 486, pentium, pentium3 or max; unset: QEMU's
#                 default (qemu32 under tcg). The kernel needs an i486 or later.
#   SMP           number of CPUs, 1..8 (default 1): -smp SMP; with TCG and SMP > 1 also
#                 thread=multi, so the virtual CPUs run on host threads of their own (not with
#                 -icount in QEMU_EXTRA: QEMU then runs the CPUs in turn on one thread).
#   QEMU_EXTRA    extra QEMU arguments, split on spaces (e.g. "-d int,cpu_reset -D build/qemu.log").
set -euo pipefail

QEMU=qemu-system-i386
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GDB_SERIAL_LOG=$REPO_DIR/build/serial-gdb.log
DEFAULT_MEM_MIB=128
DEBUG_EXIT_PORT=0xf4
GDB_ADDRESS=tcp:127.0.0.1:${GDB_PORT:-1234}  # GDB_PORT: another port for the gdb stub

# usage: print how to call this script on stderr and exit 2.
usage() {
    sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# die MESSAGE: print "qemu: MESSAGE" on stderr and exit 2.
die() {
    echo "qemu: $*" >&2
    exit 2
}

# kvm_probe: succeed when the probe image (src/host/kvm_probe.asm: protected mode, 32-bit
# paging with CR0.WP, as the kernel's loader) boots to isa-debug-exit under KVM in time;
# on failure print the reason on stdout. Some nested hypervisors offer /dev/kvm but reset
# a guest that turns on 32-bit paging, or run it far slower than TCG: both mean TCG.
kvm_probe() {
    local dir status limit=${QEMU_KVM_PROBE_S:-2}
    local src
    src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/src/host/kvm_probe.asm"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/qemu-kvm-probe.XXXXXX")
    if ! nasm -f bin "$src" -o "$dir/probe.img" 2>"$dir/err"; then
        echo "cannot assemble the KVM probe: $(head -1 "$dir/err")"
        rm -rf "$dir"
        return 1
    fi
    status=0
    timeout -k 1 "$limit" "$QEMU" -accel kvm -nodefaults -display none -no-reboot -m 16 \
        -drive "file=$dir/probe.img,format=raw,if=ide,index=0" \
        -device "isa-debug-exit,iobase=$DEBUG_EXIT_PORT,iosize=0x04" \
        -serial none -monitor none </dev/null >/dev/null 2>"$dir/err" || status=$?
    case $status in
        33) rm -rf "$dir"; return 0 ;;
        0) echo "KVM resets a guest that turns on 32-bit paging here" ;;
        124 | 137) echo "KVM is too slow here: a probe boot did not finish in $limit s" ;;
        *) echo "QEMU cannot use KVM: $(grep -m1 -v '^$' "$dir/err" || echo "exit $status")" ;;
    esac
    rm -rf "$dir"
    return 1
}

# accel_choose: set ACCEL (kvm or tcg) and ACCEL_REASON (why tcg) from QEMU_ACCEL and this machine.
accel_choose() {
    local fd
    ACCEL_REASON=""
    case ${QEMU_ACCEL:-auto} in
        kvm) ACCEL=kvm; return ;;
        tcg) ACCEL=tcg; ACCEL_REASON="QEMU_ACCEL=tcg"; return ;;
        auto) ;;
        *) die "QEMU_ACCEL must be auto, kvm or tcg, not '$QEMU_ACCEL'" ;;
    esac
    ACCEL=tcg
    if [[ ! -e /dev/kvm ]]; then
        ACCEL_REASON="no /dev/kvm"
    elif ! { exec {fd}<>/dev/kvm; } 2>/dev/null; then
        ACCEL_REASON="cannot open /dev/kvm read-write"
    else
        exec {fd}>&-
        if ACCEL_REASON=$(kvm_probe); then
            ACCEL=kvm
        fi
    fi
}

# accel_report: tell on stderr which accelerator is used.
accel_report() {
    if [[ $ACCEL == kvm ]]; then
        echo "qemu: accelerator kvm" >&2
    else
        echo "qemu: accelerator tcg ($ACCEL_REASON)" >&2
    fi
}

# x_reachable: succeed when the X server named by $DISPLAY accepts connections.
x_reachable() {
    local host number
    [[ $DISPLAY =~ ^([^:]*):([0-9]+) ]] || return 1
    host=${BASH_REMATCH[1]}
    number=${BASH_REMATCH[2]}
    if [[ -z $host || $host == unix ]]; then
        [[ -S /tmp/.X11-unix/X$number ]]
    else
        timeout 2 bash -c "exec 3<>/dev/tcp/$host/$((6000 + number))" 2>/dev/null
    fi
}

# has_window: succeed when $DISPLAY names a live X server and this QEMU has a graphical
# display (gtk or sdl).
has_window() {
    [[ -n ${DISPLAY:-} ]] && x_reachable &&
        "$QEMU" -display help 2>/dev/null | grep -qxE 'gtk|sdl'
}

# check_mem MEM: exit with a usage error unless MEM is a whole number of MiB.
check_mem() {
    [[ $1 =~ ^[1-9][0-9]*$ ]] || die "the memory size (make run MEM=..., in MiB) must be a positive number, not '$1'"
}

# machine_args IMAGE MEM: fill MACHINE with the options every mode shares.
machine_args() {
    local extra smp=${SMP:-1} accel=$ACCEL
    [[ -f $1 ]] || die "no disk image '$1' (build it first)"
    check_mem "$2"
    [[ $smp =~ ^[1-8]$ ]] || die "SMP must be a number of CPUs from 1 to 8, not '$smp'"
    if [[ ${QEMU_CPU:-} =~ ^486 ]] && ((smp > 1)); then
        # QEMU still creates local APICs for several CPUs, but a 486's CPUID reports none, so the
        # kernel drives the 8259 PIC, whose interrupts then never reach the CPU: one CPU it is.
        echo "qemu: -cpu $QEMU_CPU has no local APIC to start other CPUs with: booting 1 CPU, not $smp" >&2
        smp=1
    fi
    if [[ $ACCEL == tcg ]] && ((smp > 1)) && [[ " ${QEMU_EXTRA:-} " != *" -icount "* ]]; then
        accel=tcg,thread=multi       # not with -icount, which runs every CPU in turn on one host thread
    fi
    MACHINE=(
        -accel "$accel"
        -smp "$smp"
        -m "$2"
        -drive "file=$1,format=raw,if=ide,index=0"
        -device "isa-debug-exit,iobase=$DEBUG_EXIT_PORT,iosize=0x04"
        -nic none
        -no-reboot
    )
    if [[ -n ${QEMU_CPU:-} ]]; then
        [[ $QEMU_CPU =~ ^[A-Za-z0-9][A-Za-z0-9._,+=-]*$ ]] ||
            die "QEMU_CPU must be a QEMU CPU model such as 486, pentium or max, not '$QEMU_CPU'"
        MACHINE+=(-cpu "$QEMU_CPU")
    fi
    if [[ -n ${QEMU_EXTRA:-} ]]; then
        read -r -a extra <<<"$QEMU_EXTRA"
        MACHINE+=("${extra[@]}")
    fi
}

# monitor_args: fill MONITOR with the monitor option from QEMU_MONITOR (none when unset).
monitor_args() {
    if [[ -z ${QEMU_MONITOR:-} ]]; then
        MONITOR=(-monitor none)
    elif [[ $QEMU_MONITOR =~ ^(tcp|unix|telnet|pipe|file|pty|stdio|none)(:|$) ]]; then
        MONITOR=(-monitor "$QEMU_MONITOR")
    else
        MONITOR=(-monitor "unix:$QEMU_MONITOR,server,nowait")
    fi
}

# console_args SERIAL: fill CONSOLE with display, serial and monitor options for run and
# gdb; SERIAL is a file for the serial output or "stdio" for this terminal.
console_args() {
    local serial=$1 window=0
    has_window && window=1
    CONSOLE=()
    ((window)) || CONSOLE+=(-display none)
    if [[ $serial != stdio ]]; then
        mkdir -p "$(dirname "$serial")"
        monitor_args
        CONSOLE+=(-serial "file:$serial" "${MONITOR[@]}")
        echo "qemu: serial output goes to $serial (tail -f it)" >&2
    elif [[ -n ${QEMU_MONITOR:-} ]]; then
        monitor_args
        CONSOLE+=(-serial stdio "${MONITOR[@]}")
    else
        # serial and monitor share the terminal: Ctrl-A c switches, Ctrl-A x quits
        CONSOLE+=(-serial mon:stdio)
        if [[ -t 0 ]]; then
            echo "qemu: serial console on this terminal (Ctrl-A x quits, Ctrl-A c toggles the monitor)" >&2
        fi
    fi
    ((window)) || [[ -z ${DISPLAY:-} ]] ||
        echo "qemu: no window (X server $DISPLAY unreachable, or no qemu-system-gui); running without one" >&2
}

# main MODE ARGS...: start QEMU in MODE.
main() {
    local mode=${1:-}
    [[ -n $mode ]] || usage
    shift
    command -v "$QEMU" >/dev/null || die "$QEMU not found: run run/setup.sh"
    case $mode in
        accel)
            (($# == 0)) || usage
            accel_choose
            accel_report
            echo "$ACCEL"
            ;;
        run | gdb)
            (($# >= 1 && $# <= 2)) || usage
            accel_choose
            machine_args "$1" "${2:-$DEFAULT_MEM_MIB}"
            if [[ $mode == gdb ]]; then
                console_args "${QEMU_SERIAL:-$GDB_SERIAL_LOG}"
            else
                console_args "${QEMU_SERIAL:-stdio}"
            fi
            accel_report
            local debug=()
            if [[ $mode == gdb ]]; then
                debug=(-S -gdb "$GDB_ADDRESS")
                echo "qemu: paused; attach with: gdb -x run/launch/gdbinit (stub on ${GDB_ADDRESS#tcp:})" >&2
            fi
            exec "$QEMU" "${MACHINE[@]}" "${CONSOLE[@]}" "${debug[@]}"
            ;;
        headless)
            (($# == 3)) || usage
            local log=$3
            accel_choose
            machine_args "$1" "$2"
            monitor_args
            accel_report
            exec "$QEMU" "${MACHINE[@]}" -display none -serial "file:$log" "${MONITOR[@]}"
            ;;
        *) usage ;;
    esac
}

main "$@"
