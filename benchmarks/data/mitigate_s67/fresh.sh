# Issue 12, stop 67 (h12): build fresh zoos 2475 and 2476 (stop 62's recipe: 3 clean and 10
# backdoored MNIST MLPs each, badnets/blended/sig/wanet/sparse) and score today's default `gated`
# and the candidate `gated:repair_last=$E` on each from one run per model
# (benchmarks/check_repair_last.py: the step runs last, so the model it starts from is today's
# output). TWO heavy processes at a time (this stop's limit): the two zoos are built side by
# side, then scored side by side, one process per zoo, each zoo's models in an order that
# interleaves clean and backdoored ones (mitigate_s56/cut.py links them in that order); every
# model's pair of rows is written as soon as it is scored, so the cut leaves every finished pair.
# Run from the worktree root:
#   CUT=06:40 E=10 bash benchmarks/data/mitigate_s67/fresh.sh > /tmp/h12/s67/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s67
O=benchmarks/data/mitigate_s67
CUT=${CUT:-06:40}
E=${E:-10}
ORDER=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
[ $LEFT -lt 0 ] && LEFT=$(( LEFT + 86400 ))  # the cut after midnight
echo "cut $CUT UTC: $LEFT s from $(date -u +%T); epochs $E"
one() {
  S=$1
  echo "build $S $(date -u +%T)"
  [ -f $D/zoo-$S/truth.json ] || nice -n 5 $P -m trojanscope zoo make --dataset mnist \
      --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp \
      --seed $S --out $D/zoo-$S -x serial > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_repair_last.py $D/order-$S $D/fresh-$S.json $E \
      > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D E=$E ORDER=$ORDER; one 2475" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D E=$E ORDER=$ORDER; one 2476" ) &
B=$!
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do
  for F in $D/fresh-{2475,2476}.json $D/score-{2475,2476}.log; do [ -f $F ] && cp $F $O/; done
  sleep 60
done
for F in $D/fresh-{2475,2476}.json $D/score-{2475,2476}.log $D/build-{2475,2476}.log; do [ -f $F ] && cp $F $O/; done
echo "all done $(date -u +%T)"
