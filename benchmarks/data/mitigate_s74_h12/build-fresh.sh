# Issue 12, stop 74 (h12): build fresh zoos 2505 and 2506 (stop 70's edge recipe, BadNets and SIG
# shares raised as stop 73's h12a did; 3 clean), before the rule; nothing scored.
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
for S in 2505 2506; do
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h1274/fresh/zoo-$S --clean 3 --backdoored 12 --attacks badnets,sig,badnets,sig,blended,wanet,sparse
  echo "built $S $(date -u +%T)"
done
