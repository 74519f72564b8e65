#!/usr/bin/env bash
# Make sure the tools for building, running and testing the kernel are installed, and
# install the missing ones from Debian's packages.
#
# usage: run/setup.sh [--check]
#   --check   only report what is missing; install nothing
#
# Tools: gcc with -m32 (gcc-multilib), nasm, ld (binutils), make, qemu-system-i386
# (qemu-system-x86), bochs with its BIOS, VGA BIOS and term display (bochs, bochsbios,
# vgabios, bochs-term), script (bsdutils), timeout (coreutils), gnuplot (gnuplot-nox).
# When $DISPLAY is set, also the windows of Bochs (bochs-x) and QEMU (qemu-system-gui).
#
# Installing runs `apt-get update` once, then apt-get install, as root or through sudo.
# Each tool still missing afterwards is reported as
#   setup: missing TOOL: install the Debian package PKG
# Exit status: 0 when everything is present, 1 when something is missing.
set -euo pipefail

BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
VGA_BIOS=/usr/share/vgabios/vgabios.bin

# Each entry: TOOL|PACKAGE|CHECK, where CHECK is a command that succeeds when TOOL works.
TOOLS=(
    "gcc -m32|gcc-multilib|gcc_m32_works"
    "nasm|nasm|command -v nasm"
    "ld|binutils|command -v ld"
    "make|make|command -v make"
    "qemu-system-i386|qemu-system-x86|command -v qemu-system-i386"
    "bochs|bochs|command -v bochs"
    "Bochs BIOS ($BOCHS_BIOS)|bochsbios|test -f $BOCHS_BIOS"
    "VGA BIOS ($VGA_BIOS)|vgabios|test -f $VGA_BIOS"
    "Bochs term display|bochs-term|bochs_plugin_present term"
    "script|bsdutils|command -v script"
    "timeout|coreutils|command -v timeout"
    "gnuplot|gnuplot-nox|command -v gnuplot"
    "gdb|gdb|command -v gdb"
    "python3|python3|command -v python3"
)
if [[ -n ${DISPLAY:-} ]]; then
    TOOLS+=(
        "Bochs X display|bochs-x|bochs_plugin_present x"
        "QEMU window|qemu-system-gui|qemu_ui_present"
    )
fi

# gcc_m32_works: succeed when gcc compiles and links a 32-bit program.
gcc_m32_works() {
    local dir status=0
    command -v gcc >/dev/null || return 1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/setup-m32.XXXXXX")
    printf '#include <stdint.h>\nint main(void) { return (int)sizeof(uint32_t) - 4; }\n' >"$dir/t.c"
    gcc -m32 "$dir/t.c" -o "$dir/t" 2>/dev/null || status=1
    rm -rf "$dir"
    return "$status"
}

# bochs_plugin_present NAME: succeed when Bochs' display library NAME is installed.
bochs_plugin_present() {
    compgen -G "/usr/lib/*/bochs/plugins/libbx_$1_gui.so" >/dev/null ||
        compgen -G "/usr/lib/bochs/plugins/libbx_$1_gui.so" >/dev/null
}

# qemu_ui_present: succeed when QEMU has a graphical display module.
qemu_ui_present() {
    compgen -G "/usr/lib/*/qemu/ui-gtk.so" >/dev/null || compgen -G "/usr/lib/*/qemu/ui-sdl.so" >/dev/null
}

# missing_entries: print the TOOLS entries whose check fails.
missing_entries() {
    local entry check
    for entry in "${TOOLS[@]}"; do
        check=${entry##*|}
        eval "$check" >/dev/null 2>&1 || printf '%s\n' "$entry"
    done
}

# report ENTRIES: print the "missing" line of each entry.
report() {
    local entry tool rest
    while IFS= read -r entry; do
        [[ -n $entry ]] || continue
        tool=${entry%%|*}
        rest=${entry#*|}
        echo "setup: missing $tool: install the Debian package ${rest%%|*}"
    done <<<"$1"
}

# apt_runner: fill APT with the command prefix that runs apt-get as root; fail if none.
apt_runner() {
    if ((EUID == 0)); then
        APT=(env DEBIAN_FRONTEND=noninteractive apt-get)
    elif command -v sudo >/dev/null; then
        APT=(sudo env DEBIAN_FRONTEND=noninteractive apt-get)
    else
        echo "setup: not root and no sudo: cannot install packages" >&2
        return 1
    fi
}

# install PACKAGES...: apt-get update once, then install PACKAGES (one by one if together fails).
install() {
    local pkg
    apt_runner || return 0
    echo "setup: installing $*" >&2
    "${APT[@]}" update -q >&2 || echo "setup: apt-get update failed" >&2
    if ! "${APT[@]}" install -y -q --no-install-recommends "$@" >&2; then
        for pkg in "$@"; do
            "${APT[@]}" install -y -q --no-install-recommends "$pkg" >&2 ||
                echo "setup: apt-get could not install $pkg" >&2
        done
    fi
}

# main [--check]: check, install what is missing unless --check, and report.
main() {
    local check_only=0 missing packages
    case ${1:-} in
        --check) check_only=1 ;;
        "") ;;
        *) sed -n '5,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
    esac
    missing=$(missing_entries)
    if [[ -n $missing && $check_only == 0 ]]; then
        # several tools can share a package: install each package once
        packages=$(cut -d'|' -f2 <<<"$missing" | sort -u)
        # shellcheck disable=SC2086 # one word per package
        install $packages
        missing=$(missing_entries)
    fi
    if [[ -n $missing ]]; then
        report "$missing"
        exit 1
    fi
    echo "setup: all tools present"
}

main "$@"
