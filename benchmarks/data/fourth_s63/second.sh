#!/bin/bash
# Issue 9, stop 63 (h9m): the second heavy slot once the builder exits (run.sh calls it; RUN,
# S, CUT, PY from run.sh). h9's GAP candidate when h9_candidate.sh names it (written from h9's
# committed plan by 19:15 UTC), else today's default from the last model built back.
set -u
cd "$(dirname "$0")/../../.."
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
t=$(left "$CUT"); [ "$t" -gt 0 ] || exit 0
if [ -f benchmarks/data/fourth_s63/h9_candidate.sh ]; then
    date -u +"h9's candidate from %T"
    timeout "$t" bash benchmarks/data/fourth_s63/h9_candidate.sh
else
    date -u +"today's default, reverse, from %T"
    timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
        --out "$RUN/detect$S.jsonl" --reverse
fi
date -u +"second slot ended %T"
