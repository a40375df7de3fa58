#!/bin/bash
# Issue 9, stop 67 (h9): after the cuts — today's default (C2a) on 9209 and 9608 (the stored
# probabilities), the plan's rule (C3 against today's C2a re-scoring the same runs; stop 65's
# C2 beside it, reported) on 9209, 9608 and their union, and the fourth maker's 9600-9608
# pooled: the stored probabilities (each seed's default when it was read) and every stored
# report re-scored by today's shipped file. Every model's line in the .txt files.
#   bash benchmarks/data/outside_s67_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s67/run}
D=benchmarks/data; OUT=$D/outside_s67_h9
A=()
for S in 9209 9608; do
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
for c in "C3:$OUT/cal_C3.json" "C2:$D/outside_s65_h9/cal_C2.json"; do
  "$PY" benchmarks/outside_named_rule.py --candidate "${c#*:}" "${A[@]}" \
      --json "$OUT/rule67_${c%%:*}.json" > "$OUT/rule67_${c%%:*}.txt" 2>&1
  gzip -f "$OUT/rule67_${c%%:*}.json"
done
P=(); R=()
for d in fourth_s59:9600 fourth_s60:9601 fourth_s61:9602 fourth_s62:9603 fourth_s63:9604 \
         fourth_s64:9605 outside_s65_h9:9606 outside_s66_h9:9607 outside_s67_h9:9608; do
  f=$D/${d%%:*}/detect${d##*:}_runs.jsonl.gz; t=$D/${d%%:*}/zoo-${d##*:}_truth.json.gz
  [ -f "$f" ] || continue
  P+=(--pool "$f,$t"); R+=(--rows "${d##*:}=$f,$t")
done
"$PY" benchmarks/outside_zoo_score.py "${P[@]}" --score --json "$OUT/pooled_9600_9608.json" \
    > "$OUT/pooled_9600_9608.txt" 2>&1
"$PY" benchmarks/outside_named_rule.py --candidate src/trojanscope/detect/calibration.json \
    "${R[@]}" --union --json "$OUT/pooled_9600_9608_today.json" > "$OUT/pooled_9600_9608_today.txt" 2>&1
gzip -f "$OUT/pooled_9600_9608_today.json"
