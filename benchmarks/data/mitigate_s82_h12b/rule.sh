# Issue 12, stop 82 (h12b): read rule.md's rule on the rows fresh.sh wrote (fresh-2529.json,
# fresh-2530.json): the floor, conditions (A)-(F), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s82_h12b/rule.sh > benchmarks/data/mitigate_s82_h12b/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s82_h12b
C="gated:teach_last=3"
ARGS="$O/fresh-2529.json:2529 $O/fresh-2530.json:2530"
$P - <<'PY'
import json
built = [m for s in (2529, 2530)
         for m in json.load(open(f"benchmarks/data/mitigate_s82_h12b/truth-{s}.json"))["models"]
         if m["attack"] in ("sig", "blended")
         and m["metrics"].get("attack_success_rate", 0) >= 0.5]
print(f"floor: SIG + blended MLPs built (builder's ASR >= 0.5): {len(built)}; at least 8: "
      f"{'met' if len(built) >= 8 else 'not met'}")
PY
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$C" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02 --rise-bar 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
