#!/bin/bash
# Issue 9, stop 77 (h9g): a second reader of fresh 9221 (08:03 UTC, after the rule and the gate):
# slot B has read its four fourth-maker models by about 08:06 and builds nothing after BUILD_CUT,
# while slot A still has about nine 9221 models to read (about 2 minutes each at load 14). Once
# slot B's last reading ends (WAIT_B: its process id), this reads zoo-9221 from the last model
# built back (outside_zoo_score.py --reverse: it meets slot A in the middle; a model both read is
# kept once, its first row). The same options as the slots; still two heavy processes at most.
#   WAIT_B=PID bash benchmarks/data/outside_s77_h9g/run4.sh SCORE_CUT
set -u
SCORE_CUT=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9g77/run}
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 10; done
date -u +"run4 start %T" >> "$RUN/score9221r.log"
timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9221" \
    --out "$RUN/detect9221.jsonl" --trojanscope "$TOOL" --detect-option=-p \
    --detect-option=blend=true --detect-option=-p --detect-option=blend_low=true \
    --reverse >> "$RUN/score9221r.log" 2>&1
date -u +"run4 stopped %T" >> "$RUN/score9221r.log"
