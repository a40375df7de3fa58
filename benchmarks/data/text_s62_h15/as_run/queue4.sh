#!/bin/bash
# stop 62 fresh queue, fourth form (started about 16:30 UTC while queue3.sh's first three
# readers of 3200 ran — guard 0-124, guard 125-, trig; queue3's lanes stopped, the readers
# kept): both fine-tunes ended only at 16:20 (73 min at load 10-11), and each reader needs
# about 4 min to load, split and fit before its first input and about 10 s per input, so the
# three end about 16:45 and queue3's two held-out clean pieces of 60 would end about 17:07,
# past the cut. Here 3200's held-out clean set's first 120 are read in three pieces of 40, one
# per lane as each lane's reader ends, then its rest by the first lane (past the 120 the plan
# needs). 3201 (built at 16:20) cannot be read by the cut: it is left unread. Cut 17:02 UTC;
# restarted at about 16:35 with CUT_AT=17:09 (pauses.txt): at the 13.3 s per input measured
# from 16:28 to 16:33 the three readers end about 16:54 and three pieces of 40 about 17:07.
#   [CUT_AT=HH:MM] bash queue4.sh PID1 PID2 PID3   (the running readers' timeouts, lanes 1-3)
cd /work/wth15 || exit 1
W=/tmp/h15s62/fresh; O=benchmarks/data/text_s62_h15
CUT=$(date -u -d "${CUT_AT:-17:02}" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
after() { while kill -0 "$1" 2>/dev/null; do sleep 5; done; }
read_set() {  # RUN SET [dump options]: one span_text_runs.sh reader, cut at CUT
  local r=$1; shift; [ "$(left)" -gt 0 ] || return 1
  JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$r" "0"; }
A=3200:0:addsent
echo "queue4 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( after "$1"; read_set $A neg --first 40; read_set $A neg --start 120 ) &
( after "$2"; read_set $A neg --start 40 --first 40 ) &
( after "$3"; read_set $A neg --start 80 --first 40 ) &
wait
echo "queue4 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
