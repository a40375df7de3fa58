#!/usr/bin/env bash
# lead, stop 82: the merged default (teach_last 3 from h12b) on h12c's spent user runs 422-433
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
cd /work/main
P=/work/main/.venv/bin/python
F=/tmp/h12c82/fresh
O=/tmp/lead82
S=benchmarks/mitigate_class_s78_hwc_score.py
git log -1 --format='commit %h %cI'
runs() { for S in "$@"; do for R in a b; do echo "$S$R=$F/s$S/runs/$R@$F/s$S/clean.npz"; done; done; }
one() {
  K=$1; shift
  echo "score $K $(date -u +%T)"
  nice -n 5 $P $S $O/merged-$K.jsonl $O/out-$K "$@" --variant today= --no-export > $O/score-$K.log 2>&1
  echo "scored $K rc $? $(date -u +%T)"
}
rm -f $O/merged-*.jsonl
one t1 $(runs 422 424 426 428 430 432) &
one t2 $(runs 423 425 427 429 431 433) &
wait
cat $O/merged-t1.jsonl $O/merged-t2.jsonl > $O/merged.jsonl
$P benchmarks/mitigate_today_s82_h12c_read.py $O/merged.jsonl > $O/merged-read.log 2>&1
echo "all done $(date -u +%T)"
