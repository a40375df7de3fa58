#!/bin/bash
# score fresh seed S's models as build8x.sh builds them (issue 9, stop 57: h9), with today's
# default (F's code and file; the runs record every feature, so the candidate is read from the
# stored reports afterwards): every 30 s the plan's scoring command (foreign_zoo_detect.py
# --interleave --rotate, which skips the models already in --out) on the models built so far,
# until the cut. The builder makes each family's clean and backdoored models one after the
# other, so the scored population stays balanced. bash score8x.sh 87 01:05:00
S=${1:?seed}; CUT=${2:-01:05:00}
cd /tmp/h9s57/run
END=$(date -u -d "$CUT" +%s); [ $END -lt $(date -u +%s) ] && END=$((END + 86400))  # past midnight
PY=/work/main/.venv/bin/python; F=/tmp/h9s57/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
mkdir -p out$S
echo "loop start $(date -u +%T)"
while :; do
  left=$(( END - $(date -u +%s) ))
  [ $left -le 0 ] && break
  [ -f zoo-s$S/truth.json ] && PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY \
      $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
  sleep 30
done
echo "loop end $(date -u +%T)"
