#!/bin/bash
# Issue 9, stop 78 (h9sig): run2.sh's slot B restarted at about 10:26 UTC, after the rule's commit
# (b26a5ca7) and the gate (10:18:39), having looked at no reading: one fresh read took 221 s of
# wall time for 10.7 s of CPU (load 13-16), so the 26 models built cannot all be read before
# SCORE_CUT, and a model built now could not be read at all. Slot B builds no more: once the
# fourth maker's read in flight (WAIT_B) is done it reads zoo-9222b (3 SIG backdoors), then
# zoo-9222 from its last model back (slot A reads it from the first), then what zoo-9621 holds.
# The rule, its floors and read.sh are unchanged.
#   WAIT_B=PID bash benchmarks/data/outside_s78_h9sig/run3.sh SCORE_CUT
set -u
SCORE_CUT=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig78/run}
HERE=benchmarks/data/outside_s78_h9sig
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
date -u +"run3 start %T" >> "$RUN/build_zoo-9621.log"
while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 5; done
[ "$(left "$SCORE_CUT")" -gt 0 ] && timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" zoo-9222b \
    >> "$RUN/score_zoo-9222b.log" 2>&1
for _ in $(seq 20); do  # zoo-9222 from the last model back, one at a time
  [ "$(left "$SCORE_CUT")" -gt 0 ] || break
  before=$(wc -l < "$RUN/detect_zoo-9222.jsonl")
  timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9222" \
      --out "$RUN/detect_zoo-9222.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --detect-option=-p --detect-option=sig_probe=true \
      --reverse --max 1 >> "$RUN/score_zoo-9222.log" 2>&1
  [ "$(wc -l < "$RUN/detect_zoo-9222.jsonl")" -gt "$before" ] || break
done
[ "$(left "$SCORE_CUT")" -gt 0 ] && timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" zoo-9621 \
    >> "$RUN/score_zoo-9621.log" 2>&1
date -u +"run3 stopped %T" >> "$RUN/build_zoo-9621.log"
