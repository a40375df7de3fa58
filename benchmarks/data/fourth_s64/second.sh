#!/bin/bash
# Issue 9, stop 64 (h9m): the second heavy slot once the builder exits (run.sh calls it; RUN,
# S, CUT, PY from run.sh). Part 2's spent-seed mitigation runs (at most 25 minutes), then
# today's default from the last model built back until 21:55 UTC (h9's deadline to name its
# candidate), then h9's GAP candidate when h9_candidate.sh names it (written from h9's
# committed plan), else today's default, reverse, to the cut.
set -u
cd "$(dirname "$0")/../../.."
D=benchmarks/data/fourth_s64
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
reverse() {  # today's default from the last model built back, for at most $1 seconds
    [ "$1" -gt 0 ] || return 0
    date -u +"today's default, reverse, from %T"
    timeout "$1" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
        --out "$RUN/detect$S.jsonl" --reverse
}
p=$(left "$CUT"); p=$(( p < 1500 ? p : 1500 ))
if [ -f "$D/part2.sh" ] && [ "$p" -gt 0 ]; then
    date -u +"part 2 from %T"
    timeout "$p" bash "$D/part2.sh" > "$RUN/part2.log" 2>&1
    date -u +"part 2 ended %T (exit $?)"
fi
w=$(left 21:55:00); c=$(left "$CUT")
reverse $(( w < c ? w : c ))
until [ -f "$D/h9_candidate.sh" ] || [ "$(left 21:56:00)" -le 0 ]; do sleep 10; done
t=$(left "$CUT")
if [ -f "$D/h9_candidate.sh" ] && [ "$t" -gt 0 ]; then
    date -u +"h9's candidate from %T"
    timeout "$t" bash "$D/h9_candidate.sh"
else
    reverse "$t"
fi
date -u +"second slot ended %T"
