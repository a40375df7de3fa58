#!/bin/bash
# stop 61 readers, second form (started 12:41 UTC, the first form's 3200 lane stopped while it
# waited; 3199's reader kept): at load 10 one --part both reader takes about 10 s per input, so
# 3199's reader reaches the end of its guard set (120 triggered + 250) only about 13:35 and its
# held-out clean set would reach about 80 < 120 by the 13:48 cut; 3200 (fine-tune ends about
# 13:05) cannot have its triggered and guard sets read by the cut in any layout of two slots.
# So the slot 3200's fine-tune frees reads 3199's held-out clean set (same split and partner
# draw: the partners are drawn at the fit, the readings deterministic), and 3200 is built but
# not read. At most two heavy processes; the reader cut at 13:48 UTC.
cd /work/wth15 || exit 1
W=/tmp/h15s61/fresh; O=benchmarks/data/text_s61_h15
CUT=$(date -u -d "13:48" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
until [ -s "$O/minilm-addsent-3200.json" ] || grep -q "minilm-addsent-3200 failed" $O/walls.txt; do
  [ "$(date +%s)" -lt "$CUT" ] || exit 1; sleep 20; done
echo "readers2: 3199 neg reader start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
JOBS="both neg" timeout --signal=TERM $((CUT - $(date +%s))) bash benchmarks/span_text_runs.sh $W $O "3199:0:badnl" "0"
