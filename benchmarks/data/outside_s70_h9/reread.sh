#!/bin/bash
# Issue 9, stop 70 (h9): stops 65-69's fresh unions re-read — each stop's rule (its "today", the
# default its runs read, against its candidate) re-scored from the stored rankings as reported
# (--as-stored) and as the users' runs read them (the named-check record, rebuilt for reports
# stored before stop 70: outside_named_record.py). Every stored run first re-scored by the file
# it read, to its stored probability and class. No model is built or read.
#   bash benchmarks/data/outside_s70_h9/reread.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s70_h9; T=${T:-/tmp/h9s70/reread}
mkdir -p "$T"
# each stop's default when its runs were read: the shipped file before that stop's merge
git show 986b168e:src/trojanscope/detect/calibration.json > "$T/today65.json"  # 65, 66
cp "$T/today65.json" "$T/today66.json"
git show 1285ac15^:src/trojanscope/detect/calibration.json > "$T/today67.json"  # C2a
git show af8eaa34^:src/trojanscope/detect/calibration.json > "$T/today68.json"  # C3
git show ed0f51a4^:src/trojanscope/detect/calibration.json > "$T/today69.json"  # C4
CAND=([65]=outside_s65_h9/cal_C2.json [66]=outside_s66_h9/cal_C2a.json
      [67]=outside_s67_h9/cal_C3.json [68]=outside_s68_h9/cal_C4.json
      [69]=outside_s69_h9/cal_C5.json)
SEEDS=([65]="9207 9606" [66]="9208 9607" [67]="9209 9608" [68]="9210 9609" [69]="9211 9610")
CHECK=()
for s in 65 66 67 68 69; do
  for n in ${SEEDS[$s]}; do CHECK+=("$D/outside_s${s}_h9/detect${n}_runs.jsonl.gz=$T/today$s.json"); done
done
"$PY" benchmarks/outside_named_record.py --check "${CHECK[@]}" > "$O/reread_check.txt"
for s in 65 66 67 68 69; do
  A=()
  for n in ${SEEDS[$s]}; do
    A+=(--rows "$n=$D/outside_s${s}_h9/detect${n}_runs.jsonl.gz,$D/outside_s${s}_h9/zoo-${n}_truth.json.gz")
  done
  for how in as-stored faithful; do
    opt=(); [ "$how" = as-stored ] && opt=(--as-stored)
    "$PY" benchmarks/outside_named_rule.py --today "$T/today$s.json" --candidate "$D/${CAND[$s]}" \
        "${A[@]}" --union "${opt[@]}" --json "$T/reread$s-$how.json" > "$T/reread$s-$how.txt"
  done
done
PLAN=([65]=plan65 [66]=plan65 [67]=plan67 [68]=plan68 [69]=plan69)
R=()
for s in 65 66 67 68 69; do R+=("$s=$T/reread$s-as-stored.json,$T/reread$s-faithful.json,${PLAN[$s]}"); done
"$PY" benchmarks/outside_named_reread.py "${R[@]}" > "$O/reread.txt"
