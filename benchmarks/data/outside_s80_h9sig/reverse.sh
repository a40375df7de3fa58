#!/bin/bash
# Issue 9, stop 80 (h9sig): a second reader of zoo-9224 (written after the rule's commit, before
# any reading was looked at; it replaces slot.sh B at 15:39: B's loop stopped, its build in
# flight (WAIT) left to finish and read here by read.sh (FIRST: B's folder), the rest of B's
# queue not built — the reads of what is built come first), from the
# last model built back (outside_zoo_score.py --reverse: it rereads the runs file before each
# model and meets slot.sh A's forward reader in the middle), with read.sh's command, until
# SCORE_CUT. Slot A alone would have read zoo-9224's 12 models by about 16:07 (3 minutes each at
# load 15-16), too near SCORE_CUT 16:08.
#   WAIT=PID FIRST=ZOO_B bash benchmarks/data/outside_s80_h9sig/reverse.sh SCORE_CUT ZOO
set -u
SCORE_CUT=$1; ZOO=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
TOOL="$(dirname "$PY")/trojanscope"
RUN=${RUN:-/tmp/h9sig80/run}
[ -f "$RUN/GO" ] || exit 0
while [ -n "${WAIT:-}" ] && kill -0 "$WAIT" 2>/dev/null; do sleep 5; done
[ -n "${FIRST:-}" ] && bash benchmarks/data/outside_s80_h9sig/read.sh "$RUN" "$FIRST" \
    >> "$RUN/score_$FIRST.log" 2>&1
left=$(( $(date -u -d "$SCORE_CUT" +%s) - $(date -u +%s) ))
[ "$left" -gt 0 ] || exit 0
timeout "$left" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$ZOO" \
    --out "$RUN/detect_$ZOO.jsonl" --trojanscope "$TOOL" --reverse \
    --detect-option=-p --detect-option=blend=true --detect-option=-p \
    --detect-option=sig_probe=true >> "$RUN/score_${ZOO}_reverse.log" 2>&1
