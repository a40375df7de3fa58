# Issue 12, stop 74 (h12): read rule.md's rule on the rows fresh.sh wrote (fresh-2505.json,
# fresh-2506.json), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s74_h12/rule.sh > benchmarks/data/mitigate_s74_h12/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s74_h12
R=${R:-0.1}
ARGS="$O/fresh-2505.json:2505 $O/fresh-2506.json:2506"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "gated:mixed_held=$R" \
    --min-backdoored 18 --time-ratio 1.5 --time-add 0
$P benchmarks/mitigate_held_s74_notes.py $ARGS
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "gated:mixed_held=$R" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
