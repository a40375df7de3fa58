#!/bin/bash
# Issue 9, stop 63 (h9m): the second heavy slot once the builder exits (run.sh calls it; RUN,
# S, CUT, PY from run.sh). Until 19:15 UTC (h9's deadline to name its candidate) today's default
# from the last model built back; from then h9's GAP candidate when h9_candidate.sh names it
# (written from h9's committed plan), else today's default, reverse, to the cut.
set -u
cd "$(dirname "$0")/../../.."
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
reverse() {  # today's default from the last model built back, for at most $1 seconds
    [ "$1" -gt 0 ] || return 0
    date -u +"today's default, reverse, from %T"
    timeout "$1" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
        --out "$RUN/detect$S.jsonl" --reverse
}
w=$(left 19:15:00); c=$(left "$CUT")
reverse $(( w < c ? w : c ))
until [ -f benchmarks/data/fourth_s63/h9_candidate.sh ] || [ "$(left 19:16:00)" -le 0 ]; do sleep 10; done
t=$(left "$CUT")
if [ -f benchmarks/data/fourth_s63/h9_candidate.sh ] && [ "$t" -gt 0 ]; then
    date -u +"h9's candidate from %T"
    timeout "$t" bash benchmarks/data/fourth_s63/h9_candidate.sh
else
    reverse "$t"
fi
date -u +"second slot ended %T"
