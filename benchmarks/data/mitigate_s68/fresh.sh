# Issue 12, stop 68 (h12): build fresh zoos 2477 and 2478 and score today's default `gated` and
# the candidate `gated:blend_last=$E` on each from one run per model
# (benchmarks/check_blend_last.py: the step runs last, so the model it starts from is today's
# output). zoo-2477: stop 62's recipe (3 clean and 10 backdoored MNIST MLPs,
# badnets/blended/sig/wanet/sparse); zoo-2478: 3 clean and 10 blended MNIST MLPs (the step is
# for the blended family: plan.md). TWO heavy processes at a time (this stop's limit): the two
# zoos are built side by side, then scored side by side, one process per zoo, each zoo's models
# in an order that interleaves clean and backdoored ones (mitigate_s56/cut.py links them in that
# order); every model's pair of rows is written as soon as it is scored, so the cut leaves every
# finished pair. Run from the worktree root:
#   CUT=08:55 E=10 bash benchmarks/data/mitigate_s68/fresh.sh > /tmp/h12/s68/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s68
O=benchmarks/data/mitigate_s68
CUT=${CUT:-08:55}
E=${E:-10}
MIXED=badnets,blended,sig,wanet,sparse
ORDER_2477=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
ORDER_2478=blended-000,clean-000,blended-001,blended-002,clean-001,blended-003,blended-004,blended-005,clean-002,blended-006,blended-007,blended-008,blended-009
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
[ $LEFT -lt 0 ] && LEFT=$(( LEFT + 86400 ))  # the cut after midnight
echo "cut $CUT UTC: $LEFT s from $(date -u +%T); epochs $E"
one() {
  S=$1; ATTACKS=$2; ORDER=$3
  echo "build $S ($ATTACKS) $(date -u +%T)"
  [ -f $D/zoo-$S/truth.json ] || nice -n 5 $P -m trojanscope zoo make --dataset mnist \
      --clean 3 --backdoored 10 --attacks $ATTACKS --archs mlp \
      --seed $S --out $D/zoo-$S -x serial > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_blend_last.py $D/order-$S $D/fresh-$S.json $E \
      > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D E=$E; one 2477 $MIXED $ORDER_2477" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D E=$E; one 2478 blended $ORDER_2478" ) &
B=$!
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do
  for F in $D/fresh-{2477,2478}.json $D/score-{2477,2478}.log; do [ -f $F ] && cp $F $O/; done
  sleep 60
done
for F in $D/fresh-{2477,2478}.json $D/score-{2477,2478}.log $D/build-{2477,2478}.log; do [ -f $F ] && cp $F $O/; done
echo "all done $(date -u +%T)"
