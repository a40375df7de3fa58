#!/bin/bash
# Issue 9, stop 76 (h9): after run.sh — the stored runs and truth of fresh 9219 / 9618 kept
# here, today's shipped file as the runs stored it (outside_zoo_score.py --score), and the rule
# (outside_s76_h9_rule.md) read once on the union by outside_sink_fine.py --rule76
# (rule76.txt / .json: the floors, the heads read apart, the backdoors aimed at 0 or 8 counted
# apart, stop 72's seven points, the worst family).
#   bash benchmarks/data/outside_s76_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h976/run}
O=benchmarks/data/outside_s76_h9
A=()
for S in 9219 9618; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_sink_fine.py --rule76 9219,9618 --today "$O/cal_today.json" \
    --candidate "$O/cal_trait_sets.json" "${A[@]}" --json "$O/rule76.json" > "$O/rule76.txt"
