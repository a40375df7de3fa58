# Issue 12, stop 81 (h12b): build fresh zoos 2527 and 2528 (stop 80's recipe, black-mask heavy:
# per zoo 6 black dense masks, 2 BadNets, 2 blended, 1 SIG, 1 WaNet, 3 clean), one process per
# zoo, before the rule; nothing scored, only the builder's lines read.
#   for S in 2527 2528; do bash benchmarks/data/mitigate_s81_h12b/build-fresh.sh $S > /tmp/h12b81/build-$S.log 2>&1 & done
cd /work/wt/h12b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
S=$1
echo "build $S $(date -u +%T)"
/usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12b81/fresh/zoo-$S --clean 3 --backdoored 12 --sparse-values black --attacks sparse,badnets,sparse,blended,sparse,sig,wanet,sparse
echo "built $S $(date -u +%T)"
