# Issue 12, stop 66 (h12c): build fresh CNN zoos 2481 and 2482 (stop 65's CNN recipe with one
# model per family: 1 clean and 5 backdoored MNIST CNNs each, badnets/blended/sig/wanet/sparse,
# 8 epochs) and read today's default and `gated:conv_gate=R` from one run per model
# (benchmarks/check_s66_cnn.py). TWO heavy processes at a time (this task's limit): one per zoo,
# each builds its zoo serially and then scores it in the order sig, wanet, clean, badnets,
# blended, sparse (the families the detector has passed on CNNs first: the rows the rule turns
# on), a model's pair of rows written as soon as it is scored, so the cut leaves every finished
# pair. Run from the worktree (plan.md):
#   CUT="2026-12-06 03:50" bash benchmarks/data/mitigate_s66_cnn/fresh.sh > /tmp/h12c/s66/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12c/s66
O=benchmarks/data/mitigate_s66_cnn
R=${R:-0.8}
CUT=${CUT:-2026-12-06 03:50}
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
echo "cut $CUT UTC: $(left) s from $(date -u +%T); conv_gate=$R"
one() {  # build zoo $1, then score it, both under the cut
  local S=$1
  echo "build $S $(date -u +%T)"
  timeout $(left) nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 1 --backdoored 5 \
      --attacks badnets,blended,sig,wanet,sparse --archs cnn --seed $S --out $D/zoo-$S \
      -x serial > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"
  [ -f $D/zoo-$S/truth.json ] || { echo "zoo $S not whole at the cut"; return; }
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S \
      "$(python3 $O/order.py $D/zoo-$S/truth.json)"
  echo "score $S $(date -u +%T)"
  timeout $(left) nice -n 5 $P benchmarks/check_s66_cnn.py $D/order-$S $D/fresh-$S.json $R \
      > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
keep() { for F in build-2481.log build-2482.log fresh-2481.json fresh-2482.json score-2481.log \
                  score-2482.log; do [ -f $D/$F ] && cp $D/$F $O/; done; }
one 2481 & A=$!
one 2482 & B=$!
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do keep; sleep 60; done
wait $A; wait $B; keep
echo "all done $(date -u +%T)"
