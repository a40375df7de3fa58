# Issue 12, stop 59 (h12): build fresh zoos 2459 and 2460 (mitigate_s58/fresh.sh's recipe: 3
# clean and 10 backdoored MNIST MLPs each, badnets/blended/sig/wanet/sparse) and score today's
# default `gated` and the candidate `gated:residue_last=$BAR` on each from one run per model
# (benchmarks/check_residue_last.py: the step runs last, so the model it starts from is today's
# output). The two zoos run side by side (one process each); each zoo's models are scored in an
# order that interleaves clean and backdoored ones (mitigate_s56/cut.py links them in that
# order), every model's pair of rows written as soon as it is scored, each zoo's file copied
# here every minute and at the end, so the cut (plan.md) leaves every finished pair.
# Run from the worktree root:
#   CUT=07:31 BAR=0.1 bash benchmarks/data/mitigate_s59/fresh.sh > /tmp/h12s59/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s59
O=benchmarks/data/mitigate_s59
CUT=${CUT:-07:31}
BAR=${BAR:-0.1}
ORDER=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
END=$(date -u -d "$CUT" +%s); NOW=$(date -u +%s)
LEFT=$(( END - NOW ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T); bar $BAR"
one() {
  S=$1
  echo "build $S $(date -u +%T)"
  [ -f $D/zoo-$S/truth.json ] || nice -n 5 $P -m trojanscope zoo make --dataset mnist \
      --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial > $D/build-$S.log 2>&1
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_residue_last.py $D/order-$S $D/fresh-$S.json $BAR > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D ORDER=$ORDER BAR=$BAR; one 2459" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D ORDER=$ORDER BAR=$BAR; one 2460" ) &
B=$!
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do
  for S in 2459 2460; do [ -f $D/fresh-$S.json ] && cp $D/fresh-$S.json $O/; done
  sleep 60
done
for S in 2459 2460; do [ -f $D/fresh-$S.json ] && cp $D/fresh-$S.json $O/; cp $D/score-$S.log $O/ 2>/dev/null; done
echo "all done $(date -u +%T)"
