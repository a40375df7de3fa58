# Issue 12, stop 72 (h12a): read plan.md's rule on the pairs fresh.sh wrote by the cut
# (fresh-2495.json, fresh-2496.json: every model whose pair is there), the goal by family and
# the per-model table.
#   BAR=0.025 bash benchmarks/data/mitigate_s72/rule.sh > benchmarks/data/mitigate_s72/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s72
BAR=${BAR:-0.025}
CAND="gated:project_cost=$BAR"
ARGS=""
for S in 2495 2496; do [ -f $O/fresh-$S.json ] && ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$CAND" --min-backdoored 12 \
    --time-ratio 1.1 --time-add 0.2
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$CAND" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
