# issue 13 stop 42: development detection of ``outside_pure`` (bench variant ``outpure``) and of
# ``pair_recall`` + ``outside_pure`` (``mended``) against the default (``confined``), one set at a time,
# base 54800 (development since stop 41's run). Run from the worktree root:
# CACHE=/tmp/h13s42/cache bash benchmarks/data/detect_data_s42/dev.sh
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=${CACHE:-/tmp/h13s42/cache}; S=benchmarks/data/detect_data_s42/dev
for k in ${SETS:-5 1 9 13 2 6 10 14 3 7 11 15 0 4 8 12 16 19}; do
 echo "dev 54800 $k start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
 $P benchmarks/bench_detect_data_retrain.py --seed-base 54800 --cache $C --sets $k \
   --variants confined,outpure,mended --detect-only --json $S/det_s54800_$k.json > /dev/null 2>&1
 echo "dev 54800 $k end $(date -u +%T) rc=$?"
done
