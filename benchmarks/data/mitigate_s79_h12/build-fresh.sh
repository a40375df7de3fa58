# Issue 12, stop 79 (h12): build fresh zoos 2523 and 2524 (stop 70's edge recipe as 2521/2522,
# 3 clean MLPs, with every sparse mask drawn black and half the backdoored slots sparse: per zoo
# 6 black dense masks (60-160 pixels), BadNets 2, SIG 2, blended 1, WaNet 1, clean 3), one process
# per zoo, before the rule; nothing scored, only the builder's lines read.
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
S=$1
echo "build $S $(date -u +%T)"
/usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h1279/fresh/zoo-$S --clean 3 --backdoored 12 --sparse-values black --attacks badnets,sparse,sig,sparse,blended,sparse,wanet,sparse
echo "built $S $(date -u +%T)"
