#!/usr/bin/env bash
# Issue 12, stop 73 (h12w): score fresh zoos 2501/2502 (white/random masks only) with today's gated
# and gated:dense_mask=120,mask_ranked=1 (h12's check, unchanged), one process per zoo, then read
# the floor and h12's rule (plan.md). Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h12w73/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2501 2502; do
  /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s73_check.py \
    "$OUT/zoo-$S" "$OUT/fresh-$S.json" 120 > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s73w_rule.py "$OUT/fresh-2501.json:2501" "$OUT/fresh-2502.json:2502" \
  --zoo "$OUT/zoo-2501" --zoo "$OUT/zoo-2502" \
  --candidate "gated:dense_mask=120,mask_ranked=1" > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
