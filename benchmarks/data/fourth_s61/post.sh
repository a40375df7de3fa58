#!/bin/bash
# Issue 9, stop 61 (h9m): after the cut, stop 59's post.sh on seed S into this folder (score
# with the plan's rule, runs and truth gzipped, logs, terms of each miss), then seeds 9600 +
# 9601 + S pooled (all never fitted to) from the stored files.
#   bash benchmarks/data/fourth_s61/post.sh S
set -u
S=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms61/run}
D=benchmarks/data/fourth_s61
RUN=$RUN bash benchmarks/data/fourth_s59/post.sh "$S" "$D"
for f in build$S-stamped.log load.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$D/"; done
P=benchmarks/data/fourth_s59; Q=benchmarks/data/fourth_s60
nice -n 5 "$PY" benchmarks/outside_zoo_score.py \
    --pool "$P/detect9600_runs.jsonl.gz,$P/zoo-9600_truth.json.gz" \
    --pool "$Q/detect9601_runs.jsonl.gz,$Q/zoo-9601_truth.json.gz" \
    --pool "$D/detect${S}_runs.jsonl.gz,$D/zoo-${S}_truth.json.gz" \
    --score --per-model --json "$D/pooled_9600_9601_$S.json" > "$D/pooled_9600_9601_$S.txt"
