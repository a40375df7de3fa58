#!/bin/bash
# Issue 9, stop 71 (h9): after the cuts — today's default (C5) on 9213 and 9612 (the stored
# probabilities), the rule (rule71.md: C7 against today's C5, every report read as its run
# read it) on 9213, 9612 and their union, and, beside the rule and deciding nothing, stop 70's
# C6 and C6 with C7's two keys on the same union and the fourth maker's 9600-9612 pooled.
#   bash benchmarks/data/outside_s71_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h971/run}
D=benchmarks/data; OUT=$D/outside_s71_h9
A=()
for S in 9213 9612; do
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
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C7.json" "${A[@]}" \
    --json "$OUT/rule71_C7.json" > "$OUT/rule71_C7.txt" 2>&1
gzip -f "$OUT/rule71_C7.json"
# beside the rule (decides nothing): C6, and C6 with C7's keys, on the same populations
for c in "C6=$D/outside_s70_h9/cal_C6.json" "C6C7=$OUT/cal_C6C7.json"; do
  "$PY" benchmarks/outside_named_rule.py --candidate "${c#*=}" "${A[@]}" \
      | sed -n '/== union/,/stop-65 plan/p' > "$OUT/beside71_${c%%=*}.txt" 2>&1
done
R=()
for d in fourth_s59:9600 fourth_s60:9601 fourth_s61:9602 fourth_s62:9603 fourth_s63:9604 \
         fourth_s64:9605 outside_s65_h9:9606 outside_s66_h9:9607 outside_s67_h9:9608 \
         outside_s68_h9:9609 outside_s69_h9:9610 outside_s70_h9:9611 outside_s71_h9:9612; do
  f=$D/${d%%:*}/detect${d##*:}_runs.jsonl.gz; t=$D/${d%%:*}/zoo-${d##*:}_truth.json.gz
  [ -f "$f" ] && R+=(--rows "${d##*:}=$f,$t")
done
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C7.json" "${R[@]}" --union \
    | sed -n '/== union/,/stop-65 plan/p' > "$OUT/pooled_9600_9612_C7.txt" 2>&1
