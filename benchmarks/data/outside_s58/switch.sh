#!/bin/bash
# Issue 9, stop 58 (h9): the switch made at 03:25 UTC. At 03:02 the logs showed a model built
# every ~1.9 min but scored every ~3.5 min (the detect child's wall time at load 7-9), so by the
# planned cuts (build 03:40, score 03:46) about a dozen built models would go unscored. Decided
# from that pace alone (it selects no model: what is scored is still a prefix of the build
# order): stop the builder (its truth.json is rewritten after every model) and the scorer, then
# score what was built with two scorers on the same runs file — one in build order, one from the
# last model back (--reverse) — until the planned score cut, 03:46. Two heavy processes throughout.
#   bash benchmarks/data/outside_s58/switch.sh BUILDER_PID SCORER_PID
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s58/run}
S=9200
kill "$1" "$2"
sleep 5
t=$(( $(date -u -d 03:46:00 +%s) - $(date -u +%s) ))
for order in "" --reverse; do
    timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
        --out "$RUN/detect$S.jsonl" $order --trojanscope "$(dirname "$PY")/trojanscope" \
        >> "$RUN/score$S${order:+-reverse}.log" 2>&1 &
    sleep 20  # the second reads the runs file after the first has started its first model
done
wait
