# Issue 12, stop 80 (h12s): build fresh zoos 2525 and 2526 (stop 79's recipe with SIG's share
# raised: per zoo 5 SIG, 3 black dense masks, 2 BadNets, 1 blended, 1 WaNet, 3 clean), one
# process per zoo, before the rule; nothing scored, only the builder's lines read.
#   for S in 2525 2526; do bash benchmarks/data/mitigate_s80_h12s/build-fresh.sh $S > /tmp/h12s80/build-$S.log 2>&1 & done
cd /work/wt/h12s
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
S=$1
echo "build $S $(date -u +%T)"
/usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12s80/fresh/zoo-$S --clean 3 --backdoored 12 --sparse-values black --attacks sig,sparse,badnets,sig,blended,sig,wanet,sparse
echo "built $S $(date -u +%T)"
