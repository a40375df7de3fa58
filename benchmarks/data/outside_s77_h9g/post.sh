#!/bin/bash
# Issue 9, stop 77 (h9g): after run.sh / run2.sh / run3.sh — the fresh runs and truth of 9221 /
# 9620 kept here, today's shipped file as the runs stored it (outside_zoo_score.py --score), and
# the rule (outside_s77_h9g_rule.md) read once on the union by outside_blend_low.py rule77
# (rule77.txt / .json).
#   bash benchmarks/data/outside_s77_h9g/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9g77/run}
O=benchmarks/data/outside_s77_h9g
S76=benchmarks/data/outside_s76_h9
A=()
for S in 9221 9620; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$RUN/gate.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_blend_low.py rule77 "${A[@]}" --today "$O/cal_today.json" \
    --candidate "$O/cal_blend_low.json" --today-cpu "$S76/detect9219_runs.jsonl.gz" \
    --today-cpu "$S76/detect9618_runs.jsonl.gz" --json "$O/rule77.json" > "$O/rule77.txt"
