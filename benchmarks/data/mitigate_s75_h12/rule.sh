# Issue 12, stop 75 (h12): read rule.md's rule on the rows fresh.sh wrote (fresh-2511.json,
# fresh-2512.json), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s75_h12/rule.sh > benchmarks/data/mitigate_s75_h12/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s75_h12
ARGS="$O/fresh-2511.json:2511 $O/fresh-2512.json:2512"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "gated:aug_last=5" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "gated:aug_last=5" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
