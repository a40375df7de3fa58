#!/bin/bash
# Issue 9, stop 65 (h9): after the cuts — today's default on 9207 and 9606 (the stored
# probabilities), the fourth maker's 9600-9606 pooled under today's default, then the plan's
# rule: C2 (and C1, reported) re-scoring the same runs on 9207, 9606 and their union; every
# model's line in the .txt files.
#   bash benchmarks/data/outside_s65_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s65/run}
OUT=benchmarks/data/outside_s65_h9
A=()
for S in 9207 9606; do
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
         fourth_s64:9605; do
  P+=(--pool "benchmarks/data/${d%%:*}/detect${d##*:}_runs.jsonl.gz,benchmarks/data/${d%%:*}/zoo-${d##*:}_truth.json.gz")
done
[ -f "$OUT/detect9606_runs.jsonl.gz" ] && P+=(--pool "$OUT/detect9606_runs.jsonl.gz,$OUT/zoo-9606_truth.json.gz")
"$PY" benchmarks/outside_zoo_score.py "${P[@]}" --score --json "$OUT/pooled_9600_9606.json" \
    > "$OUT/pooled_9600_9606.txt" 2>&1
[ ${#A[@]} -eq 4 ] && A+=(--union)
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C2.json" "${A[@]}" \
    --json "$OUT/rule65_C2.json" > "$OUT/rule65_C2.txt" 2>&1
"$PY" benchmarks/outside_named_rule.py --candidate benchmarks/data/outside_s64_h9/cal_C1.json \
    "${A[@]}" --json "$OUT/rule65_C1.json" > "$OUT/rule65_C1.txt" 2>&1
gzip -f "$OUT/rule65_C2.json" "$OUT/rule65_C1.json"
