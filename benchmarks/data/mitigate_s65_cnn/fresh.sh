# Issue 12, stop 65 (h12c): build fresh CNN zoo 2480, then 2481 (stop 64's recipe with
# --archs cnn: 3 clean and 10 backdoored MNIST CNNs each, badnets/blended/sig/wanet/sparse) and
# read today's default (`teach_last=5`) and the output its step starts from (`teach_last=0`)
# from one run per model (benchmarks/check_teach_last.py). TWO heavy processes at a time (this
# task's limit): each build runs two workers (-x process -j 2); each zoo is scored in two halves
# side by side (one model of each family per half), a model's pair of rows written as soon as it
# is scored, so the cut leaves every finished pair. After both zoos, if time remains,
# check_s65_cnn_off.py runs `teach_last=0` on its own on 2480's halves. Run from the worktree:
#   CUT="2026-12-06 01:10" bash benchmarks/data/mitigate_s65_cnn/fresh.sh > /tmp/h12c/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12c
O=benchmarks/data/mitigate_s65_cnn
CUT=${CUT:-2026-12-06 01:10}
HALF_A=badnets-000,clean-000,blended-001,sig-002,wanet-003,sparse-004,clean-002
HALF_B=clean-001,badnets-005,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
git status --short
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
[ "$(left)" -gt 0 ] || { echo "error: the cut $CUT is past"; exit 2; }
echo "cut $CUT UTC: $(left) s from $(date -u +%T)"
keep() { for F in "$@"; do [ -f $D/$F ] && cp $D/$F $O/; done; }
side() {  # two commands side by side under the cut, the rows copied out every minute
  timeout $(left) bash -c "$1" & local a=$!
  timeout $(left) bash -c "$2" & local b=$!
  while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do keep $3; sleep 60; done
  wait $a; echo "rc $? $(date -u +%T)"; wait $b; echo "rc $? $(date -u +%T)"; keep $3
}
for S in 2480 2481; do
  [ "$(left)" -gt 300 ] || { echo "no time left for $S $(date -u +%T)"; break; }
  echo "build $S $(date -u +%T)"
  timeout $(left) nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 3 --backdoored 10 \
      --attacks badnets,blended,sig,wanet,sparse --archs cnn --seed $S --out $D/zoo-$S \
      -x process -j 2 > $D/build-$S.log 2>&1
  echo "built $S rc $? $(date -u +%T)"; keep build-$S.log
  [ -f $D/zoo-$S/truth.json ] || { echo "zoo $S not whole at the cut"; break; }
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S-a $HALF_A
  python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-$S $D/order-$S-b $HALF_B
  echo "score $S $(date -u +%T)"
  side "nice -n 5 $P benchmarks/check_teach_last.py $D/order-$S-a $D/fresh-$S-a.json 5 > $D/score-$S-a.log 2>&1" \
       "nice -n 5 $P benchmarks/check_teach_last.py $D/order-$S-b $D/fresh-$S-b.json 5 > $D/score-$S-b.log 2>&1" \
       "fresh-$S-a.json fresh-$S-b.json score-$S-a.log score-$S-b.log"
  echo "scored $S $(date -u +%T)"
done
if [ -f $D/zoo-2481/truth.json ] && [ "$(left)" -gt 300 ]; then
  echo "off 2480 $(date -u +%T)"
  side "nice -n 5 $P benchmarks/check_s65_cnn_off.py $D/order-2480-a $D/off-2480-a.json > $D/off-2480-a.log 2>&1" \
       "nice -n 5 $P benchmarks/check_s65_cnn_off.py $D/order-2480-b $D/off-2480-b.json > $D/off-2480-b.log 2>&1" \
       "off-2480-a.json off-2480-b.json off-2480-a.log off-2480-b.log"
fi
echo "all done $(date -u +%T)"
