#!/bin/bash
# Issue 13 stop 39 (h13b): today's default beside ART SS/AC on base 54200, then the whole command.
# Run from anywhere (it works in this checkout's root). ART 1.20.1 in $ART_PKGS, required (pip --no-deps
# --target; stop 39: /tmp/h13bs39/pkgs). CUTOFF_UTC=HHMM (off by default):
# no set starts at or after that UTC time, and a set running at it plus 5 minutes is stopped
# (stop 39 ran with CUTOFF_UTC=0900).
set -u
cd "$(dirname "$0")/../../.." || exit 2
P="env OMP_NUM_THREADS=1 PYTHONPATH=src:${ART_PKGS:?set ART_PKGS to the folder ART 1.20.1 was installed in} nice -n 5 ${VENV:-/work/main/.venv}/bin/python"
S=benchmarks/data/detect_data_s39b
CUTOFF_UTC=${CUTOFF_UTC:-}
for k in 3 7 11 15 2 6 10 14 1 5 9 13 0 4 8 12 16 17 18 19 20 21; do
  LIMIT=""
  if [ -n "$CUTOFF_UTC" ]; then
    now=$(date -u +%H%M); [ "$now" -ge "$CUTOFF_UTC" ] && { echo "not run: set $k (cut at $(date -u +%T))"; continue; }
    LIMIT="timeout --foreground $(( $(date -u -d "${CUTOFF_UTC:0:2}:${CUTOFF_UTC:2:2}" +%s) + 300 - $(date -u +%s) ))"
  fi
  echo "set $k start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  $LIMIT $P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets $k --json $S/det/s54200_$k.json \
    > $S/det/s54200_$k.log 2>&1
  echo "set $k rc=$? end $(date -u +%T)"
done
