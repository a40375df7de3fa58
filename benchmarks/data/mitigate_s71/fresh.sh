# Issue 12, stop 71 (h12): build fresh zoos 2491 and 2492 (stop 70's edge recipe,
# benchmarks/mitigate_edge_s70_zoo.py: stop 67's families badnets/blended/sig/wanet/sparse, 3 clean
# and 10 backdoored MNIST MLPs each, blended backdoors at opacity 0.05-0.10, sparse ones with 60-160
# pixels) and score today's `gated` and `gated:sure=B` on each (benchmarks/mitigate_sure_s71_check.py:
# one candidate run per model, today's own run where `sure` overruled the probe). TWO heavy
# processes at a time: the zoos side by side (the builder resumes: models already built are
# kept), then one scoring process per zoo, clean and backdoored interleaved (mitigate_s56/cut.py);
# each model's pair written as soon as it is scored, so the cut leaves every finished pair.
# Run from the worktree root:
#   CUT=17:28 B=0.6 bash benchmarks/data/mitigate_s71/fresh.sh > /tmp/h1271/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h1271
O=benchmarks/data/mitigate_s71
CUT=${CUT:-17:28}
B=${B:?the bar}
ORDER=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
one() {
  S=$1
  echo "build $S $(date -u +%T)"
  nice -n 5 $P benchmarks/mitigate_edge_s70_zoo.py $S $D/zoo-$S >> $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_sure_s71_check.py $D/order-$S $D/fresh-$S.json $B > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
  cp $D/fresh-$S.json $O/
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O B=$B ORDER=$ORDER; one 2491" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O B=$B ORDER=$ORDER; one 2492" ) &
Z=$!
while kill -0 $A 2>/dev/null || kill -0 $Z 2>/dev/null; do
  for F in $D/fresh-{2491,2492}.json $D/score-{2491,2492}.log; do [ -f $F ] && cp $F $O/; done
  sleep 30
done
for F in $D/fresh-{2491,2492}.json $D/score-{2491,2492}.log $D/build-{2491,2492}.log; do
  [ -f $F ] && cp $F $O/
done
cp $D/zoo-2491/truth.json $O/truth-2491.json 2>/dev/null; cp $D/zoo-2492/truth.json $O/truth-2492.json 2>/dev/null
echo "all done $(date -u +%T)"
