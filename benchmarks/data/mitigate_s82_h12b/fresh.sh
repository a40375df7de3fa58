# Issue 12, stop 82 (h12b): score today's `gated` and `gated:teach_last=3` on fresh zoos 2529
# and 2530 (built before the rule's commit by build-fresh.sh, nothing read). One scoring process
# per zoo (two heavy processes at a time); each model's rows written as soon as it is scored.
# Run from the worktree root, from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s82_h12b/fresh.sh > /tmp/h12b82/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12b82/fresh
O=benchmarks/data/mitigate_s82_h12b
git log -1 --format='commit %h %cI'
git status --short
one() {
  S=$1
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_teach_s82_check.py $D/zoo-$S $D/fresh-$S.json 3 > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
for S in 2529 2530; do one $S & done
wait
for S in 2529 2530; do
  cp $D/fresh-$S.json $D/score-$S.log $O/
  cp $D/zoo-$S/truth.json $O/truth-$S.json
done
echo "all done $(date -u +%T)"
