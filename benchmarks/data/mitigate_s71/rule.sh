# Issue 12, stop 71 (h12): read plan.md's rule on the pairs fresh.sh wrote by the cut
# (fresh-2491.json, fresh-2492.json: every model whose pair is there), with the issue's own rule
# reader beside it for reference (pooled rows; mitigate_read_rule.py's (A) is "one more at the
# goal", not this plan's (A)), the goal by family, and the per-model table.
#   B=0.6 bash benchmarks/data/mitigate_s71/rule.sh > /tmp/h1271/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s71
B=${B:?the bar}
CAND="gated:sure=$B"
ARGS=""
for S in 2491 2492; do [ -f $O/fresh-$S.json ] && ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/mitigate_sure_s71_rule.py $ARGS --candidate "$CAND" --min-backdoored 6 \
    --time-ratio 1.1 --time-add 0.5
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/mitigate_read_rule.py $O/fresh-pooled.json --candidate "$CAND" --min-backdoored 6 \
    --time cpu --time-ratio 1.1 --time-floor 0 --time-add 0.5
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$CAND" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
