#!/usr/bin/env bash
# Issue 12, stop 74 (h12s): build fresh MLP zoos 2507 and 2508 (stop 70's edge recipe, the sparse
# share two thirds as h12w's 2501/2502, every sparse mask white or random and SMALL: 60-90 pixels),
# one process per zoo. Run from the worktree's root; nothing here scores a model.
set -u
OUT=${OUT:-/tmp/h12s74/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
for S in 2507 2508; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_edge_s70_zoo.py $S "$OUT/zoo-$S" \
      --backdoored 12 --sparse-values white,random --sparse-count 60,90 \
      --attacks badnets,sparse,sparse,blended,sparse,sparse,sig,sparse,sparse,wanet,sparse,sparse
    echo "end $S $(date -u +%T)" ) > "$OUT/build-$S.log" 2>&1 &
done
wait
