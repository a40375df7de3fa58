#!/bin/bash
# Issue 9, stop 66 (h9): after the cuts — today's default on 9208 and 9607 (the stored
# probabilities), the fourth maker's 9600-9607 pooled under today's default, then the plan's
# rule: C2a (and stop 65's C2, stop 64's C1, reported) re-scoring the same runs on 9208, 9607
# and their union; every model's line in the .txt files.
#   bash benchmarks/data/outside_s66_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s66/run}
D=benchmarks/data; OUT=$D/outside_s66_h9
A=()
for S in 9208 9607; do
  [ -s "$RUN/detect$S.jsonl" ] || continue
  gzip -c "$RUN/detect$S.jsonl" > "$OUT/detect${S}_runs.jsonl.gz"
  gzip -c "$RUN/zoo-$S/truth.json" > "$OUT/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log score$S-reverse.log; do
    [ -f "$RUN/$f" ] && cp "$RUN/$f" "$OUT/"
  done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" --score \
      --per-model --json "$OUT/detect${S}_score.json" > "$OUT/detect${S}_score.txt"
  A+=(--rows "$S=$OUT/detect${S}_runs.jsonl.gz,$OUT/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$OUT/" 2>/dev/null
P=()
for d in fourth_s59:9600 fourth_s60:9601 fourth_s61:9602 fourth_s62:9603 fourth_s63:9604 \
         fourth_s64:9605 outside_s65_h9:9606; do
  P+=(--pool "$D/${d%%:*}/detect${d##*:}_runs.jsonl.gz,$D/${d%%:*}/zoo-${d##*:}_truth.json.gz")
done
[ -f "$OUT/detect9607_runs.jsonl.gz" ] && P+=(--pool "$OUT/detect9607_runs.jsonl.gz,$OUT/zoo-9607_truth.json.gz")
"$PY" benchmarks/outside_zoo_score.py "${P[@]}" --score --json "$OUT/pooled_9600_9607.json" \
    > "$OUT/pooled_9600_9607.txt" 2>&1
[ ${#A[@]} -eq 4 ] && A+=(--union)
for c in "C2a:$OUT/cal_C2a.json" "C2:$D/outside_s65_h9/cal_C2.json" "C1:$D/outside_s64_h9/cal_C1.json"; do
  "$PY" benchmarks/outside_named_rule.py --candidate "${c#*:}" "${A[@]}" \
      --json "$OUT/rule66_${c%%:*}.json" > "$OUT/rule66_${c%%:*}.txt" 2>&1
  gzip -f "$OUT/rule66_${c%%:*}.json"
done
