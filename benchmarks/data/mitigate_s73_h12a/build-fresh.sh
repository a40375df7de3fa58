# Issue 12, stop 73 (h12a): build fresh zoos 2499 and 2500 (stop 70's edge recipe, BadNets and SIG shares raised), before the rule; nothing scored.
cd /work/wt/h12a
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
for S in 2499 2500; do
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12a73/zoo-$S --clean 3 --backdoored 12 --attacks badnets,sig,badnets,sig,blended,wanet,sparse
  echo "built $S $(date -u +%T)"
done
