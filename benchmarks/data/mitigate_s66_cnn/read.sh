# Issue 12, stop 66 (h12c): read what fresh.sh wrote by the cut: the gate per model (gate.py),
# each zoo's rows pooled, the plan's rule (mitigate_read_rule.py: A-D; clause 5 from gate.py's
# "left unscored" line), per family, the per-model table, and ship_rule_mitigate.py for
# reference only.
#   bash benchmarks/data/mitigate_s66_cnn/read.sh > benchmarks/data/mitigate_s66_cnn/read.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s66_cnn
CAND="gated:conv_gate=0.8"
FILES=""; ROWS=""
for S in 2481 2482; do
  [ -f $O/fresh-$S.json ] || continue
  FILES="$FILES $O/fresh-$S.json:$S"; ROWS="$ROWS $O/rows-$S.json:$S"
done
echo "== the gate (clause 5: every model the detector passed scored)"
python3 $O/gate.py $FILES
$P benchmarks/pool_mitigate_rows.py $ROWS --out $O/fresh-pooled.json
echo "== the rule (A-D)"
$P benchmarks/mitigate_read_rule.py $O/fresh-pooled.json --candidate "$CAND" \
    --time cpu --time-ratio 1.1 --time-floor 0 --time-add 60
$P benchmarks/goal_by_family.py $O/fresh-pooled.json 2>/dev/null || echo "per family: no backdoored pair read"
$P benchmarks/data/mitigate_s62/table.py fresh "$CAND" $ROWS > $O/fresh-table.txt
cat $O/fresh-table.txt
echo "== for reference only"
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate "$CAND" --clean-loss 0.01 --fast 60 --strict
