#!/usr/bin/env bash
# handout-check.sh - `make handout-check`: for each lab, that its handout is what it claims.
#
#   run/lab/handout-check.sh [LAB...]          default: cow
#
# Per lab, each step timed, into build/handout-check/LAB/ (logs: STEP.log):
#   handout   make handout LAB=LAB (with the leak check: no line of the lab's solution anywhere)
#   clone     git clone of build/handout-LAB, built there with make
#   boot      make run in the clone reaches the shell prompt (HANDOUT_BOOT_TIMEOUT s, default 120)
#   grade     make grade in the clone: every group of the lab's cut labs fails, every other passes
#   reference make grade LAB=LAB here: Score M/M
#   mutants   run/lab/grade-mutants.sh on the broken kernels that change the lab's regions
#             (run/lab/lab.py mutants LAB): each must lose points (the table names the groups);
#             HANDOUT_CHECK_MUTANTS=0 skips this step (the longest)
#   restore   the lab's regions put back into the clone (run/lab/lab.py restore): the same
#             run/build-id.sh as this tree's build
#   leaks     run/lab/lab.py leaks LAB on the clone
# Until make grade exists in this tree (run/lab/grade.sh), the grade, reference and mutants
# steps say so and are skipped. Exit status 0 when every step that ran passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
labs=("$@")
((${#labs[@]})) || labs=(cow)
boot_limit=${HANDOUT_BOOT_TIMEOUT:-120}
failed=0
summary=()

# step LAB NAME COMMAND...: run COMMAND with its output in the lab's NAME.log; a line with the
# verdict and the seconds it took.
step() {
  local lab=$1 name=$2 start=$SECONDS rc
  shift 2
  "$@" > "$dir/$name.log" 2>&1
  rc=$?
  local verdict=ok
  if ((rc == 3)); then
    verdict="skipped: $(tail -n 1 "$dir/$name.log")"
  elif ((rc != 0)); then
    verdict="FAIL (exit $rc, $dir/$name.log)"
    failed=1
  fi
  printf '%-9s %-10s %4ds  %s\n' "$lab" "$name" $((SECONDS - start)) "$verdict" | tee -a "$ROOT/build/handout-check/summary.txt"
  return $rc
}

# (Not make -n grade: a recipe line naming $(MAKE) runs even under -n, and that would grade.)
have_grade() { [[ -x $1/run/lab/grade.sh ]] && grep -q "^grade:" "$1/Makefile"; }

boot() {
  local log=$dir/boot-serial.log start=$SECONDS
  rm -f "$log"
  (cd "$clone" && exec setsid make run SMP=1 < /dev/null > "$log" 2>&1) &
  local pid=$!
  until grep -aq '^cowos shell' "$log" 2>/dev/null && grep -aq '^\$ ' "$log"; do
    kill -0 "$pid" 2>/dev/null && ((SECONDS - start < boot_limit)) || break
    sleep 1
  done
  kill -- -"$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  grep -aq '^cowos shell' "$log" ||
    { echo "no shell prompt within $boot_limit s:"; tail -n 20 "$log"; return 1; }
  echo "shell prompt reached in $((SECONDS - start)) s"
}

# grade_handout: the clone's make grade; groups of the cut labs must fail, all others pass.
grade_handout() {
  have_grade "$clone" || { echo "make grade is not in this tree yet (run/lab/grade.sh)"; return 3; }
  (cd "$clone" && make grade) > "$dir/grade-output.txt" 2>&1
  python3 - "$ROOT" "$lab" "$dir/grade-output.txt" <<'PY'
import re, sys
root, lab, out = sys.argv[1:]
sys.path.insert(0, root + '/run/lab')
import importlib.util
spec = importlib.util.spec_from_file_location('lab', root + '/run/lab/lab.py')
labmod = importlib.util.module_from_spec(spec); spec.loader.exec_module(labmod)
cuts = labmod.cuts_of(lab)['cuts']
groups = {}
for line in open(root + '/run/lab/labs.conf'):
    w = line.split('#', 1)[0].split()
    if len(w) >= 3 and w[0] == 'group':
        groups[w[1]] = w[2]
seen, bad = {}, 0
for line in open(out, errors='replace'):
    m = re.match(r'^(\w+): (OK|FAIL)', line)
    if m:
        seen[m.group(1)] = m.group(2)
for g, glab in groups.items():
    if g not in seen:
        continue                       # a group of another lab, not graded in this handout
    want = 'FAIL' if glab in cuts else 'OK'
    if seen[g] != want:
        bad += 1
    print('%-34s %-8s %-4s want %s%s' % (g, glab, seen[g], want, '' if seen[g] == want else '   <-- wrong'))
score = [l for l in open(out, errors='replace') if l.startswith('Score:')]
print(score[-1].strip() if score else 'no Score line')
sys.exit(1 if bad or not seen else 0)
PY
}

grade_reference() {
  have_grade "$ROOT" || { echo "make grade is not in this tree yet (run/lab/grade.sh)"; return 3; }
  make grade LAB="$lab" > "$dir/reference-grade-output.txt" 2>&1
  local score
  score=$(grep '^Score:' "$dir/reference-grade-output.txt" | tail -n 1)
  echo "reference: $score"
  [[ $score =~ ^Score:\ ([0-9]+)/([0-9]+) ]] && [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]
}

mutants() {
  [[ ${HANDOUT_CHECK_MUTANTS:-1} == 1 ]] || { echo "skipped (HANDOUT_CHECK_MUTANTS=0)"; return 3; }
  [[ -x run/lab/grade-mutants.sh ]] || { echo "run/lab/grade-mutants.sh is not in this tree yet"; return 3; }
  local names
  mapfile -t names < <(run/lab/lab.py mutants "$lab")
  echo "broken kernels that change the $lab regions: ${names[*]}"
  GRADE_LAB=$lab GRADE_MUTANTS_REPORT=$dir/mutants.md run/lab/grade-mutants.sh "${names[@]}"
}

restore() {
  rm -rf "$dir/restored"
  run/lab/lab.py restore "$lab" "$clone" "$dir/restored" || return 1
  make -j2 > /dev/null 2>&1 || { echo "the reference does not build"; return 1; }
  (cd "$dir/restored" && make -j2 > "$dir/restored-build.log" 2>&1) || { echo "the restored tree does not build"; return 1; }
  local ref got
  ref=$(run/build-id.sh) got=$(cd "$dir/restored" && run/build-id.sh)
  echo "build identity: reference $ref, restored handout $got"
  [[ $ref == "$got" ]]
}

mkdir -p build/handout-check
: > build/handout-check/summary.txt
total_start=$SECONDS
for lab in "${labs[@]}"; do
  dir=$ROOT/build/handout-check/$lab
  clone=$dir/clone
  rm -rf "$dir"
  mkdir -p "$dir"
  lab_start=$SECONDS
  step "$lab" handout make handout LAB="$lab" || continue
  step "$lab" clone bash -c "git clone -q '$ROOT/build/handout-$lab' '$clone' && make -C '$clone' -j2" || continue
  step "$lab" boot boot
  step "$lab" grade grade_handout
  step "$lab" reference grade_reference
  step "$lab" mutants mutants
  step "$lab" restore restore
  step "$lab" leaks run/lab/lab.py leaks "$lab" "$clone"
  printf '%-9s %-10s %4ds\n' "$lab" total $((SECONDS - lab_start)) | tee -a build/handout-check/summary.txt
done
printf 'handout-check: %s in %d s\n' "$( ((failed)) && echo FAILED || echo passed)" $((SECONDS - total_start)) |
  tee -a build/handout-check/summary.txt
exit $failed
