#!/bin/bash
# score fresh seed S's models as build8x.sh builds them (issue 9, stop 57: h9), with today's
# default (F's code and file; the runs record every feature, so the candidate is read from the
# stored reports afterwards): every 30 s the plan's scoring command (foreign_zoo_detect.py
# --interleave --rotate, which skips the models already in --out) on the models built so far,
# until the cut. The builder makes each family's clean and backdoored models one after the
# other, so the scored population stays balanced. bash score8x.sh 87 01:05:00 [FAMILIES TAG]
# Since 23:45: at load 20-25 one detect child took ~5 min wall (22 s CPU), so one loop per seed
# would read about 15 models by the cut; two loops per seed score alternate families of the
# build order (foreign_zoo_detect.py --only FAMILIES), each into its own outS/detectS<TAG>.jsonl
# (post8x.sh joins them). The first loops (whole zoo, started 23:34) were stopped at 23:42:47;
# their last passes ran to their end (seed 87: relu_cnn-00; seed 88: relu_strided_cnn-00 and
# -01), then loop A of each seed (TAG empty: the same file) and loop B started
# (/tmp/h9s57/start_ab.sh, kept as start_ab.sh here). Nothing about a score changes.
S=${1:?seed}; CUT=${2:-01:05:00}; ONLY=${3:-}; TAG=${4:-}
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
      $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S$TAG.jsonl --interleave \
      --rotate ${ONLY:+--only $ONLY}
  sleep 30
done
echo "loop end $(date -u +%T)"
