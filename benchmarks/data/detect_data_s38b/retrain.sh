cd /work/wt13b
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=/tmp/h13bs38/cache; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s38b
echo "retrain 52600 3 start $(date -u +%T)"
timeout $(( $(date -u -d 06:58 +%s) - $(date -u +%s) )) \
  $P $R --seed-base 52600 --cache $C --sets 3 --variants confined,sure --seeds 0,1,2,3,4 --json $S/out/s52600_3.json
echo "retrain 52600 3 end $(date -u +%T) rc=$?"
