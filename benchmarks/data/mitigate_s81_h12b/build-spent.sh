# Issue 12, stop 81 (h12b): rebuild the black masks of spent zoos (builds are deterministic: the
# builder's lines are checked against the committed build logs), each zoo with its own recipe.
# 2525/2526 are read from stop 80's copies (/tmp/h12s80/fresh, copied to /tmp/h12b81/spent).
#   bash benchmarks/data/mitigate_s81_h12b/build-spent.sh 2524 2523 2521 2522 > /tmp/h12b81/spent.log 2>&1
cd /work/wt/h12b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
for S in "$@"; do
  case $S in
    2521) R="--clean 3 --backdoored 14 --attacks badnets,sig,badnets,sig,badnets,sparse,blended,wanet,sparse"; O=sparse-005,sparse-008 ;;
    2522) R="--clean 3 --backdoored 14 --attacks badnets,sig,badnets,sig,badnets,sparse,blended,wanet,sparse"; O=sparse-008 ;;
    2523|2524) R="--clean 3 --backdoored 12 --sparse-values black --attacks badnets,sparse,sig,sparse,blended,sparse,wanet,sparse"; O=sparse-007,sparse-001,sparse-003,sparse-005,sparse-009,sparse-011 ;;
    *) echo "no recipe for $S"; continue ;;
  esac
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12b81/spent/zoo-$S $R --only ${ONLY:-$O}
done
echo "done $(date -u +%T)"
