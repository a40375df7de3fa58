# Issue 12, stop 73 (h12a): read stop_s73_h12a_rule.md's two rules on the rows fresh.sh wrote by
# the cut (fresh-2499.json, fresh-2500.json: every model whose rows are there), the goal by
# family and the per-model tables.
#   bash benchmarks/data/mitigate_s73_h12a/rule.sh > benchmarks/data/mitigate_s73_h12a/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s73_h12a
STOP=${STOP:-0.005}
COST=${COST:-0.025}
ARGS=""
for S in 2499 2500; do [ -f $O/fresh-$S.json ] && ARGS="$ARGS $O/fresh-$S.json:$S"; done
echo "== rule 1: gated:round_stop=$STOP"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "gated:round_stop=$STOP" \
    --min-backdoored 18 --time-ratio 1.1 --time-add 0.2
echo "== rule 2: gated:project_cost=$COST"
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "gated:project_cost=$COST" \
    --min-backdoored 12 --time-ratio 1.1 --time-add 0.2
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
for C in "gated:round_stop=$STOP" "gated:project_cost=$COST"; do
  $P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS
done > $O/fresh-table.txt
cat $O/fresh-table.txt
