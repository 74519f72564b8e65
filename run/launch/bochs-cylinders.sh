#!/usr/bin/env bash
# bochs-cylinders.sh - the cylinder count Bochs is given for a disk image (run/launch/bochsrc's
# BOCHS_CYLINDERS): 16 heads x 63 sectors of 512 bytes make a cylinder of 516096 bytes, and
# src/host/mkimage.c pads every image to whole cylinders.
#
#   run/launch/bochs-cylinders.sh IMAGE     prints the count; exit 2 when IMAGE is missing,
#                                           empty, or not a whole number of cylinders
set -euo pipefail

BOCHS_HEADS=16
BOCHS_SPT=63
SECTOR_BYTES=512
CYLINDER_BYTES=$((BOCHS_HEADS * BOCHS_SPT * SECTOR_BYTES))

[ $# -eq 1 ] || { echo "usage: run/launch/bochs-cylinders.sh IMAGE" >&2; exit 2; }
[ -f "$1" ] || { echo "bochs-cylinders: no image $1 (run make)" >&2; exit 2; }
size=$(stat -c %s "$1")
if [ "$size" -eq 0 ] || [ $((size % CYLINDER_BYTES)) -ne 0 ]; then
  echo "bochs-cylinders: $1 is $size bytes, not a whole number of $CYLINDER_BYTES-byte cylinders" \
       "(make pads the images it builds)" >&2
  exit 2
fi
echo $((size / CYLINDER_BYTES))
