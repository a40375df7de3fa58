# Issue 12, stop 72 (h12a): build fresh zoos 2495 and 2496 (stop 70's edge recipe), before the rule; nothing scored.
cd /work/wt/h12a
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
for S in 2495 2496; do
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12a72/zoo-$S
  echo "built $S $(date -u +%T)"
done
