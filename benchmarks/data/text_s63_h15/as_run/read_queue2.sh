#!/bin/bash
# stop 63 fresh read queue, second part (started at 18:39 UTC while read_queue.sh's first
# three readers of 3202 ran — guard 0-124, trig, guard 125-; read_queue.sh's lanes stopped, the
# readers kept): both fine-tunes ended at 18:34 (25 min, not the 73 of stop 62) and the readers
# read about 6-8 s per input, so both models can be read by the 20:05 cut. As each running
# reader ends, its lane reads 3202's held-out clean set's first 120 in pieces of 40, then
# 3201's sets (guard 0-124, trig, guard 125-, each with a piece of 40 of its held-out clean
# set: about 165 inputs per lane), then both held-out clean sets past 120. Cut 20:05 UTC.
#   [CUT_AT=HH:MM] bash read_queue2.sh PID1 PID2 PID3   (the running readers' timeouts, lanes 1-3)
cd /work/wt/h15 || exit 1
W=/tmp/h15/fresh; O=benchmarks/data/text_s63_h15
CUT=$(date -u -d "${CUT_AT:-20:05}" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
after() { while kill -0 "$1" 2>/dev/null; do sleep 5; done; }
read_set() {  # RUN SET [dump options]: one span_text_runs.sh reader, cut at CUT
  local r=$1; shift; [ "$(left)" -gt 60 ] || return 1
  JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$r" "0"; }
A=3202:0:addsent; B=3201:1:addsent
echo "read_queue2 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( after "$1"; read_set $A neg --first 40; read_set $B guard --first 125
  read_set $B neg --start 80 --first 40; read_set $A neg --start 120 --first 65
  read_set $B neg --start 185 ) &
( after "$2"; read_set $A neg --start 40 --first 40; read_set $B trig
  read_set $B neg --first 40; read_set $A neg --start 185 ) &
( after "$3"; read_set $A neg --start 80 --first 40; read_set $B guard --start 125
  read_set $B neg --start 40 --first 40; read_set $B neg --start 120 --first 65 ) &
wait
echo "read_queue2 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
