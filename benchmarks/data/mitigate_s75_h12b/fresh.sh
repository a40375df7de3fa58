#!/usr/bin/env bash
# Issue 12, stop 75 (h12b): score fresh zoos 2513/2514 (black and random masks, 60-120 pixels)
# with today's gated and gated:mask_black=E (mitigate_mask_s75_check.py), one process per zoo,
# then read the floor and the rule (plan.md). Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h12b75/fresh}
E=${E:-200}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2513 2514; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s75_check.py \
      "$OUT/zoo-$S" "$OUT/fresh-$S.json" "$E"
    echo "end $S $(date -u +%T)" ) > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s75_rule.py "$OUT/fresh-2513.json:2513" "$OUT/fresh-2514.json:2514" \
  --zoo "$OUT/zoo-2513" --zoo "$OUT/zoo-2514" --candidate "gated:mask_black=$E" \
  --time-ratio 1.5 --time-add 0 > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
