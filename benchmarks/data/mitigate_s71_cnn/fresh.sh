# Issue 12, stop 71 (h12c): read fresh CNN zoo 2490 (every family, one clean; plan.md) two ways
# at once, side by side at the same load, TWO heavy processes (this task's limit):
#   A: benchmarks/dev_s71_cnn_lean.py, today's `gated` (the defaults since stop 70);
#   B: the same script with T71 (plan.md) on every model, in the same order
#      (../mitigate_s69_cnn/order.py: clean, sig, sparse, badnets, blended, wanet).
# The zoo was built before the plan's commit (15:36:30-, `zoo make ... -j 1`, its log
# build-2490.log; no model of it read by either setting before the commit); this script reads
# it and refuses a zoo already read. Both write after each model; the cut leaves every finished
# row. Run from the worktree:
#   T71=conv_lean=1,conv_early=1 CUT="2026-12-06 17:30" bash benchmarks/data/mitigate_s71_cnn/fresh.sh > /tmp/h12c71/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
D=/tmp/h12c71
O=benchmarks/data/mitigate_s71_cnn
T71=${T71:?the candidate of plan.md}
CUT=${CUT:?the cut of plan.md}
S=${S:-2490}
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
[ -f $D/zoo-$S/truth.json ] || { echo "error: $D/zoo-$S not built whole"; exit 2; }
[ -e $D/today-$S.json ] || [ -e $D/t71-$S.json ] && { echo "error: zoo $S already read"; exit 2; }
cp $D/build-$S.log $O/
echo "cut $CUT UTC: $(left) s from $(date -u +%T); T71 $T71"
ORDER=$(python3 benchmarks/data/mitigate_s69_cnn/order.py $D/zoo-$S/truth.json)
echo "order $ORDER"
keep() { for F in today-$S.json t71-$S.json today-$S.log t71-$S.log; do
           [ -f $D/$F ] && cp $D/$F $O/; done; }
timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s71_cnn_lean.py $D/zoo-$S \
    $D/today-$S.json "$ORDER" > $D/today-$S.log 2>&1 & A=$!
timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s71_cnn_lean.py $D/zoo-$S \
    $D/t71-$S.json "$ORDER" $T71 > $D/t71-$S.log 2>&1 & B=$!
echo "$S: A $A B $B $(date -u +%T)"
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do keep; sleep 60; done
wait $A; RA=$?; wait $B; RB=$?
echo "$S: A rc $RA B rc $RB $(date -u +%T)"; keep
echo "all done $(date -u +%T)"
