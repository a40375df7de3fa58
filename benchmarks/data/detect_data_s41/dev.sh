# issue 13 stop 41: development detection of ``pair_recall`` (bench variant ``pairs``) beside the
# default (``confined``) on development sets of bases <= 54700 (feature models cached in $CACHE).
# Run from the worktree root: CACHE=/tmp/h13s41/cache bash benchmarks/data/detect_data_s41/dev.sh
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=${CACHE:-/tmp/h13s41/cache}; S=benchmarks/data/detect_data_s41/dev
for spec in 54000:16,17,18,19 54100:16,17,18,19 54200:17,19 54300:17,19 54600:16,17,18,19 \
    54700:16,17,18,19 54700:1,5; do
 b=${spec%%:*}; k=${spec#*:}
 echo "$spec start $(date -u +%T)"
 $P benchmarks/bench_detect_data_retrain.py --seed-base $b --cache $C --sets $k \
   --variants confined,pairs --detect-only --json $S/det_s${b}_${k//,/-}.json
done
echo "all done $(date -u +%T)"
