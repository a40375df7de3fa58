#!/bin/bash
# fresh foreign seed 75 (issue 9, stop 53: h9A): build --new-activations --new-activations2 from
# C (a `git archive` of branch h9A at its plan commit: the candidate), then score every model
# model by model with the candidate (C's src) and today's default (M: a `git archive` of main at
# 7f1c1936) under `timeout` to the cut (paired_detect.py):   bash run75.sh 75 13:38:00 4
S=${1:-75}; CUT=${2:-13:38:00}; PF=${3:-4}
cd /tmp/h9As53/run
PY=/work/main/.venv/bin/python; C=/tmp/h9As53/run/C; M=/tmp/h9As53/run/M
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
echo "build start $(date -u +%T)"
PYTHONPATH=$C/src nice -n 5 $PY $C/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --new-activations --new-activations2 --interleave
echo "build rc $?"; echo "build end $(date -u +%T)"
mkdir -p out$S
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
PYTHONPATH=$C/src:$C/benchmarks timeout $left nice -n 5 $PY $C/benchmarks/paired_detect.py zoo-s$S --tree cand=$C/src,out$S/cand$S.jsonl --tree default=$M/src,out$S/default$S.jsonl
echo "score rc $?"; echo "score end $(date -u +%T)"
