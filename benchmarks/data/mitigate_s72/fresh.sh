# Issue 12, stop 72 (h12a): score today's `gated` and `gated:project_cost=D` on fresh zoos 2495
# and 2496 (stop 70's edge recipe, benchmarks/mitigate_edge_s70_zoo.py: the families badnets,
# blended, sig, wanet and sparse, two each, and three clean MNIST MLPs per zoo; built before the
# rule's commit by /tmp/h12a72/build-fresh.sh, nothing read). One scoring process per zoo (two
# heavy processes at a time), clean and backdoored interleaved (mitigate_s56/cut.py); each
# model's pair written as soon as it is scored, so the cut leaves every finished pair.
# Run from the worktree root, from the commit that adds plan.md:
#   CUT=19:55 BAR=0.025 bash benchmarks/data/mitigate_s72/fresh.sh > /tmp/h12a72/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12a72
O=benchmarks/data/mitigate_s72
CUT=${CUT:-19:55}
BAR=${BAR:-0.025}
ORDER=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
one() {
  S=$1
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_cost_s72_check.py $D/order-$S $D/fresh-$S.json $BAR > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
  cp $D/fresh-$S.json $O/
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O BAR=$BAR ORDER=$ORDER; one 2495" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O BAR=$BAR ORDER=$ORDER; one 2496" ) &
Z=$!
while kill -0 $A 2>/dev/null || kill -0 $Z 2>/dev/null; do
  for F in $D/fresh-{2495,2496}.json $D/score-{2495,2496}.log; do [ -f $F ] && cp $F $O/; done
  sleep 30
done
for F in $D/fresh-{2495,2496}.json $D/score-{2495,2496}.log $D/build-fresh.log; do
  [ -f $F ] && cp $F $O/
done
cp $D/zoo-2495/truth.json $O/truth-2495.json 2>/dev/null; cp $D/zoo-2496/truth.json $O/truth-2496.json 2>/dev/null
echo "all done $(date -u +%T)"
