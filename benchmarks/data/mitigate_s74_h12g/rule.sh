# Issue 12, stop 74 (h12g): read rule.md's rule on the rows fresh.sh wrote (fresh-2509.json,
# fresh-2510.json), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s74_h12g/rule.sh > benchmarks/data/mitigate_s74_h12g/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s74_h12g
ARGS="$O/fresh-2509.json:2509 $O/fresh-2510.json:2510"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "gated:project_next=2" \
    --min-backdoored 18 --time-ratio 1.5 --time-add 0
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "gated:project_next=2" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
