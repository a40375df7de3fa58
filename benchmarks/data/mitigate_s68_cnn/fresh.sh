# Issue 12, stop 68 (h12c): build fresh CNN zoo 2484 (every family; plan.md) and read it two ways
# at once, side by side at the same load, TWO heavy processes (this task's limit):
#   A: benchmarks/dev_s68_cnn_stop.py, today's `gated`, on every model (rows: CPU per part, the
#      scored ASR / CA after the first stage and each round, the stage's readings per round);
#   B: the same script with `conv_stop=$P` on every model, in the same order.
# Both write after each model; the cut leaves every finished row (zoo 2485 is not built: plan.md,
# the size). Run from the worktree:
#   CUT="2026-12-06 09:05" P=0.0015 bash benchmarks/data/mitigate_s68_cnn/fresh.sh > /tmp/h12c/s68/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
D=/tmp/h12c/s68
O=benchmarks/data/mitigate_s68_cnn
P=${P:?the plan's conv_stop}
CUT=${CUT:?the plan's cut}
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
[ -e $D/zoo-2484 ] && { echo "error: $D/zoo-2484 exists: not fresh"; exit 2; }
echo "cut $CUT UTC: $(left) s from $(date -u +%T); conv_stop=$P"

zoo() {  # build zoo $1 and read it both ways; 0 where both processes ended whole
  local S=$1
  echo "build $S $(date -u +%T)"
  timeout -k 20 $(left) nice -n 5 $PY -m trojanscope zoo make --dataset mnist --clean 1 \
      --backdoored 5 --attacks badnets,blended,sig,wanet,sparse --archs cnn --seed $S \
      --out $D/zoo-$S -x process -j 2 > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  cp $D/build-$S.log $O/
  [ -f $D/zoo-$S/truth.json ] || { echo "zoo $S not whole at the cut"; return 1; }
  local ORDER=$(python3 $O/order.py $D/zoo-$S/truth.json)
  echo "order $ORDER"
  keep() { for F in today-$S.json stop-$S.json today-$S.log stop-$S.log; do
             [ -f $D/$F ] && cp $D/$F $O/; done; }
  timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s68_cnn_stop.py $D/zoo-$S \
      $D/today-$S.json "$ORDER" > $D/today-$S.log 2>&1 & local A=$!
  timeout -k 20 $(left) nice -n 5 $PY benchmarks/dev_s68_cnn_stop.py $D/zoo-$S \
      $D/stop-$S.json "$ORDER" conv_stop=$P > $D/stop-$S.log 2>&1 & local B=$!
  echo "$S: A $A B $B $(date -u +%T)"
  while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do keep; sleep 60; done
  wait $A; local RA=$?; wait $B; local RB=$?
  echo "$S: A rc $RA B rc $RB $(date -u +%T)"; keep
  [ $RA -eq 0 ] && [ $RB -eq 0 ]
}

zoo 2484
echo "all done rc $? $(date -u +%T)"
