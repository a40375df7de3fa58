# Issue 12, stop 70 (h12c): build fresh CNN zoo 2486 (every family, one clean; plan.md) and read
# it two ways at once, side by side at the same load, TWO heavy processes (this task's limit):
#   A: benchmarks/dev_s70_cnn_round.py, today's `gated` (T69, the defaults since stop 69);
#   B: the same script with T70 (plan.md) on every model, in the same order
#      (../mitigate_s69_cnn/order.py: clean, sig, sparse, badnets, blended, wanet).
# Both write after each model; the cut leaves every finished row. Run from the worktree:
#   CUT="2026-12-06 14:33" bash benchmarks/data/mitigate_s70_cnn/fresh.sh > /tmp/h12c/s70/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
D=/tmp/h12c/s70
O=benchmarks/data/mitigate_s70_cnn
T70=${T70:?the candidate of plan.md}
CUT=${CUT:?the cut of plan.md}
S=${S:-2486}
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
[ -e $D/zoo-$S ] && { echo "error: $D/zoo-$S exists: not fresh"; exit 2; }
echo "cut $CUT UTC: $(left) s from $(date -u +%T); T70 $T70"
echo "build $S $(date -u +%T)"
timeout -k 20 $(left) nice -n 5 $PY -m trojanscope zoo make --dataset mnist --clean 1 \
    --backdoored 5 --attacks badnets,blended,sig,wanet,sparse --archs cnn --seed $S \
    --out $D/zoo-$S -x process -j 2 > $D/build-$S.log 2>&1
echo "built $S rc $? $(date -u +%T)"
cp $D/build-$S.log $O/
[ -f $D/zoo-$S/truth.json ] || { echo "zoo $S not whole at the cut"; exit 1; }
ORDER=$(python3 benchmarks/data/mitigate_s69_cnn/order.py $D/zoo-$S/truth.json)
echo "order $ORDER"
keep() { for F in today-$S.json t70-$S.json today-$S.log t70-$S.log; do
           [ -f $D/$F ] && cp $D/$F $O/; done; }
timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s70_cnn_round.py $D/zoo-$S \
    $D/today-$S.json "$ORDER" > $D/today-$S.log 2>&1 & A=$!
timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s70_cnn_round.py $D/zoo-$S \
    $D/t70-$S.json "$ORDER" $T70 > $D/t70-$S.log 2>&1 & B=$!
echo "$S: A $A B $B $(date -u +%T)"
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do keep; sleep 60; done
wait $A; RA=$?; wait $B; RB=$?
echo "$S: A rc $RA B rc $RB $(date -u +%T)"; keep
echo "all done $(date -u +%T)"
