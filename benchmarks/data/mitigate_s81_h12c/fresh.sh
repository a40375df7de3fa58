#!/usr/bin/env bash
# Issue 12, stop 81 (h12c): score today's `gated` on the fresh user runs 392-403 (built before
# the rule by build-fresh.sh, nothing read), two scoring processes at a time, then `gated` with
# fit_back=0.86 (the candidate) on the runs it can reach (mitigate_back_s80_hwc_fill.py: MLPs
# rated below the gate that dense_mask / mask_black did not take; every other run's candidate
# row is today's, fit_back reads nothing there), then the rule. Run from the worktree root,
# from the commit that adds rule.md:
#   bash benchmarks/data/mitigate_s81_h12c/fresh.sh > /tmp/h12c81/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
F=/tmp/h12c81/fresh
O=benchmarks/data/mitigate_s81_h12c
S=benchmarks/mitigate_class_s78_hwc_score.py
CAND=fit_back=0.86
git log -1 --format='commit %h %cI'
git status --short
runs() { for S in "$@"; do for R in a b; do echo "$S$R=$F/s$S/runs/$R@$F/s$S/clean.npz"; done; done; }
one() {
  K=$1; V=$2; shift 2
  echo "score $K $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "score $K: %e s wall %U user %S sys" \
      $P $S $F/fresh-$K.jsonl $F/out-$K "$@" --variant $V --no-export > $F/score-$K.log 2>&1
  echo "scored $K rc $? $(date -u +%T)"
}
rm -f $F/fresh-*.jsonl
one t1 today= $(runs 392 394 396 398 400 402) &
one t2 today= $(runs 393 395 397 399 401 403) &
wait
cat $F/fresh-t1.jsonl $F/fresh-t2.jsonl > $F/today.jsonl
mapfile -t C < <($P benchmarks/mitigate_back_s80_hwc_fill.py runs $F/today.jsonl $F)
echo "candidate runs: ${C[*]}"
H=$(( (${#C[@]} + 1) / 2 ))
[ $H -gt 0 ] && one c1 fb=$CAND "${C[@]:0:$H}" &
[ ${#C[@]} -gt $H ] && one c2 fb=$CAND "${C[@]:$H}" &
wait
$P benchmarks/mitigate_back_s80_hwc_fill.py fill $F/today.jsonl $F --label fb > $F/filled.jsonl
cat $F/today.jsonl $F/fresh-c*.jsonl $F/filled.jsonl > $O/fresh.jsonl
cp $F/score-*.log $O/
$P benchmarks/mitigate_fit_s81_h12c_rule.py $O/fresh.jsonl > $O/rule.log 2>&1
echo "all done $(date -u +%T)"
