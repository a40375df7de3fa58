#!/usr/bin/env bash
# Issue 12, stop 73 (h12): score fresh zoos 2497/2498 with today's gated and
# gated:dense_mask=120,mask_ranked=1 (the rule: plan.md), one process per zoo, then read the rule.
# Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h1273/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2497 2498; do
  /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s73_check.py \
    "$OUT/zoo-$S" "$OUT/fresh-$S.json" 120 > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s73_rule.py "$OUT/fresh-2497.json:2497" "$OUT/fresh-2498.json:2498" \
  --candidate "gated:dense_mask=120,mask_ranked=1" > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
