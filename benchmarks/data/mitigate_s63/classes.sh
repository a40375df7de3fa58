# Issue 12, stop 63 (h12), after the rule: dev_classes.py on the backdoored MLPs of zoos 2467 and
# 2468 (spent by this stop's rule; on disk at /tmp/h12), the fresh ASR misses first, one process
# per zoo (the second started when the CLI check of docs/mitigation.md had finished), cut at
# $CUT. Run from the worktree root:
#   CUT=19:52 bash benchmarks/data/mitigate_s63/classes.sh 2467 > /tmp/h12/classes-2467.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
Z=/tmp/h12
O=benchmarks/data/mitigate_s63
S=$1
CUT=${CUT:-19:52}
case $S in
  2467) N="blended-001 badnets-005 blended-006 badnets-000 sparse-004 sparse-009 wanet-003 wanet-008 sig-007 sig-002";;
  2468) N="blended-001 blended-006 badnets-005 badnets-000 sparse-004 sparse-009 wanet-003 wanet-008 sig-002 sig-007";;
esac
git log -1 --format='commit %h %cI'
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
nice -n 5 timeout $LEFT $P $O/dev_classes.py $Z/classes-$S.jsonl $(for M in $N; do echo $Z/zoo-$S/$M; done)
echo "rc $? $(date -u +%T)"
cp $Z/classes-$S.jsonl $O/
