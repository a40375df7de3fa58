#!/bin/bash
# stop 61 readers (issue 15, h15; plan.md, committed at 11:53:09 UTC in ca23f772 before either
# model existed): each fresh model read as soon as it exists by one span_text_dump.py --part both
# process (the mixture score alone and the 5:1 windows, chunk by chunk, triggered then guard then
# held-out clean, saved every 10 inputs): 3199's beside 3200's fine-tune (fine_tunes.sh), then
# 3200's. At most two heavy processes of this task at any moment; every reader cut at 13:48 UTC.
cd /work/wth15 || exit 1
W=/tmp/h15s61/fresh; O=benchmarks/data/text_s61_h15
CUT=$(date -u -d "13:48" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
trained() { until [ -s "$O/minilm-$1.json" ] || grep -q "minilm-$1 failed" $O/walls.txt 2>/dev/null; do
  [ "$(date +%s)" -lt "$CUT" ] || return 1; sleep 20; done; [ -d "$W/minilm/$1" ]; }
read_one() { local left=$((CUT - $(date +%s))); [ "$left" -gt 0 ] || return
  JOBS="both trig guard neg" timeout --signal=TERM "$left" bash benchmarks/span_text_runs.sh $W $O "$1" "0"; }
echo "readers start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( trained badnl-3199 && read_one "3199:0:badnl" ) &
( trained addsent-3200 && read_one "3200:0:addsent" ) &
wait
echo "readers end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
