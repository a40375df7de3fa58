#!/usr/bin/env bash
# Issue 12, stop 72 (h12): score fresh zoos 2493/2494 with today's gated and gated:dense_mask=120
# (the rule: plan.md), one process per zoo, then read the rule. Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h1272/fresh}
E=${E:-120}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2493 2494; do
  /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s72_check.py \
    "$OUT/zoo-$S" "$OUT/fresh-$S.json" "$E" > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s72_rule.py "$OUT/fresh-2493.json:2493" "$OUT/fresh-2494.json:2494" \
  --candidate "gated:dense_mask=$E" > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
