#!/bin/bash
# stop 63 (issue 15, h15; plan.md committed before either model existed): the readings of the
# fresh MiniLM addsent-3202 (target 0, read first) and addsent-3201 (target 1), split seed 0,
# span_text_dump.py --part both (5:1 windows, 64 at most), in three lanes. At most three heavy
# processes of this task: a lane starts its first reader only once both fine-tunes have ended
# (train.sh's two processes), except lane 1, which starts when 3202 exists and one fine-tune
# has ended. 3202's sets are shared by the lanes: first guard 0-124, trig, guard 125- (so that
# a reading cut short still holds the guard and triggered sets whole), then its held-out clean
# set in pieces of 40 (0-39, 40-79, 80-119), then past 120, and 3201's sets in any lane with
# at least MIN_3201 seconds (30 min) left. Every reader cut at 20:05 UTC (CUT_AT); each saves
# every 10 inputs. (Second form, 18:23 UTC, before either model exists: the first form's
# pieces of about 165 per lane would leave the guard with a gap if cut; pauses.txt.)
#   [CUT_AT=HH:MM] bash read_queue.sh
cd /work/wt/h15 || exit 1
W=/tmp/h15/fresh; O=benchmarks/data/text_s63_h15
CUT=$(date -u -d "${CUT_AT:-20:05}" +%s); MIN_3201=${MIN_3201:-1800}
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
built() { [ -s "$O/minilm-$1.json" ] && [ -d "$W/minilm/$1" ]; }
training() { pgrep -f "trojanscope -q attack .*--seed $1 " > /dev/null; }
wait_for() {  # until 3202 is built and at most N fine-tunes still run
  until built addsent-3202 && [ $( (training 3201 && echo x; training 3202 && echo x) | wc -l) -le "$1" ]; do
    grep -q "minilm-addsent-3202 failed" $O/walls.txt 2>/dev/null && return 1
    [ "$(left)" -gt 0 ] || return 1; sleep 20; done; }
read_set() {  # RUN SET [dump options]: one span_text_runs.sh reader, cut at CUT
  local r=$1; shift; [ "$(left)" -gt 60 ] || return 1
  JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$r" "0"; }
late() {  # RUN SET [options]: 3201's readers, only with MIN_3201 seconds left and 3201 built
  built addsent-3201 && [ "$(left)" -ge "$MIN_3201" ] && read_set "$@"; }
A=3202:0:addsent; B=3201:1:addsent
echo "read_queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( wait_for 1 && { read_set $A guard --first 125; read_set $A neg --first 40
  read_set $A neg --start 120; } ) &
( wait_for 0 && { read_set $A trig; read_set $A neg --start 40 --first 40
  late $B guard --first 125; } ) &
( wait_for 0 && { read_set $A guard --start 125; read_set $A neg --start 80 --first 40
  late $B trig; } ) &
wait
echo "read_queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
