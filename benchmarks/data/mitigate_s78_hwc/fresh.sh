# Issue 12, stop 78 (hwc): score today's `gated` and `gated` with read_least=200 on the fresh
# user runs 264-275 (built before the rule by build-fresh.sh, nothing read), two scoring
# processes at a time (three CNNs in each), each run's rows written as soon as it is scored;
# then the rule. Run from the worktree root, from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s78_hwc/fresh.sh > /tmp/hwc78/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
F=/tmp/hwc78/fresh
O=benchmarks/data/mitigate_s78_hwc
git log -1 --format='commit %h %cI'
git status --short
runs() { for S in "$@"; do for R in a b; do echo "$S$R=$F/s$S/runs/$R@$F/s$S/clean.npz"; done; done; }
one() {
  K=$1; shift
  echo "score $K $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $K: %e s wall %U user %S sys" \
      $P benchmarks/mitigate_class_s78_hwc_score.py $F/fresh-$K.jsonl $F/out-$K $(runs "$@") \
      --variant today= --variant read200=read_least=200 --no-export > $F/score-$K.log 2>&1
  echo "scored $K rc $? $(date -u +%T)"
}
one 1 264 266 268 270 272 274 &
one 2 265 267 269 271 273 275 &
wait
cat $F/fresh-1.jsonl $F/fresh-2.jsonl > $O/fresh.jsonl
cp $F/score-1.log $F/score-2.log $O/
$P benchmarks/mitigate_class_s78_hwc_rule.py $O/fresh.jsonl > $O/rule.log 2>&1
echo "all done $(date -u +%T)"
