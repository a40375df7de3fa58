# Issue 12, stop 74 (h12g): build fresh zoos 2509 and 2510 (stop 70's edge recipe with the SIG
# share raised: per zoo SIG 6, BadNets 2, blended 2, WaNet 1, sparse 1, clean 3), before the
# rule; nothing scored, only the builder's lines read.
cd /work/wt/h12g
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
for S in 2509 2510; do
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12g74/fresh/zoo-$S --clean 3 --backdoored 12 --attacks sig,badnets,sig,blended,sig,wanet,sig,sparse
  echo "built $S $(date -u +%T)"
done
