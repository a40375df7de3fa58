# Issue 12, stop 79 (hwc): score today's `gated` on the fresh user runs 332-343 (built before
# the rule by build-fresh.sh, nothing read), two scoring processes at a time, then `gated` with
# dense_gate=0 on the runs today handed back on the detector's p (mitigate_gate_s79_hwc_fill.py
# says why the others' rows are today's), then the rule. Run from the worktree root, from the
# commit that adds rule.md:
#   bash benchmarks/data/mitigate_s79_hwc/fresh.sh > /tmp/hwc79/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
F=/tmp/hwc79/fresh
O=benchmarks/data/mitigate_s79_hwc
S=benchmarks/mitigate_class_s78_hwc_score.py
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
one t1 today= $(runs 332 334 336 338 340 342) &
one t2 today= $(runs 333 335 337 339 341 343) &
wait
cat $F/fresh-t1.jsonl $F/fresh-t2.jsonl > $F/today.jsonl
mapfile -t C < <($P benchmarks/mitigate_gate_s79_hwc_fill.py runs $F/today.jsonl $F)
echo "candidate runs: ${C[*]}"
H=$(( (${#C[@]} + 1) / 2 ))
[ $H -gt 0 ] && one c1 dg0=dense_gate=0 "${C[@]:0:$H}" &
[ ${#C[@]} -gt $H ] && one c2 dg0=dense_gate=0 "${C[@]:$H}" &
wait
$P benchmarks/mitigate_gate_s79_hwc_fill.py fill $F/today.jsonl $F > $F/filled.jsonl
cat $F/today.jsonl $F/fresh-c*.jsonl $F/filled.jsonl > $O/fresh.jsonl
cp $F/score-*.log $O/
$P benchmarks/mitigate_gate_s79_hwc_rule.py $O/fresh.jsonl > $O/rule.log 2>&1
echo "all done $(date -u +%T)"
