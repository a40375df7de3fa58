#!/bin/bash
# stop 45's fresh population (issue 14; plan.md beside this file): `mahalanobis -p
# occlusion=true` (stop 42's occlusion column in place of auto's fourth transform) against
# today's default. In the plan's order, one process at a time: our own seeds 82-85 (one model
# each, first, interleaved with the three tanh-MLP crossed-patch rows of the extra MLP zoos),
# then the foreign zoos of seeds 46 and 47 (two backdoored rows per architecture family,
# crossed-patch families first); each model scored as soon as it is trained. Scored in the
# same process, same halves (--seed 0): today's default (mahalanobis), the candidate
# (mahalanobis:occlusion=true), STRIP (20 overlays) and ART 1.20's STRIP. WORK (required) holds
# the models and outputs; ART (required) is ART installed with
# `pip install --target $ART --no-deps "adversarial-robustness-toolbox==1.20.*"`.
# Nothing is removed. Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:${ART:?set ART}
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/out
mkdir -p $O
M="mahalanobis,mahalanobis:occlusion=true,strip"
echo "start $(date -u +%T)"
score() {  # zoo tag row
  Z=$1; tag=$2; name=$3
  if $PY -c "import json,sys; r={m['name']:m for m in json.load(open('$Z/truth.json'))['models']}; sys.exit(0 if r['$name']['effective'] else 1)"; then
    nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" --art \
      --out $O/inputs_s45_${tag}_$name.json
    echo "scored $tag $name rc=$? $(date -u +%T)"
  else
    echo "left out $tag $name (not effective) $(date -u +%T)"
  fi
}
foreign() {
  seed=$1; shift
  Z=$W/zoo/zoo-s$seed
  for arch in "$@"; do
    echo "train s$seed $arch $(date -u +%T)"
    nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed $seed --fresh --backdoored-only --only $arch
    echo "trained s$seed $arch rc=$? $(date -u +%T)"
    for j in 01 03; do score $Z s$seed $arch-$j; done
  done
}
mlpzoo() {  # the extra MLP zoo of a seed: --counts mlp=14 (its backdoored rows 01..13)
  seed=$1
  Z=$W/zoo/zoo-s${seed}x
  echo "train s${seed}x mlp $(date -u +%T)"
  nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed $seed --fresh --backdoored-only --counts mlp=14
  echo "trained s${seed}x mlp rc=$? $(date -u +%T)"
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
      --methods "$M" --out $O/inputs_s45_$fam-s$seed.json
    echo "done $fam-s$seed rc=$? $(date -u +%T)"
  done
}
mlpzoo 46; mlpzoo 47
own fresh:82:wanet:None; score $W/zoo/zoo-s47x s47x mlp-01
own fresh:83:blended:None; score $W/zoo/zoo-s46x s46x mlp-13
own fresh:84:sparse:None; score $W/zoo/zoo-s47x s47x mlp-13
own fresh:85:wanet:None
foreign 46 relu_cnn mlp leaky_strided_cnn lenet_tanh_avg bn_cnn ln_gelu_cnn sigmoid_cnn elu_dropout_cnn silu_mlp
foreign 47 relu_cnn mlp leaky_strided_cnn lenet_tanh_avg bn_cnn ln_gelu_cnn sigmoid_cnn elu_dropout_cnn silu_mlp
echo "all done $(date -u +%T)"
