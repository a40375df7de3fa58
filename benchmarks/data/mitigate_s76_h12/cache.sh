# Issue 12, stop 76 (h12; development, spent zoos 2511/2512 only): today's `gated` once per model
# where stop 75's fresh check saw `aug_last` fire, its output cached (mitigate_aug_s75_dev.py
# --cache), with aug_last=5's variant applied to check the cache reproduces stop 75's fresh rows.
# Usage: bash cache.sh ZOO:N:NAME,NAME OUT.jsonl
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
W=$1; OUT=$2
Z=${W%:*}; ONLY=${W##*:}
/usr/bin/time -f "$Z $ONLY: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python \
  benchmarks/mitigate_aug_s75_dev.py $OUT $Z --cache /tmp/h1276/cache --only $ONLY \
  -v aug:epochs=5,teacher=own,stamp_all=1,noisy=4
