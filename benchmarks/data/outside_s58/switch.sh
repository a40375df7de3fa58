#!/bin/bash
# Issue 9, stop 58 (h9): the switch made at 03:25:40 UTC, as run. By 03:13 the logs showed a
# model built every ~1.9 min but scored every ~4.3 min (the detect child's wall time at load
# 7-9), so by the planned cuts (build 03:40, score 03:46) many built models would go unscored.
# Decided from that pace alone (it selects no model: what is scored is the build order's prefix
# up to the builder's stop): stop the builder (its truth.json is rewritten after every model;
# the model in training is lost) and start a second scorer on the same runs file from the last
# model back (--reverse), beside the first (build order, --follow), both until the planned score
# cut, 03:46. Two heavy processes throughout.
#   bash benchmarks/data/outside_s58/switch.sh BUILDER_PID
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s58/run}
kill "$1"
sleep 3
t=$(( $(date -u -d 03:46:00 +%s) - $(date -u +%s) ))
timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9200" \
    --out "$RUN/detect9200.jsonl" --reverse --trojanscope "$(dirname "$PY")/trojanscope" \
    >> "$RUN/score9200-reverse.log" 2>&1
