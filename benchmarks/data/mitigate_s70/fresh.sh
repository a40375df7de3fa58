# Issue 12, stop 70 (h12): build fresh zoos 2488 and 2489 (stop 67's recipe, 3 clean and 10
# backdoored MNIST MLPs each, badnets/blended/sig/wanet/sparse, with the blended backdoors made at
# opacity 0.05-0.10 and the sparse ones with 60-160 pixels: benchmarks/mitigate_edge_s70_zoo.py)
# and score today's default `gated` and the candidate `gated:blend_stop=B` on each from one run
# per model (benchmarks/mitigate_stop_s70_check.py: blend_last runs last, once with blend_stop=0
# on a copy and once with the bar). TWO heavy processes at a time: the two zoos are built side by
# side, then scored side by side, one process per zoo, clean and backdoored models interleaved
# (mitigate_s56/cut.py links them in that order); every model's pair of rows is written as soon
# as it is scored, so the cut leaves every finished pair. Then the gate's reading on every
# backdoored input model the detector named a suspect for (mitigate_gate_s69_read.py, the
# suspect from the zoo's fresh-<zoo>.json), one process per zoo.
# Run from the worktree root:
#   CUT=14:28 B=0.5 bash benchmarks/data/mitigate_s70/fresh.sh > /tmp/h12/s70/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s70
O=benchmarks/data/mitigate_s70
CUT=${CUT:-14:28}
B=${B:?the bar}
ORDER=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004,badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
[ $LEFT -lt 0 ] && LEFT=$(( LEFT + 86400 ))  # the cut after midnight
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
one() {
  S=$1
  echo "build $S $(date -u +%T)"
  nice -n 5 $P benchmarks/mitigate_edge_s70_zoo.py $S $D/zoo-$S > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S $ORDER
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/mitigate_stop_s70_check.py $D/order-$S $D/fresh-$S.json $B \
      > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
  cp $D/fresh-$S.json $O/
  rm -f $D/gate-$S.jsonl
  nice -n 5 $P benchmarks/mitigate_gate_s69_read.py $D/gate-$S.jsonl $D/zoo-$S > $D/gate-$S.log 2>&1
  echo "gate read $S rc $? $(date -u +%T)"
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O B=$B ORDER=$ORDER; one 2488" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D O=$O B=$B ORDER=$ORDER; one 2489" ) &
Z=$!
while kill -0 $A 2>/dev/null || kill -0 $Z 2>/dev/null; do
  for F in $D/fresh-{2488,2489}.json $D/score-{2488,2489}.log $D/gate-{2488,2489}.jsonl; do
    [ -f $F ] && cp $F $O/
  done
  sleep 60
done
for F in $D/fresh-{2488,2489}.json $D/score-{2488,2489}.log $D/build-{2488,2489}.log \
    $D/gate-{2488,2489}.jsonl $D/gate-{2488,2489}.log; do [ -f $F ] && cp $F $O/; done
cp $D/zoo-2488/truth.json $O/truth-2488.json 2>/dev/null; cp $D/zoo-2489/truth.json $O/truth-2489.json 2>/dev/null
echo "all done $(date -u +%T)"
