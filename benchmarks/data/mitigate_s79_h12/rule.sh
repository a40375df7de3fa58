# Issue 12, stop 79 (h12): read rule.md's rule on the rows fresh.sh wrote (fresh-2523.json,
# fresh-2524.json): the floor, conditions (A)-(F), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s79_h12/rule.sh > benchmarks/data/mitigate_s79_h12/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s79_h12
C="gated:hand_dark=1"
ARGS="$O/fresh-2523.json:2523 $O/fresh-2524.json:2524"
$P - <<'PY'
import json
built = [m for s in (2523, 2524)
         for m in json.load(open(f"benchmarks/data/mitigate_s79_h12/truth-{s}.json"))["models"]
         if m["attack"] == "sparse" and m["trigger"].get("value") == "black"
         and m["metrics"].get("attack_success_rate", 0) >= 0.5]
print(f"floor: black masks built (builder's ASR >= 0.5): {len(built)}; at least 8: "
      f"{'met' if len(built) >= 8 else 'not met'}")
PY
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$C" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02 --rise-bar 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
