#!/bin/bash
# issue 13 stop 39: retrain the 27 dirty-label sets stop 38c detected but did not retrain (its command and
# reference), one process at a time. Run from anywhere (it works in this checkout's root).
# CACHE (required): stop 38c's cache folder (stop 39: /tmp/h13cs38/cache). START_CUTOFF_UTC / STOP_UTC (HHMM,
# off by default): no set starts at or after the first, a set running at the second is stopped
# (stop 39 ran with START_CUTOFF_UTC=0935 STOP_UTC=0945).
set -u
cd "$(dirname "$0")/../../.." || exit 2
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 ${VENV:-/work/main/.venv}/bin/python"
C=${CACHE:?set CACHE to the cache folder of stop 38c}; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s39
START_CUTOFF_UTC=${START_CUTOFF_UTC:-}; STOP_UTC=${STOP_UTC:-}
# base:set in the plan's order: base 54000's all-to-all, the 1% sets (54000's, then 54100's), then
# base 54100's remaining dirty-label sets in stop 38c's order (20% 10% 5% interleaved, all-to-all last)
SETS="54000:16 54000:17 54000:18 54000:19 54000:4 54000:8 54000:12 54100:0 54100:4 54100:8 54100:12
 54100:3 54100:7 54100:11 54100:15 54100:2 54100:6 54100:10 54100:14 54100:1 54100:5 54100:9 54100:13
 54100:16 54100:17 54100:18 54100:19"
mkdir -p $S/out
for bk in $SETS; do
 b=${bk%%:*}; k=${bk##*:}
 if [ -n "$START_CUTOFF_UTC" ] && [ "$(date -u +%H%M)" -ge "$START_CUTOFF_UTC" ]; then
   echo "not run: retrain $b set $k (cutoff)"; continue; fi
 LIMIT=""
 [ -n "$STOP_UTC" ] && LIMIT="timeout --signal=TERM $(( $(date -u -d "${STOP_UTC:0:2}:${STOP_UTC:2:2}" +%s) - $(date -u +%s) ))"
 echo "retrain $b $k start $(date -u +%T)"
 $LIMIT \
   $P $R --seed-base $b --cache $C --sets $k --variants confined --seeds 0,1,2,3,4 --json $S/out/s${b}_$k.json
 rc=$?; echo "retrain $b $k end $(date -u +%T) rc=$rc"
done
echo "all done $(date -u +%T)"
