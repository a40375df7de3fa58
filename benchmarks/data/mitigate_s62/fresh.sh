# Issue 12, stop 62 (h12): build fresh zoos 2465 and 2466 (mitigate_s60/fresh.sh's recipe: 3
# clean and 10 backdoored MNIST MLPs each, badnets/blended/sig/wanet/sparse) and score today's
# default `gated` and the candidate `gated:round_last=$BAR` on each from one run per model
# (benchmarks/check_round_last.py: the step runs last, so the model it starts from is today's
# output). ONE heavy process at a time (this stop's limit): the two zoos are built one after
# the other, then scored in four parts that alternate the zoos (the first seven models of
# 2465, of 2466, then the last six of each), each part's models in an order that interleaves
# clean and backdoored ones (mitigate_s56/cut.py links them in that order); every model's pair
# of rows is written as soon as it is scored, so the cut leaves every finished pair.
# Run from the worktree root:
#   CUT=17:05 BAR=0.3 bash benchmarks/data/mitigate_s62/fresh.sh > /tmp/h12s62/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s62
O=benchmarks/data/mitigate_s62
CUT=${CUT:-17:05}
BAR=${BAR:-0.3}
A=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004
B=badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
END=$(date -u -d "$CUT" +%s); NOW=$(date -u +%s)
LEFT=$(( END - NOW ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T); bar $BAR"
run() {
  for S in 2465 2466; do
    echo "build $S $(date -u +%T)"
    [ -f $D/zoo-$S/truth.json ] || nice -n 5 $P -m trojanscope zoo make --dataset mnist \
        --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp \
        --seed $S --out $D/zoo-$S -x serial > $D/build-$S.log 2>&1
    echo "built $S rc $? $(date -u +%T)"
  done
  for PART in a b; do
    for S in 2465 2466; do
      [ $PART = a ] && ORDER=$A || ORDER=$B
      python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S$PART $ORDER
      echo "score $S$PART $(date -u +%T)"
      nice -n 5 $P benchmarks/check_round_last.py $D/order-$S$PART $D/fresh-$S$PART.json $BAR \
          > $D/score-$S$PART.log 2>&1
      echo "scored $S$PART rc $? $(date -u +%T)"
      cp $D/fresh-$S$PART.json $D/score-$S$PART.log $O/ 2>/dev/null
    done
  done
}
( timeout $LEFT bash -c "$(declare -f run); P=$P D=$D O=$O BAR=$BAR A=$A B=$B; run" ) &
R=$!
while kill -0 $R 2>/dev/null; do
  for F in $D/fresh-246[56]*.json; do [ -f $F ] && cp $F $O/; done
  sleep 60
done
for F in $D/fresh-246[56]*.json $D/score-246[56]*.log; do [ -f $F ] && cp $F $O/; done
echo "all done $(date -u +%T)"
