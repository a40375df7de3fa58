#!/usr/bin/env bash
# Issue 12, stop 73 (h12m): build fresh MLP zoos 2503 and 2504 with stop 70's edge recipe as it
# ships (its default --attacks badnets,blended,sig,wanet,sparse, --clean 3, --backdoored 10, each
# sparse mask's value as zoo make draws it), one process per zoo. Run from the worktree's root;
# nothing here scores a model.
set -u
OUT=${OUT:-/tmp/h12m73/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
mkdir -p "$OUT"
for S in 2503 2504; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_edge_s70_zoo.py $S "$OUT/zoo-$S"
    echo "end $S $(date -u +%T)" ) > "$OUT/build-$S.log" 2>&1 &
done
wait
