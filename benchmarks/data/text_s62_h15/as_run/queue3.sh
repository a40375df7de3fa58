#!/bin/bash
# stop 62 fresh queue, third form (replaces queue2.sh before either model was built; the
# fine-tunes kept): 3200's sets shared by several readers (span_text_dump.py --start K, new at
# this stop; span_text_report.py joins the pieces), so that 3200 reaches the plan's "read"
# (trig and guard whole, held-out clean >= 120) after about 215 inputs per lane with the fits,
# where queue2.sh's one reader per set needed about 265 (past the 17:02 cut at about 10.5 s
# per input if the fine-tunes end about 16:15). Then 3201's sets, in the lanes that free,
# and the rest of 3200's held-out clean set (past the 120 the plan needs) last:
#   lane 1: 3200 guard 0-124, 3200 neg 0-59, 3201 guard 0-124, 3201 neg 60-119
#   lane 2: 3200 guard 125-, 3200 neg 60-119, 3201 guard 125-, 3200 neg 120-
#   lane 3: (once 3201's fine-tune ends: three heavy processes at most) 3200 trig, 3201 trig,
#           3201 neg 0-59, 3201 neg 120-
# Every reader cut at 17:02 UTC; each saves every 10 inputs.
cd /work/wth15 || exit 1
W=/tmp/h15s62/fresh; O=benchmarks/data/text_s62_h15
CUT=$(date -u -d "17:02" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
built() { until [ -s "$O/minilm-$1.json" ] && [ -d "$W/minilm/$1" ]; do
  grep -q "minilm-$1 failed" $O/walls.txt 2>/dev/null && return 1
  [ "$(left)" -gt 0 ] || return 1; sleep 20; done; }
read_set() {  # RUN SET [dump options]: one span_text_runs.sh reader, cut at CUT
  local r=$1; shift; IFS=: read -r s t a <<< "$r"
  built "$a-$s" || return 1; [ "$(left)" -gt 0 ] || return 1
  JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$r" "0"; }
A=3200:0:addsent; B=3201:1:addsent
echo "queue3 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( read_set $A guard --first 125; read_set $A neg --first 60
  read_set $B guard --first 125; read_set $B neg --start 60 --first 60 ) &
( read_set $A guard --start 125; read_set $A neg --start 60 --first 60
  read_set $B guard --start 125; read_set $A neg --start 120 ) &
( built addsent-3201; read_set $A trig; read_set $B trig
  read_set $B neg --first 60; read_set $B neg --start 120 ) &
wait
echo "queue3 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
