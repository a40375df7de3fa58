#!/bin/bash
# Issue 13 stop 39 (h13b): today's default beside ART SS/AC on base 54200, then the whole command.
# Run from the worktree root; ART 1.20.1 in /tmp/h13bs39/pkgs (pip --no-deps --target).
P="env OMP_NUM_THREADS=1 PYTHONPATH=src:/tmp/h13bs39/pkgs nice -n 5 /work/main/.venv/bin/python"
S=benchmarks/data/detect_data_s39b
for k in 3 7 11 15 2 6 10 14 1 5 9 13 0 4 8 12 16 17 18 19 20 21; do
  now=$(date -u +%H%M); [ "$now" -ge 0900 ] && { echo "not run: set $k (cut at $(date -u +%T))"; continue; }
  echo "set $k start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  timeout --foreground $(( $(date -u -d 09:05 +%s) - $(date -u +%s) )) \
    $P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets $k --json $S/det/s54200_$k.json \
    > $S/det/s54200_$k.log 2>&1
  echo "set $k rc=$? end $(date -u +%T)"
done
