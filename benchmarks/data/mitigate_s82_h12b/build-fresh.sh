# Issue 12, stop 82 (h12b): build fresh zoos 2529 and 2530 (stop 81's builder recipe, SIG- and
# blended-heavy: per zoo 3 SIG, 2 blended, 2 black dense masks... see --attacks; 3 clean), one
# process per zoo, before the rule; nothing scored, only the builder's lines read.
#   for S in 2529 2530; do bash benchmarks/data/mitigate_s82_h12b/build-fresh.sh $S > /tmp/h12b82/build-$S.log 2>&1 & done
cd /work/wt/h12b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
S=$1
echo "build $S $(date -u +%T)"
/usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12b82/fresh/zoo-$S --clean 3 --backdoored 12 --sparse-values black --attacks sig,blended,badnets,sig,blended,sparse,wanet,sig
echo "built $S $(date -u +%T)"
