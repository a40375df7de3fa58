# Issue 12, stop 65 (h12c): read what fresh.sh wrote by the cut (every model both of whose rows
# are there): each zoo's halves merged (fresh-S.json), pooled; `teach_last=5` (today's default)
# against `teach_last=0` (the `gated` rows: the output its step starts from), rule-free: the
# per-model table, at-goal counts, gained/lost, clean kept, per family, median wall and CPU
# time against stop 64's MLPs (same script); stop 64's rule's form and ship_rule_mitigate.py
# printed for reference only; the step's notes; the separate teach_last=0 run where it exists.
#   bash benchmarks/data/mitigate_s65_cnn/read.sh > benchmarks/data/mitigate_s65_cnn/read.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s65_cnn
CAND="gated:teach_last=5"
ARGS=""; TABLE=""
for S in 2480 2481; do
  ls $O/fresh-$S-?.json > /dev/null 2>&1 || continue
  python3 $O/merge.py $O/fresh-$S.json $O/fresh-$S-a.json $O/fresh-$S-b.json
  ARGS="$ARGS $O/fresh-$S.json:$S"; TABLE="$TABLE $O/fresh-$S.json:$S"
done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
echo "== for reference (today = the gated rows = teach_last=0; candidate = today's default)"
$P benchmarks/mitigate_read_rule.py $O/fresh-pooled.json --candidate "$CAND" --min-backdoored 6 \
    --time cpu --time-ratio 1.1 --time-floor 0 --time-add 0.5
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate "$CAND" --clean-loss 0.01 --fast 60 --strict
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/data/mitigate_s62/table.py fresh "$CAND" $TABLE > $O/fresh-table.txt
cat $O/fresh-table.txt
python3 benchmarks/data/mitigate_s64/notes.py $TABLE > $O/notes.txt
cat $O/notes.txt
echo "== stop 64's MLPs (2469/2470), same script"
S64=benchmarks/data/mitigate_s64
$P benchmarks/data/mitigate_s62/table.py fresh "$CAND" $S64/fresh-2469.json:2469 \
    $S64/fresh-2470.json:2470 | tail -4
if ls $O/off-2480-?.json > /dev/null 2>&1; then
  echo "== teach_last=0 run on its own (2480)"
  python3 $O/merge.py $O/off-2480.json $O/off-2480-a.json $O/off-2480-b.json
  python3 $O/same.py $O/fresh-2480.json $O/off-2480.json
fi
