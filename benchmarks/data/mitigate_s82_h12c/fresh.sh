#!/usr/bin/env bash
# Issue 12, stop 82 (h12c): read today's `gated` once on the fresh user runs 422-433 (built
# before rule.md by build-fresh.sh, nothing read); no candidate (rule.md says why). Two scoring
# processes (even seeds, odd seeds), each run's row written as soon as it is scored, then the
# read. Run from the worktree root, from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s82_h12c/fresh.sh > /tmp/h12c82/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
F=/tmp/h12c82/fresh
O=benchmarks/data/mitigate_s82_h12c
S=benchmarks/mitigate_class_s78_hwc_score.py
git log -1 --format='commit %h %cI'
git status --short
runs() { for S in "$@"; do for R in a b; do echo "$S$R=$F/s$S/runs/$R@$F/s$S/clean.npz"; done; done; }
one() {
  K=$1; shift
  echo "score $K $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $K: %e s wall %U user %S sys" \
      $P $S $F/fresh-$K.jsonl $F/out-$K "$@" --variant today= --no-export > $F/score-$K.log 2>&1
  echo "scored $K rc $? $(date -u +%T)"
}
rm -f $F/fresh-*.jsonl
one t1 $(runs 422 424 426 428 430 432) &
one t2 $(runs 423 425 427 429 431 433) &
wait
cat $F/fresh-t1.jsonl $F/fresh-t2.jsonl > $O/fresh.jsonl
cp $F/score-*.log $O/
$P benchmarks/mitigate_today_s82_h12c_read.py $O/fresh.jsonl > $O/read.log 2>&1
echo "all done $(date -u +%T)"
