#!/bin/bash
# Issue 9, stop 70 (h9): after the cuts — today's default (C5) on 9212 and 9611 (the stored
# probabilities), the plan's rule (C6 against today's C5, every report read as its run read it)
# on 9212, 9611 and their union, and the fourth maker's 9600-9611 pooled: the stored
# probabilities (each seed's default when it was read), every stored report read as its run
# read it and re-scored by today's shipped file, and by C6. Every model's line in the .txt files.
#   bash benchmarks/data/outside_s70_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s70/run}
D=benchmarks/data; OUT=$D/outside_s70_h9
A=()
for S in 9212 9611; do
  [ -s "$RUN/detect$S.jsonl" ] || continue
  gzip -c "$RUN/detect$S.jsonl" > "$OUT/detect${S}_runs.jsonl.gz"
  gzip -c "$RUN/zoo-$S/truth.json" > "$OUT/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$OUT/"; done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" --score \
      --per-model --json "$OUT/detect${S}_score.json" > "$OUT/detect${S}_score.txt"
  A+=(--rows "$S=$OUT/detect${S}_runs.jsonl.gz,$OUT/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$OUT/" 2>/dev/null
[ ${#A[@]} -eq 4 ] && A+=(--union)
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C6.json" "${A[@]}" \
    --json "$OUT/rule70_C6.json" > "$OUT/rule70_C6.txt" 2>&1
gzip -f "$OUT/rule70_C6.json"
P=(); R=()
for d in fourth_s59:9600 fourth_s60:9601 fourth_s61:9602 fourth_s62:9603 fourth_s63:9604 \
         fourth_s64:9605 outside_s65_h9:9606 outside_s66_h9:9607 outside_s67_h9:9608 \
         outside_s68_h9:9609 outside_s69_h9:9610 outside_s70_h9:9611; do
  f=$D/${d%%:*}/detect${d##*:}_runs.jsonl.gz; t=$D/${d%%:*}/zoo-${d##*:}_truth.json.gz
  [ -f "$f" ] || continue
  P+=(--pool "$f,$t"); R+=(--rows "${d##*:}=$f,$t")
done
"$PY" benchmarks/outside_zoo_score.py "${P[@]}" --score --json "$OUT/pooled_9600_9611.json" \
    > "$OUT/pooled_9600_9611.txt" 2>&1
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C6.json" "${R[@]}" --union \
    --json "$OUT/pooled_9600_9611_C6.json" > "$OUT/pooled_9600_9611_C6.txt" 2>&1
gzip -f "$OUT/pooled_9600_9611_C6.json"
