#!/bin/bash
# stop 61 (issue 15, h15; plan.md committed at 11:53:09 UTC in ca23f772 before either model
# existed): the fresh MiniLM fine-tunes, one at a time, in the plan's order — badnl-3199
# (target 0), then addsent-3200 (target 0) as soon as 3199's ends. Each cut at 13:48 UTC
# (the readers' cut; a model not written by then is reported as not built).
cd /work/wth15 || exit 1
W=/tmp/h15s61/fresh; O=benchmarks/data/text_s61_h15
CUT=$(date -u -d "13:48" +%s)
export PYTHON=/work/main/.venv/bin/python
tune() { local left=$((CUT - $(date +%s))); [ "$left" -gt 0 ] || return 1
  JOBS=none timeout --signal=TERM "$left" bash benchmarks/span_text_runs.sh $W $O "$1" "0"; }
echo "fine-tunes start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
tune "3199:0:badnl"
tune "3200:0:addsent"
echo "fine-tunes end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
