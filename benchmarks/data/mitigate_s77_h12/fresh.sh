# Issue 12, stop 77 (h12): score today's `gated` and `gated:aug_last=16,aug_mean=4` on fresh
# zoos 2519 and 2520 (stop 70's edge recipe, BadNets and SIG shares raised; built before the
# rule's commit by build-fresh.sh, nothing read). One scoring process per zoo (two heavy processes at a time);
# each model's rows written as soon as it is scored.
# Run from the worktree root, from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s77_h12/fresh.sh > /tmp/h1277/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h1277/fresh
O=benchmarks/data/mitigate_s77_h12
git log -1 --format='commit %h %cI'
git status --short
one() {
  S=$1
  echo "score $S $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $S: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_aug_s77_check.py $D/zoo-$S $D/fresh-$S.json 16 > $D/score-$S.log 2>&1
  echo "scored $S rc $? $(date -u +%T)"
}
ZOOS=${ZOOS:-2519 2520}
for S in $ZOOS; do one $S & done
wait
for S in $ZOOS; do
  cp $D/fresh-$S.json $D/score-$S.log $O/ 2>/dev/null
  cp $D/zoo-$S/truth.json $O/truth-$S.json
done
echo "all done $(date -u +%T)"
