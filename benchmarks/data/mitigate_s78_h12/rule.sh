# Issue 12, stop 78 (h12): read rule.md's rule on the rows fresh.sh wrote (fresh-2521.json,
# fresh-2522.json), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s78_h12/rule.sh > benchmarks/data/mitigate_s78_h12/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s78_h12
C="gated:aug_class=${BAR:-0.1}"
ARGS="$O/fresh-2521.json:2521 $O/fresh-2522.json:2522"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$C" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02 --rise-bar 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
