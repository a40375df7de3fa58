cd /work/wt/h12
for S in 2497 2498; do
  echo "start $S $(date -u +%T)"
  OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h1273/fresh/zoo-$S --backdoored 12 --attacks badnets,sparse,sparse,blended,sparse,sparse,sig,sparse,sparse,wanet,sparse,sparse
  echo "end $S $(date -u +%T)"
done
