#!/bin/bash
# stop 44's fresh population (issue 14; plan.md beside this file): `mahalanobis -p
# occlusion=auto` (the occlusion column only in the passes a model's kept transforms leave spare)
# against today's default. In the plan's order, one process at a time: our own seeds 78-81 (one
# model each, first, interleaved) and the foreign zoos of seeds 44 then 45 (two backdoored rows
# per architecture family trained, then each effective row scored); each model scored as soon as
# it is trained. Scored in the same process, same halves (--seed 0): today's default
# (mahalanobis), the candidate (mahalanobis:occlusion=auto), STRIP (20 overlays) and ART 1.20's
# STRIP. WORK (required) holds the models and outputs; ART (required) is ART installed with
# `pip install --target $ART --no-deps "adversarial-robustness-toolbox==1.20.*"`.
# Nothing is removed. Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:${ART:?set ART}
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/out
mkdir -p $O
M="mahalanobis,mahalanobis:occlusion=auto,strip"
echo "start $(date -u +%T)"
foreign() {
  seed=$1; shift
  Z=$W/zoo/zoo-s$seed
  for arch in "$@"; do
    echo "train s$seed $arch $(date -u +%T)"
    nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed $seed --fresh --backdoored-only --only $arch
    echo "trained s$seed $arch rc=$? $(date -u +%T)"
    for j in 01 03; do
      name=$arch-$j
      if $PY -c "import json,sys; r={m['name']:m for m in json.load(open('$Z/truth.json'))['models']}; sys.exit(0 if r['$name']['effective'] else 1)"; then
        nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" --art \
          --out $O/inputs_s44_s${seed}_$name.json
        echo "scored s$seed $name rc=$? $(date -u +%T)"
      else
        echo "left out s$seed $name (not effective) $(date -u +%T)"
      fi
    done
  done
}
own() {
  for spec in "$@"; do
    IFS=: read root seed fam rate <<< "$spec"
    R=$W/$root
    echo "train $fam-s$seed $(date -u +%T)"
    nice -n 5 $PY -c "import sys; sys.path.insert(0, 'benchmarks'); \
from pathlib import Path; from bench_detect_inputs import make_runs; \
make_runs(Path('$R'), [$seed], ['$fam'], poison_rate=$rate)"
    echo "score $fam-s$seed $(date -u +%T)"
    nice -n 5 $PY benchmarks/bench_detect_inputs.py $R --seeds $seed --families $fam --no-formats \
      --methods "$M" --out $O/inputs_s44_$fam-s$seed.json
    echo "done $fam-s$seed rc=$? $(date -u +%T)"
  done
}
own fresh:78:badnets:None; foreign 44 relu_cnn
own fresh:79:wanet:None; foreign 44 mlp
own fresh:80:sparse:None; foreign 44 lenet_tanh_avg
own fresh:81:sig:None
foreign 44 leaky_strided_cnn bn_cnn ln_gelu_cnn sigmoid_cnn elu_dropout_cnn silu_mlp
foreign 45 relu_cnn mlp lenet_tanh_avg leaky_strided_cnn bn_cnn ln_gelu_cnn sigmoid_cnn elu_dropout_cnn silu_mlp
echo "all done $(date -u +%T)"
