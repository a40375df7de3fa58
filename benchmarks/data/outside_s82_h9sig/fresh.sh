#!/bin/bash
# Issue 9, stop 82 (h9sig): after SCORE_CUT — the fresh runs and truth of 9226 (zoo-9226) and
# the fourth maker's 9624 (zoo-9624) kept here, each zoo scored as its runs stored it
# (outside_zoo_score.py --score), and the rule (rule.md) read once on their union by
# outside_sig_second.py rule82 (rule82.txt / .json): today's shipped file (cal_today.json)
# against the candidate (cal_second.json). CPU comparator: stop 81's fresh runs of 9225 and 9623
# (the same command, today's default then and now).
#   bash benchmarks/data/outside_s82_h9sig/fresh.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig82/run}
O=benchmarks/data/outside_s82_h9sig
S81=benchmarks/data/outside_s81_h9sig
A=()
for Z in zoo-9226 zoo-9624; do
  RUNS="$RUN/detect_$Z.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -nc "$RUNS" > "$O/detect_${Z}_runs.jsonl.gz"
  gzip -nc "$RUN/$Z/truth.json" > "$O/${Z}_truth.json.gz"
  for f in build_$Z.log score_$Z.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect_${Z}_score.json" > "$O/detect_${Z}_score.txt"
  A+=(--rows "${Z#zoo-}=$O/detect_${Z}_runs.jsonl.gz,$O/${Z}_truth.json.gz")
done
cp "$RUN/load.log" "$RUN/gate.log" "$RUN/pause.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_sig_second.py rule82 "${A[@]}" --today "$O/cal_today.json" \
    --candidate "$O/cal_second.json" --today-cpu "$S81/detect_zoo-9225_runs.jsonl.gz" \
    --today-cpu "$S81/detect_zoo-9623_runs.jsonl.gz" --json "$O/rule82.json" > "$O/rule82.txt"
