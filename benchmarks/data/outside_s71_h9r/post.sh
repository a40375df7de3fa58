#!/bin/bash
# Issue 9, stop 71 (h9r): after run.sh — the stored runs and truth of fresh 9214 / 9613 kept
# here, today's default (C7) as the runs stored it (outside_zoo_score.py --score), and every
# report read by C7 and by C5 side by side, term by term (outside_c7_risk.py), per seed and
# the union. Measurement only: nothing is decided.
#   bash benchmarks/data/outside_s71_h9r/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9r71/run}
O=benchmarks/data/outside_s71_h9r
A=()
for S in 9214 9613; do
  [ -s "$RUN/detect$S.jsonl" ] || continue
  gzip -c "$RUN/detect$S.jsonl" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$RUN/zoo-$S/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
[ ${#A[@]} -eq 4 ] && A+=(--union)
"$PY" benchmarks/outside_c7_risk.py --second "$O/cal_C5_now.json" "${A[@]}" \
    --json "$O/fresh71r_side.json" > "$O/fresh71r_side.txt"
gzip -f "$O/fresh71r_side.json"
