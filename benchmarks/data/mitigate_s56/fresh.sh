# Issue 12, stop 56 (h12): build fresh zoos 2453 and 2454 (zoo-2441..2452's recipe,
# mitigate_s55/fresh.sh) and score today's default `gated` and the candidate
# `gated:held_pick=0.2` on each (benchmarks/check_held_pick.py: two runs per treated model, the
# detector's verdict shared). The two zoos run side by side (one process each: at load 12-15 on
# two cores one process alone would not score both by the cut); every model's pair of rows is
# written as soon as it is scored, and each zoo's file is copied here every minute and at the
# end, so the cut (plan.md: 21:45 UTC) leaves every finished pair.
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s56/fresh.sh > /tmp/h12s56/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s56
O=benchmarks/data/mitigate_s56
CUT=${CUT:-21:45}
git log -1 --format='commit %h %cI'
git status --short
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
one() {
  S=$1
  echo "build $S $(date -u +%T)"
  nice -n 5 $P -m trojanscope zoo make --dataset mnist \
      --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial > $D/build-$S.log 2>&1
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_held_pick.py $D/zoo-$S $D/fresh-$S.json 0.2 > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D; one 2453" ) &
A=$!
( timeout $LEFT bash -c "$(declare -f one); P=$P D=$D; one 2454" ) &
B=$!
while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do
  for S in 2453 2454; do [ -f $D/fresh-$S.json ] && cp $D/fresh-$S.json $O/; done
  sleep 60
done
for S in 2453 2454; do [ -f $D/fresh-$S.json ] && cp $D/fresh-$S.json $O/; cp $D/score-$S.log $O/ 2>/dev/null; done
echo "all done $(date -u +%T)"
