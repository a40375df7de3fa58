# Issue 12, stop 75 (h12; development, second pass): aug_last's variants with the reversed
# trigger stamped on the noisy copies too (stamp_all), on the outputs dev.sh cached (no `gated`
# run again). Usage: bash dev2.sh LIST OUT.jsonl
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
LIST=$1; OUT=$2; shift 2
V="-v aug:epochs=5,teacher=own,stamp_all=1,noisy=4 -v aug:epochs=5,teacher=own,stamp_all=1 -v aug:epochs=3,teacher=own,stamp_all=1,noisy=4 -v aug:epochs=8,teacher=own,stamp_all=1,noisy=4"
for W in $LIST; do
  Z=${W%:*}; ONLY=${W##*:}
  /usr/bin/time -f "$Z $ONLY: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_aug_s75_dev.py $OUT $Z --cache /tmp/h1275/cache --only $ONLY $V "$@"
done
