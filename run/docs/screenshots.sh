#!/usr/bin/env bash
# screenshots.sh - `make screenshots`: boots QEMU headless and captures the
# VGA text screen at marked moments into report/figures/*.png.
#
#   run/docs/screenshots.sh IMAGE [OUTDIR]
#
# The image's init.conf runs the scenes as shell commands. A scene is ready
# when a `[pause] NAME: press Enter to continue` line reaches the serial log
# (printed by the `pause` program or `cowdemo pause`); this script then takes
# the picture with the QEMU monitor's screendump and presses Enter through
# the monitor's sendkey, so the run continues. Nothing waits a fixed time:
# every wait is for a line in the log, bounded by SHOT_TIMEOUT seconds.
# The machine has SHOT_SMP CPUs (default 2, as make run).
set -euo pipefail

image=$1
out=${2:-report/figures}
here=$(cd "$(dirname "$0")" && pwd)
limit=${SHOT_TIMEOUT:-300}
log=build/serial-shots.log
port=${SHOT_MONITOR_PORT:-45454}

# scene name in the log -> picture name
scenes=(boot:boot_memory_map fork:cowdemo_map_fork copy:cowdemo_copy exit:cowdemo_map_exit
        reuse:cowdemo_reuse sharedpt:cowdemo_sharedpt memstat:memstat_table framemap:framemap_pool fault:fault_killed suite:test_summary
        threaddemo:threaddemo)

mkdir -p "$out" build
rm -f "$log"
SMP=${SHOT_SMP:-2} QEMU_MONITOR="tcp:127.0.0.1:$port,server,nowait" "$here/../launch/qemu.sh" headless "$image" 128 "$log" &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT

# Send one command to the QEMU monitor.
monitor() {
  local tries=0
  until exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "screenshots: no QEMU monitor on port $port" >&2; exit 1; }
    sleep 0.1
  done
  printf '%s\n' "$1" >&3
  # Read until the monitor's next prompt so the command has finished.
  timeout 10 sed -u '/(qemu)/q' <&3 >/dev/null 2>&1 || true
  sleep 0.2
  exec 3>&-
}

# Wait until the pause line of scene $1 is in the log.
wait_scene() {
  local start=$SECONDS
  until grep -aq "^\[pause\] $1: press Enter" "$log" 2>/dev/null; do
    if ! kill -0 "$qemu" 2>/dev/null; then
      echo "screenshots: QEMU ended before scene '$1'; last lines:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "screenshots: scene '$1' did not appear within $limit s; last lines:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

for s in "${scenes[@]}"; do
  name=${s%%:*}
  file=$out/${s#*:}.png
  wait_scene "$name"
  monitor "screendump $file -f png"
  [ -s "$file" ] || { echo "screenshots: $file was not written" >&2; exit 1; }
  echo "screenshots: $file"
  monitor "sendkey ret"
done
monitor "quit"
wait "$qemu" 2>/dev/null || true
trap - EXIT
