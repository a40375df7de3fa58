# Issue 12, stop 67 (h12c): build fresh CNN zoo 2483 (SIG and WaNet CNNs only, with clean ones;
# plan.md) and read it two ways at once, TWO heavy processes (this task's limit):
#   A: benchmarks/check_s66_cnn.py (unchanged): the detector on every model, a model it passes
#      scored at once by `gated:conv_gate=0.8` (today's row: the model as it came unless the probe
#      opens), then every model it flagged, one run of today's `gated` (both of A's rows);
#   B: benchmarks/dev_s67_cnn_rounds.py with `fast_conv=K` on every model in the same family order
#      (on a model the detector passes that is the detector alone: the same hand-back as today),
#      then today's `gated` (the same script, no settings) on the models it treated, last first,
#      so that A (from the front) and B (from the back) read today's rows before the cut.
# Both write after each model; the cut leaves every finished row. Run from the worktree:
#   CUT="2026-12-06 06:40" K=2 bash benchmarks/data/mitigate_s67_cnn/fresh.sh > /tmp/h12c/s67/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12c/s67
O=benchmarks/data/mitigate_s67_cnn
S=2483
K=${K:?the plan's K}
CUT=${CUT:?the plan's cut}
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
[ -e $D/zoo-$S ] && { echo "error: $D/zoo-$S exists: not fresh"; exit 2; }
echo "cut $CUT UTC: $(left) s from $(date -u +%T); fast_conv=$K"
echo "build $S $(date -u +%T)"
timeout -k 20 $(left) nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 1 \
    --backdoored 4 --attacks sig,wanet --archs cnn --seed $S --out $D/zoo-$S \
    -x process -j 2 > $D/build-$S.log 2>&1
echo "built $S rc $? $(date -u +%T)"
cp $D/build-$S.log $O/
[ -f $D/zoo-$S/truth.json ] || { echo "zoo $S not whole at the cut"; exit 1; }
ORDER=$(python3 benchmarks/data/mitigate_s66_cnn/order.py $D/zoo-$S/truth.json)
echo "order $ORDER"
python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S "$ORDER"
keep() { for F in fresh-$S.json fast-$S.json today-$S.json score-$S.log fast-$S.log today-$S.log; do
           [ -f $D/$F ] && cp $D/$F $O/; done; }
timeout -k 20 $(left) nice -n 5 $P benchmarks/check_s66_cnn.py $D/order-$S $D/fresh-$S.json 0.8 \
    > $D/score-$S.log 2>&1 & A=$!
b() {
  timeout -k 20 $(left) nice -n 5 $P benchmarks/dev_s67_cnn_rounds.py $D/order-$S $D/fast-$S.json \
      "$ORDER" fast_conv=$K > $D/fast-$S.log 2>&1
  echo "B fast rc $? $(date -u +%T)"
  local F=$(python3 $O/flagged.py $D/fast-$S.json)
  echo "B today on $F"
  [ -n "$F" ] && timeout -k 20 $(left) nice -n 5 $P benchmarks/dev_s67_cnn_rounds.py $D/order-$S \
      $D/today-$S.json "$F" > $D/today-$S.log 2>&1
  echo "B today rc $? $(date -u +%T)"
}
b & B=$!
echo "A $A B $B $(date -u +%T)"
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do keep; sleep 60; done
wait $A; echo "A rc $?"; wait $B; echo "B rc $?"; keep
echo "all done $(date -u +%T)"
