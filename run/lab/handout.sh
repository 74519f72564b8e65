#!/usr/bin/env bash
# handout.sh - `make handout LAB=NAME`: build/handout-NAME/, the student's tree of lab NAME as a
# fresh git repository with one commit, and build/handout-NAME.tar.gz of it. The lab's marked
# regions are replaced by their starter code and the files labs.conf names are dropped or put in
# place (run/lab/lab.py); the leak check runs on the result.
#
#   run/lab/handout.sh LAB
set -euo pipefail
cd "$(dirname "$0")/../.."
lab=${1:?usage: run/lab/handout.sh LAB}
out=build/handout-$lab
rm -rf "$out" "$out.tar.gz"
mkdir -p build
run/lab/lab.py handout "$lab" "$out"
run/lab/lab.py leaks "$lab" "$out"
git -C "$out" init -q -b main
git -C "$out" add -A
GIT_AUTHOR_NAME=cowos GIT_AUTHOR_EMAIL=cowos@localhost GIT_COMMITTER_NAME=cowos \
  GIT_COMMITTER_EMAIL=cowos@localhost git -C "$out" commit -q -m "cowos: lab $lab"
tar -C build -czf "$out.tar.gz" "handout-$lab"
echo "handout: $out ($(git -C "$out" ls-files | wc -l) files, one commit), $out.tar.gz"
