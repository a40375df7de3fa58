# issue 13 stop 39: retrain the 27 dirty-label sets stop 38c detected but did not retrain (its command and
# reference), one process at a time, cut by the clock (UTC): no start after 09:35, a set running at 09:45 is stopped
cd /work/wt13
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=/tmp/h13cs38/cache; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s39
# base:set in the plan's order: base 54000's all-to-all, the 1% sets (54000's, then 54100's), then
# base 54100's remaining dirty-label sets in stop 38c's order (20% 10% 5% interleaved, all-to-all last)
SETS="54000:16 54000:17 54000:18 54000:19 54000:4 54000:8 54000:12 54100:0 54100:4 54100:8 54100:12
 54100:3 54100:7 54100:11 54100:15 54100:2 54100:6 54100:10 54100:14 54100:1 54100:5 54100:9 54100:13
 54100:16 54100:17 54100:18 54100:19"
mkdir -p $S/out
for bk in $SETS; do
 b=${bk%%:*}; k=${bk##*:}
 if [ "$(date -u +%H%M)" -ge 0935 ]; then echo "not run: retrain $b set $k (cutoff)"; continue; fi
 echo "retrain $b $k start $(date -u +%T)"
 timeout --signal=TERM $(( $(date -u -d 09:45 +%s) - $(date -u +%s) )) \
   $P $R --seed-base $b --cache $C --sets $k --variants confined --seeds 0,1,2,3,4 --json $S/out/s${b}_$k.json
 rc=$?; echo "retrain $b $k end $(date -u +%T) rc=$rc"
done
echo "all done $(date -u +%T)"
