#!/bin/bash
# stop 60 fresh queue, third form (started about 09:30 UTC while 3198's two readers ran; the
# second form's lanes were stopped, the readers kept): at load 8-9 the readers take 3.7 (strip)
# and 4.9 (span) s per input, so 3198 is read by about 10:00-10:11, and 3199's fine-tune (about
# 34 min here) cannot end in time for a reading by the 10:33 cut in any order. So: 3198 is read
# whole; 3199 is fine-tuned in the first free slot, cut only at 10:44 (the session's end), and
# left unread — a fresh model for the next stop; the docs' detect-inputs line runs on 3198 in
# the other slot. 3200 is not built. At most two heavy processes, one fine-tune at a time.
cd /work/wth15 || exit 1
W=/tmp/h15s60/fresh; O=benchmarks/data/text_s60_h15
END=$(date -u -d "10:44" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
done_reading() { until grep -q "dump $1_trig-guard-neg addsent-3198" $O/walls.txt; do
  [ "$(date +%s)" -lt "$END" ] || return 1; sleep 20; done; }
echo "queue3 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( done_reading strip && JOBS=none timeout --signal=TERM $((END - $(date +%s))) \
    bash benchmarks/span_text_runs.sh $W $O "3199:0:badnl" "0" ) &
( done_reading span && timeout $((END - $(date +%s))) bash $O/as_run/docs_command.sh ) &
wait
echo "queue3 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
