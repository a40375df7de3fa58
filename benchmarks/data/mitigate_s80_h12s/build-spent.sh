# Issue 12, stop 80 (h12s): rebuild the SIG MLPs of spent zoos (builds are deterministic: the
# builder's lines are checked against the committed build logs), each zoo with its own recipe.
#   bash benchmarks/data/mitigate_s80_h12s/build-spent.sh 2521 2522 > /tmp/h12s80/spent-a.log 2>&1
cd /work/wt/h12s
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
for S in "$@"; do
  case $S in
    2511|2512|2515|2516) R="--clean 3 --backdoored 14 --attacks badnets,sig,badnets,sig,badnets,sig,blended,wanet,sparse"; O=sig-001,sig-003,sig-005,sig-010,sig-012 ;;
    2521|2522) R="--clean 3 --backdoored 14 --attacks badnets,sig,badnets,sig,badnets,sparse,blended,wanet,sparse"; O=sig-001,sig-003,sig-010,sig-012 ;;
    2523|2524) R="--clean 3 --backdoored 12 --sparse-values black --attacks badnets,sparse,sig,sparse,blended,sparse,wanet,sparse"; O=sig-002,sig-010 ;;
    2469) R="--clean 3 --backdoored 10"; O=badnets-005 ;;  # stop 70's edge recipe: the one non-SIG MLP with a kept projection on record
    *) echo "no recipe for $S"; continue ;;
  esac
  echo "build $S $(date -u +%T)"
  /usr/bin/time -f "build $S: %e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_edge_s70_zoo.py $S /tmp/h12s80/spent/zoo-$S $R --only ${ONLY:-$O}
done
echo "done $(date -u +%T)"
