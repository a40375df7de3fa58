# issue 13 stop 38b: detection of both variants, in the rule's order, cut by the clock (UTC)
cd /work/wt13b
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=/tmp/h13bs38/cache; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s38b
mkdir -p $S/det $C
for b in 52600 52700 52800 52900 53000 53100 53200 53300 53400 53500 53600 53700 53800 53900; do
 for k in 3 2; do
  if [ "$(date -u +%H%M)" -ge 0653 ]; then echo "not run: $b set $k (detection cutoff)"; continue; fi
  echo "detect $b $k start $(date -u +%T)"
  timeout --signal=TERM $(( $(date -u -d 06:55 +%s) - $(date -u +%s) )) \
    $P $R --seed-base $b --cache $C --sets $k --variants confined,sure --detect-only --json $S/det/s${b}_$k.json
  echo "detect $b $k end $(date -u +%T) rc=$?"
 done
done
echo "all done $(date -u +%T)"
