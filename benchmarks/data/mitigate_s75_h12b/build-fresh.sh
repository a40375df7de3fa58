#!/usr/bin/env bash
# Issue 12, stop 75 (h12b): build fresh MLP zoos 2513 and 2514 (stop 70's edge recipe, the sparse
# share two thirds as h12w's 2501/2502, every sparse mask black or random, 60-120 pixels), one
# process per zoo. The value set was chosen from the recipe's own draw (no model trained or read):
# black,random gives 8 black and 8 random masks pooled. Run from the worktree's root; nothing here
# scores a model.
set -u
OUT=${OUT:-/tmp/h12b75/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
mkdir -p "$OUT"
for S in 2513 2514; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_edge_s70_zoo.py $S "$OUT/zoo-$S" \
      --backdoored 12 --sparse-values black,random --sparse-count 60,120 \
      --attacks badnets,sparse,sparse,blended,sparse,sparse,sig,sparse,sparse,wanet,sparse,sparse
    echo "end $S $(date -u +%T)" ) > "$OUT/build-$S.log" 2>&1 &
done
wait
