#!/usr/bin/env bash
# Issue 12, stop 73 (h12m): read fresh mixed zoos 2503/2504 once with today's default gated and,
# beside it, gated:dense_mask=0 (the default before stop 73), one process per zoo, then the
# reader (a measurement: no rule, no candidate). Run from the worktree's root.
set -u
OUT=${OUT:-/tmp/h12m73/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2503 2504; do
  /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_mixed_s73_check.py \
    "$OUT/zoo-$S" "$OUT/fresh-$S.json" > "$OUT/score-$S.log" 2>&1 &
done
wait
$PY benchmarks/mitigate_mixed_s73_read.py "$OUT/fresh-2503.json:2503" "$OUT/fresh-2504.json:2504" \
  > "$OUT/read.log" 2>&1
cat "$OUT/read.log"
