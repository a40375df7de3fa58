#!/usr/bin/env bash
# Issue 12, stop 76 (h12b): score fresh zoos 2517/2518 (black, white and random masks, 50-110
# pixels) with today's gated and gated:mask_black=E (stop 75's mitigate_mask_s75_check.py, run
# with this commit's dense_black: the step fires on darkenings of at least 14 pixels), one
# process per zoo, then read the floor and the rule (plan.md). Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h12b76/fresh}
E=${E:-200}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2517 2518; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mask_s75_check.py \
      "$OUT/zoo-$S" "$OUT/fresh-$S.json" "$E"
    echo "end $S $(date -u +%T)" ) > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mask_s75_rule.py "$OUT/fresh-2517.json:2517" "$OUT/fresh-2518.json:2518" \
  --zoo "$OUT/zoo-2517" --zoo "$OUT/zoo-2518" --candidate "gated:mask_black=$E" \
  --min-black 6 --time-ratio 1.5 --time-add 0 > "$OUT/rule.log" 2>&1
cat "$OUT/rule.log"
