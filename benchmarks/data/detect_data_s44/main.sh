#!/bin/bash
# Issue 13 stop 44 (h13): today's default (``auto``, `pair_recall` and `outside_pure` on since stop
# 42) on fresh bases 55200 and 55300, beside ART SS/AC; the whole command; retraining on the
# cleaned set. One heavy process at a time. Order (plan.md):
#  (1) the 22 sets of 55200 (stop 38c/39 order), auto + ART, feature models cached in $CACHE;
#  (2) the whole command on 4,000 samples (s55202), again once if the load at its start was above 3;
#  (3) the unpoisoned reference, training seeds 0-2;
#  (4) retraining (default, seeds 0-2) of 55200's sets 17 2 19 6;
#  (5) the 22 sets of 55300, auto + ART;
#  (6) retraining of 55200's sets 16 10 18 14 3 7 11 15 1 5 9 13 0 4 8 12, then 55300's in RORDER.
# Clock: no step starts at or after CUTOFF_UTC (HHMM, default 0352); one still running at STOP_UTC
# (HH:MM, default 03:58) is stopped and listed as not run. A file $HOLD (default /tmp/h13s44/hold)
# makes the script wait before its next step (one heavy process at a time while it exists).
# Run from anywhere: ART_PKGS=/tmp/h13s44/pkgs CACHE=/tmp/h13s44/fresh bash benchmarks/data/detect_data_s44/main.sh
set -u
cd "$(dirname "$0")/../../.." || exit 2
PY=${VENV:-/work/main/.venv}/bin/python
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:${ART_PKGS:?set ART_PKGS to the folder ART 1.20.1 was installed in} nice -n 5 $PY"
S=benchmarks/data/detect_data_s44; C=${CACHE:-/tmp/h13s44/fresh}; HOLD=${HOLD:-/tmp/h13s44/hold}
CUT=${CUTOFF_UTC:-0352}; STOP=${STOP_UTC:-03:58}
ORDER="3 7 11 15 2 6 10 14 1 5 9 13 0 4 8 12 16 17 18 19 20 21"
RORDER="17 2 19 6 16 10 18 14 3 7 11 15 1 5 9 13 0 4 8 12"
mkdir -p $S/det $S/out $C
step() {  # name, log file, then the command (a script and its arguments)
  name=$1; log=$2; shift 2
  while [ -f "$HOLD" ]; do sleep 5; done
  if [ "$(date -u +%H%M)" -ge "$CUT" ]; then echo "not run: $name (cut at $(date -u +%T))"; return 1; fi
  echo "$name start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  timeout --signal=TERM $(( $(date -u -d "$STOP" +%s) - $(date -u +%s) )) $P "$@" > "$log" 2>&1
  rc=$?; echo "$name end $(date -u +%T) rc=$rc"; return $rc
}
detect() {  # base, set
  step "detect $1 $2" $S/det/s$1_$2.log benchmarks/bench_detect_data.py --seed-base $1 --methods auto \
    --sets $2 --cache $C --json $S/det/s$1_$2.json
}
retrain() {  # base, set: today's default (``confined``), training seeds 0-2
  step "retrain $1 $2" $S/out/s$1_$2.log benchmarks/bench_detect_data_retrain.py --seed-base $1 \
    --cache $C --sets $2 --variants confined --seeds 0,1,2 --json $S/out/s$1_$2.json
}
echo "main start $(date -u +%T)"
for k in $ORDER; do detect 55200 $k; done
step "cli1" $S/cli1.log benchmarks/bench_detect_data.py --seed-base 55200 --methods auto --sets none \
  --cli-time --cli-set 2 --json $S/cli1.json
if [ -f $S/cli1.json ] && $PY -c "import json,sys; sys.exit(0 if json.load(open('$S/cli1.json'))['cli']['load_start'] > 3 else 1)"; then
  step "cli2" $S/cli2.log benchmarks/bench_detect_data.py --seed-base 55200 --methods auto --sets none \
    --cli-time --cli-set 2 --json $S/cli2.json
fi
for t in 0 1 2; do
  step "reference t$t" $S/out/ref_t$t.log benchmarks/bench_detect_data_retrain.py --seed-base 55200 \
    --cache $C --sets 2 --variants confined --detect-only --reference --train-seed $t --json $S/out/ref_t$t.json
done
for k in 17 2 19 6; do retrain 55200 $k; done
for k in $ORDER; do detect 55300 $k; done
for k in 16 10 18 14 3 7 11 15 1 5 9 13 0 4 8 12; do retrain 55200 $k; done
for k in $RORDER; do retrain 55300 $k; done
echo "main done $(date -u +%T)"
