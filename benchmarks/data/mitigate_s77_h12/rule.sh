# Issue 12, stop 77 (h12): read rule.md's rule on the rows fresh.sh wrote (fresh-2519.json,
# fresh-2520.json), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s77_h12/rule.sh > benchmarks/data/mitigate_s77_h12/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s77_h12
C="gated:aug_last=16,aug_mean=4"
ARGS="$O/fresh-2519.json:2519 $O/fresh-2520.json:2520"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$C" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02 --rise-bar 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
