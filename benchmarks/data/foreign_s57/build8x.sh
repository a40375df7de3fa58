#!/bin/bash
# build fresh foreign seed S (issue 9, stop 57: h9) from F (a `git archive` of the plan commit),
# one architecture family at a time so that each family's clean and backdoored models are built
# together and a clock cut loses whole pairs, not the backdoored half: the plan's command
# (foreign_zoo.py --broad --per-family 2 --interleave --rotate) with --only FAMILY, run in turn
# over the families (ORDER: fwd = the plan's family order, rev = reversed, so that seeds 87 and
# 88 lose different families to a cut). Models are seeded by their plan row, so the order
# changes which models exist by the cut, never a model. bash build8x.sh 87 01:05:00 fwd
S=${1:?seed}; CUT=${2:-01:05:00}; ORDER=${3:-fwd}
cd /tmp/h9s57/run
END=$(date -u -d "$CUT" +%s); [ $END -lt $(date -u +%s) ] && END=$((END + 86400))  # past midnight
PY=/work/main/.venv/bin/python; F=/tmp/h9s57/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
FAMS="relu_cnn bn_cnn ln_gelu_cnn leaky_strided_cnn sigmoid_cnn lenet_tanh_avg mlp elu_dropout_cnn silu_mlp relu_strided_cnn"
[ "$ORDER" = rev ] && FAMS=$(echo $FAMS | tr ' ' '\n' | tac | tr '\n' ' ')
echo "build start $(date -u +%T) order $FAMS"
for FAM in $FAMS; do
  left=$(( END - $(date -u +%s) ))
  [ $left -le 0 ] && break
  PYTHONPATH=$F/src timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo.py --out zoo-s$S \
      --per-family 2 --seed $S --broad --interleave --rotate --only $FAM
  echo "family $FAM rc $? $(date -u +%T)"
done
echo "build end $(date -u +%T)"
