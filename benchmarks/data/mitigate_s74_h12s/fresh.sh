#!/usr/bin/env bash
# Issue 12, stop 74 (h12s): score fresh zoos 2507/2508 (small white/random masks, 60-90 pixels)
# with today's gated and gated:mask_dark=0.5 (half the copies darkened; mitigate_mask_s74_check.py),
# one process per zoo, then read the floors and the rule (plan.md). Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h12s74/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2507 2508; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s74_check.py \
      "$OUT/zoo-$S" "$OUT/fresh-$S.json" 0.5
    echo "end $S $(date -u +%T)" ) > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s74_rule.py "$OUT/fresh-2507.json:2507" "$OUT/fresh-2508.json:2508" \
  --zoo "$OUT/zoo-2507" --zoo "$OUT/zoo-2508" --candidate "gated:mask_dark=0.5" \
  --time-ratio 1.5 --time-add 0 > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
