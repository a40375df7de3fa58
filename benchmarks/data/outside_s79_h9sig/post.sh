#!/bin/bash
# Issue 9, stop 79 (h9sig): after run.sh / run2.sh — the fresh runs and truth of 9223 (zoo-9223,
# zoo-9223b) and 9622 kept here, today's shipped file as the runs stored it
# (outside_zoo_score.py --score), and the rule (outside_s79_h9sig_rule.md) read once on the union
# by outside_sig_both.py rule79 (rule79.txt / .json), then beside (deciding nothing).
#   bash benchmarks/data/outside_s79_h9sig/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig79/run}
O=benchmarks/data/outside_s79_h9sig
S77=benchmarks/data/outside_s77_h9
A=()
for Z in zoo-9223 zoo-9223b zoo-9622; do
  RUNS="$RUN/detect_$Z.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect_${Z}_runs.jsonl.gz"
  gzip -c "$RUN/$Z/truth.json" > "$O/${Z}_truth.json.gz"
  for f in build_$Z.log score_$Z.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect_${Z}_score.json" > "$O/detect_${Z}_score.txt"
  A+=(--rows "${Z#zoo-}=$O/detect_${Z}_runs.jsonl.gz,$O/${Z}_truth.json.gz")
done
cp "$RUN/load.log" "$RUN/pause.log" "$RUN/gate.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_sig_both.py rule79 "${A[@]}" --today "$O/cal_today.json" \
    --candidate "$O/cal_both.json" --today-cpu "$S77/detect9220_runs.jsonl.gz" \
    --today-cpu "$S77/detect9619_runs.jsonl.gz" --json "$O/rule79.json" > "$O/rule79.txt"
"$PY" benchmarks/outside_sig_both.py beside "${A[@]}" --candidate "$O/cal_both.json" \
    > "$O/beside79.txt"
