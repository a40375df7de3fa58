# Issue 12, stop 75 (h12; development, spent zoos only): today's `gated` once per model, then
# aug_last's variants on its output (benchmarks/mitigate_aug_s75_dev.py). Usage:
#   bash dev.sh LIST OUT.jsonl   (LIST: ZOOFOLDER:N:NAME,NAME ... one zoo per word)
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
LIST=$1; OUT=$2; shift 2
V=${V:-"-v aug:epochs=5,teacher=own -v aug:epochs=10,teacher=own -v aug:epochs=5,teacher=own,noisy=4 -v aug:epochs=5,teacher=own,stamp=0 -v aug:epochs=5,teacher=mixed -v aug:epochs=5,teacher=came"}
for W in $LIST; do
  Z=${W%:*}; ONLY=${W##*:}
  /usr/bin/time -f "$Z $ONLY: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_aug_s75_dev.py $OUT $Z --cache /tmp/h1275/cache --only $ONLY $V "$@"
done
