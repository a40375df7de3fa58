#!/bin/bash
# stop 62 fresh queue, second form (started about 15:22 UTC while both fine-tunes ran; the
# first form's lanes were stopped, the fine-tunes kept): at load 11 each fine-tune gets about
# 10% of a core (81 CPU s in 13 min), so they end about 16:10 and one --part both reader (about
# 10.5 s per input at stop 61's load) would read the first form's trig+guard lane (370 inputs)
# only about 17:15 — past the 17:02 cut, neither model read whole. Here each model's sets are
# read by separate readers (the same split and partner draw: the partners are drawn at the fit,
# each reader fits its own guard the same way), 3200's first, so 3200 is read whole after about
# 250 inputs per lane and 3201 reaches its minimum (trig, guard whole, neg >= 120) after about
# 370, the first form's makespan:
#   lane 1: 3200 guard, then 3201 trig;  lane 2: 3200 neg, then 3201 neg;
#   lane 3: 3200 trig, then 3201 guard.
# At most three heavy processes (lane 3 starts only when 3201's fine-tune has ended); every
# reader cut at 17:02 UTC.
cd /work/wth15 || exit 1
W=/tmp/h15s62/fresh; O=benchmarks/data/text_s62_h15
CUT=$(date -u -d "17:02" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
built() { until [ -s "$O/minilm-$1.json" ] && [ -d "$W/minilm/$1" ]; do
  grep -q "minilm-$1 failed" $O/walls.txt 2>/dev/null && return 1
  [ "$(left)" -gt 0 ] || return 1; sleep 20; done; }
read_set() {  # SET RUN: one span_text_runs.sh reader, cut at CUT
  local name; IFS=: read -r s t a <<< "$2"; name=$a-$s
  built "$name" || return 1; [ "$(left)" -gt 0 ] || return 1
  JOBS="both $1" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$2" "0"; }
echo "queue2 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( read_set guard 3200:0:addsent; read_set trig 3201:1:addsent ) &
( read_set neg 3200:0:addsent; read_set neg 3201:1:addsent ) &
( built addsent-3201; read_set trig 3200:0:addsent; read_set guard 3201:1:addsent ) &  # 3 at most
wait
echo "queue2 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
