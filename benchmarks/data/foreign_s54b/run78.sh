#!/bin/bash
# fresh foreign seed 78 (issue 9, stop 54: h9B): build --new-activations3 with selu_mlp and
# hardswish_bn_cnn from C (a `git archive` of branch h9B at its plan commit), then score every
# model model by model with today's default (M: a `git archive` of main at 4025baf0) and the
# candidate C-U (C's src, TROJANSCOPE_ACTIVATION_TRAITS=route-u) under `timeout` to the cut
# (paired_detect.py):   bash run78.sh PLAN_COMMIT 78 16:00:00 4
P=$1; S=${2:-78}; CUT=${3:-16:00:00}; PF=${4:-4}
R=/tmp/h9Bs54/run; mkdir -p $R/C $R/M && cd $R
PY=/work/main/.venv/bin/python; C=$R/C; M=$R/M
git -C /work/wth9B archive $P src benchmarks | tar -x -C $C
git -C /work/main archive 4025baf0 src benchmarks | tar -x -C $M
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
echo "build start $(date -u +%T)"
PYTHONPATH=$C/src nice -n 5 $PY $C/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --new-activations3 --counts softsign_lenet=$PF,hardsigmoid_gate_cnn=$PF,logsigmoid_mlp=$PF,selu_mlp=$PF,hardswish_bn_cnn=$PF --interleave
echo "build rc $?"; echo "build end $(date -u +%T)"
mkdir -p out$S
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
PYTHONPATH=$C/src:$C/benchmarks timeout $left nice -n 5 $PY $C/benchmarks/paired_detect.py zoo-s$S --tree default=$M/src,out$S/default$S.jsonl --tree cand=$C/src,out$S/cand$S.jsonl,TROJANSCOPE_ACTIVATION_TRAITS=route-u
echo "score rc $?"; echo "score end $(date -u +%T)"
