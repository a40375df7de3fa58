# Issue 12, stop 74 (h12g): score today's `gated` and `gated:project_next=2` on fresh zoos 2509
# and 2510 (stop 70's edge recipe, the SIG share raised; built before the rule's commit by
# build-fresh.sh, nothing read). One scoring process per zoo (two heavy processes at a time);
# each model's rows written as soon as it is scored.
# Run from the worktree root, from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s74_h12g/fresh.sh > /tmp/h12g74/fresh.log 2>&1
#   (as run: ZOOS=2509 ... > /tmp/h12g74/fresh-2509.log, then ZOOS=2510 ... > fresh-2510.log)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12g74/fresh
O=benchmarks/data/mitigate_s74_h12g
git log -1 --format='commit %h %cI'
git status --short
one() {
  S=$1
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_next_s74_check.py $D/zoo-$S $D/fresh-$S.json 2 > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
# ZOOS: the zoos this call scores (default both at once; the rule's run started 2509 while the
# last development process ran, then 2510, so never more than two heavy processes)
ZOOS=${ZOOS:-2509 2510}
for S in $ZOOS; do one $S & done
wait
for S in $ZOOS; do
  cp $D/fresh-$S.json $D/score-$S.log $O/ 2>/dev/null
  cp $D/zoo-$S/truth.json $O/truth-$S.json
done
echo "all done $(date -u +%T)"
