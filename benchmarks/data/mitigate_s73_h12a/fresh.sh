# Issue 12, stop 73 (h12a): score today's `gated`, `gated:round_stop=P` and `gated:project_cost=D`
# on fresh zoos 2499 and 2500 (stop 70's edge recipe with the BadNets and SIG shares raised:
# benchmarks/mitigate_edge_s70_zoo.py S OUT --clean 3 --backdoored 12 --attacks
# badnets,sig,badnets,sig,blended,wanet,sparse; built before the rule's commit by build-fresh.sh,
# nothing read). One scoring process per zoo (two heavy processes at a time), clean and
# backdoored interleaved (mitigate_s56/cut.py); each model's rows written as soon as it is scored,
# so the cut leaves every finished model.
# Run from the worktree root, from the commit that adds stop_s73_h12a_rule.md:
#   CUT=22:20 bash benchmarks/data/mitigate_s73_h12a/fresh.sh > /tmp/h12a73/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12a73
O=benchmarks/data/mitigate_s73_h12a
CUT=${CUT:-22:20}
STOP=${STOP:-0.005}
COST=${COST:-0.025}
ORDER=badnets-000,clean-000,sig-001,badnets-002,clean-001,sig-003,blended-004,wanet-005,clean-002,sparse-006,badnets-007,sig-008,badnets-009,sig-010,blended-011
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
one() {
  S=$1
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_stop_s73_check.py $D/order-$S $D/fresh-$S.json $STOP $COST > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
  cp $D/fresh-$S.json $O/
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O STOP=$STOP COST=$COST ORDER=$ORDER; one 2499" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O STOP=$STOP COST=$COST ORDER=$ORDER; one 2500" ) &
Z=$!
while kill -0 $A 2>/dev/null || kill -0 $Z 2>/dev/null; do
  for F in $D/fresh-{2499,2500}.json $D/score-{2499,2500}.log; do [ -f $F ] && cp $F $O/; done
  sleep 30
done
for F in $D/fresh-{2499,2500}.json $D/score-{2499,2500}.log $D/build-fresh.log; do
  [ -f $F ] && cp $F $O/
done
cp $D/zoo-2499/truth.json $O/truth-2499.json 2>/dev/null; cp $D/zoo-2500/truth.json $O/truth-2500.json 2>/dev/null
echo "all done $(date -u +%T)"
