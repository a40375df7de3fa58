# Issue 12, stop 77 (h12; development, spent zoos 2515/2516 only): the default before stop 76
# (`gated` with aug_last=0) once per model where stop 76's fresh check saw `aug_last` fire, its
# output cached (mitigate_aug_s75_dev.py --cache, into /tmp/h1277/cache, a copy of stop 76's),
# with today's step (8 epochs, the mean of epochs 3-8) applied to check the cache gives stop
# 76's fresh rows under today's default.
# Usage: bash cache.sh ZOO:N:NAME,NAME OUT.jsonl
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
W=$1; OUT=$2
Z=${W%:*}; ONLY=${W##*:}
/usr/bin/time -f "$Z $ONLY: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python \
  benchmarks/mitigate_aug_s75_dev.py $OUT $Z --cache /tmp/h1277/cache --only $ONLY \
  -p aug_last=0 -p aug_mean=0 -v aug:epochs=8,teacher=own,stamp_all=1,noisy=4,mean_from=3
