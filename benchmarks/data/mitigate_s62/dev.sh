# Issue 12, stop 62 (h12): development rows for `gated:trigger_last=5` (bar 0) and the two other
# last steps of dev_trigger.py on the 40 backdoored models of zoos 2461-2464 (spent seeds; on disk
# at /tmp/h12s60 and /tmp/h12s61, read-only). The clean models are not re-run: the step runs only
# where free_reach's step read a model the run changed, and stops 60/61 returned all 12 unchanged.
# The ASR misses of today's rows first, then the others family by family, zoo by zoo in turn
# (restarted at 15:32 with the SIG models moved forward: on the first 11 rows the reversed
# trigger still turned the output only on the SIG models, so a gate on it acts there), the WaNet
# models last (47 of 50 at the goal pooled, the least likely to move); a model already
# in dev.jsonl is skipped, so a restart goes on where the last run stopped. ONE heavy process
# (this stop's limit). Run from the worktree root:
#   CUT=16:08 bash benchmarks/data/mitigate_s62/dev.sh > /tmp/h12s62/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s62
Z1=/tmp/h12s60; Z2=/tmp/h12s61
CUT=${CUT:-16:08}
git log -1 --format='commit %h %cI'
MISS="$Z1/zoo-2461/sig-007 $Z1/zoo-2462/sig-002 $Z1/zoo-2462/badnets-000 $Z2/zoo-2463/badnets-005 $Z2/zoo-2464/sparse-009"
REST=""
for N in badnets-000 blended-001 sig-002 sig-007 sparse-004 badnets-005 blended-006 sparse-009 wanet-003 wanet-008; do
  for Z in $Z1/zoo-2461 $Z1/zoo-2462 $Z2/zoo-2463 $Z2/zoo-2464; do
    case " $MISS " in *" $Z/$N "*) ;; *) REST="$REST $Z/$N";; esac
  done
done
TODO=""
for M in $MISS $REST; do
  K="${M#*/zoo-}"
  grep -q "\"model\": \"$K\"" /tmp/h12s62/dev.jsonl 2>/dev/null || TODO="$TODO $M"
done
LEFT=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
echo "cut $CUT UTC: $LEFT s from $(date -u +%T)"
nice -n 5 timeout $LEFT $P $O/dev_trigger.py /tmp/h12s62/dev.jsonl $TODO
echo "rc $? $(date -u +%T)"
cp /tmp/h12s62/dev.jsonl $O/dev.jsonl
