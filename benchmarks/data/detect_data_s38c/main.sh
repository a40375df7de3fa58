# issue 13 stop 38c: today's default on a fresh mixed population; detection first, then retraining, cut by the clock (UTC)
cd /work/wt13c
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=/tmp/h13cs38/cache; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s38c
ORDER="3 7 11 15 2 6 10 14 1 5 9 13 0 4 8 12 16 17 18 19 20 21"
mkdir -p $S/det $S/out $C
for b in 54000 54100; do
 for k in $ORDER; do
  if [ "$(date -u +%H%M)" -ge 0725 ]; then echo "not run: detect $b set $k (detection cutoff)"; continue; fi
  echo "detect $b $k start $(date -u +%T)"
  timeout --signal=TERM $(( $(date -u -d 07:26 +%s) - $(date -u +%s) )) \
    $P $R --seed-base $b --cache $C --sets $k --variants confined --detect-only --json $S/det/s${b}_$k.json
  echo "detect $b $k end $(date -u +%T) rc=$?"
 done
done
for b in 54000 54100; do
 for k in $ORDER; do
  [ "$k" -ge 20 ] && continue
  [ -f $S/det/s${b}_$k.json ] || continue
  if [ "$(date -u +%H%M)" -ge 0732 ]; then echo "not run: retrain $b set $k (retraining cutoff)"; continue; fi
  echo "retrain $b $k start $(date -u +%T)"
  timeout --signal=TERM $(( $(date -u -d 07:34 +%s) - $(date -u +%s) )) \
    $P $R --seed-base $b --cache $C --sets $k --variants confined --seeds 0,1,2,3,4 --json $S/out/s${b}_$k.json
  echo "retrain $b $k end $(date -u +%T) rc=$?"
 done
done
echo "all done $(date -u +%T)"
