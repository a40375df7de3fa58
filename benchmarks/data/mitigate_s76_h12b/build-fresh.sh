#!/usr/bin/env bash
# Issue 12, stop 76 (h12b): build fresh MLP zoos 2517 and 2518 (stop 70's edge recipe, 14 backdoored
# with ten sparse slots, every sparse mask black, white or random, 50-110 pixels), one process per
# zoo. The recipe was chosen from its own draw (no model trained or read): it gives 8 black masks
# pooled (51-108 pixels, three under 75), 4 white and 8 random. Run from the worktree's root;
# nothing here scores a model.
set -u
OUT=${OUT:-/tmp/h12b76/fresh}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
mkdir -p "$OUT"
for S in 2517 2518; do
  ( echo "start $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user" $PY benchmarks/mitigate_edge_s70_zoo.py $S "$OUT/zoo-$S" \
      --backdoored 14 --sparse-values black,white,random --sparse-count 50,110 \
      --attacks badnets,sparse,sparse,blended,sparse,sparse,sig,sparse,sparse,wanet,sparse,sparse,sparse,sparse
    echo "end $S $(date -u +%T)" ) > "$OUT/build-$S.log" 2>&1 &
done
wait
