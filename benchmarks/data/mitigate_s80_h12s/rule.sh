# Issue 12, stop 80 (h12s): read rule.md's rule on the rows fresh.sh wrote (fresh-2525.json,
# fresh-2526.json): the floor, conditions (A)-(F), the goal by family and the per-model table.
#   bash benchmarks/data/mitigate_s80_h12s/rule.sh > benchmarks/data/mitigate_s80_h12s/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s80_h12s
C="gated:reproject_last=1"
ARGS="$O/fresh-2525.json:2525 $O/fresh-2526.json:2526"
$P - <<'PY'
import json
built = [m for s in (2525, 2526)
         for m in json.load(open(f"benchmarks/data/mitigate_s80_h12s/truth-{s}.json"))["models"]
         if m["attack"] == "sig" and m["metrics"].get("attack_success_rate", 0) >= 0.5]
print(f"floor: SIG MLPs built (builder's ASR >= 0.5): {len(built)}; at least 8: "
      f"{'met' if len(built) >= 8 else 'not met'}")
PY
$P benchmarks/mitigate_cost_s72_rule.py $ARGS --candidate "$C" \
    --min-backdoored 24 --time-ratio 1.5 --time-add 0 --cross 0.02 --rise-bar 0.02
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$C" $ARGS > $O/fresh-table.txt
cat $O/fresh-table.txt
