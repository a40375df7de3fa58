# Issue 12, stop 78 (h12): build fresh zoos 2521 and 2522 (stop 70's edge recipe, BadNets share
# raised and two dense sparse masks per zoo: per zoo BadNets 6, SIG 4, sparse 2, blended 1,
# WaNet 1, clean 3), one process per zoo, before the rule; nothing scored, only the builder's
# lines read.
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
S=$1
echo "build $S $(date -u +%T)"
/usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h1278/fresh/zoo-$S --clean 3 --backdoored 14 --attacks badnets,sig,badnets,sig,badnets,sparse,blended,wanet,sparse
echo "built $S $(date -u +%T)"
