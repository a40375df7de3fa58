#!/bin/bash
# scoring in three processes per seed (issue 9, stop 56: h9A). At load 26-28 one detect took
# ~7.5 min wall (25 s CPU): one scorer per seed would have scored ~6 models by the cut. At 21:01
# UTC (builds over; one model of each seed scored by score_early.sh, which was then stopped) each
# seed's remaining models were split by architecture family over three foreign_zoo_detect.py
# processes (--only; each with its own run file, seeded with the rows already scored of its
# families; interleaved and rotated within it), all under the same 21:38 cut; post8x.sh merges
# the files: bash score_split.sh 83 21:38:00
S=${1:?seed}; CUT=${2:-21:38:00}
cd /tmp/h9As56/run
PY=/work/main/.venv/bin/python; F=/tmp/h9As56/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
FAMS=("bn_cnn,relu_cnn,ln_gelu_cnn,sigmoid_cnn" "leaky_strided_cnn,lenet_tanh_avg,mlp"
        "elu_dropout_cnn,silu_mlp,relu_strided_cnn")
for i in 0 1 2; do
  g=${FAMS[$i]}; out=out$S/detect${S}_g$i.jsonl
  $PY -c "import json,sys; fams=set(sys.argv[1].split(','))
for l in open('out$S/detect$S.jsonl'):
    if json.loads(l)['name'].rsplit('-',1)[0] in fams: print(l, end='')" "$g" > $out
  left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
  ( PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out $out --interleave --rotate --only $g
    echo "group $i score rc $? at $(date -u +%T)" ) &
done
echo "split score start $(date -u +%T)"; wait; echo "score end $(date -u +%T)"
