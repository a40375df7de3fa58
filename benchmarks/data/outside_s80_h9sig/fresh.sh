#!/bin/bash
# Issue 9, stop 80 (h9sig): after the slots end — the fresh runs and truth of 9224 (zoo-9224,
# zoo-9224b) and 9623 (zoo-9623-zoo-9224, zoo-9623-zoo-9224b) kept here, today's shipped file as
# the runs stored it (outside_zoo_score.py --score), and the rule (rule.md) read once on the union
# by outside_sig_kinds.py rule80 (rule80.txt / .json). CPU comparator: stop 79's fresh runs of
# the same makers (today's default then and now: detect -p blend=true -p sig_probe=true).
#   bash benchmarks/data/outside_s80_h9sig/fresh.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig80/run}
O=benchmarks/data/outside_s80_h9sig
S79=benchmarks/data/outside_s79_h9sig
A=()
for Z in zoo-9224 zoo-9224b zoo-9623-zoo-9224 zoo-9623-zoo-9224b; do
  RUNS="$RUN/detect_$Z.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect_${Z}_runs.jsonl.gz"
  gzip -c "$RUN/$Z/truth.json" > "$O/${Z}_truth.json.gz"
  for f in build_$Z.log score_$Z.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$RUN/$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect_${Z}_score.json" > "$O/detect_${Z}_score.txt"
  A+=(--rows "${Z#zoo-}=$O/detect_${Z}_runs.jsonl.gz,$O/${Z}_truth.json.gz")
done
cp "$RUN/load.log" "$RUN/gate.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_sig_kinds.py rule80 "${A[@]}" --today "$O/cal_today.json" \
    --candidate "$O/cal_kinds.json" --today-cpu "$S79/detect_zoo-9223_runs.jsonl.gz" \
    --today-cpu "$S79/detect_zoo-9223b_runs.jsonl.gz" --today-cpu "$S79/detect_zoo-9622_runs.jsonl.gz" \
    --json "$O/rule80.json" > "$O/rule80.txt"
