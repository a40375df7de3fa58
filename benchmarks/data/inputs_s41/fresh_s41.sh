#!/bin/bash
# stop 41's fresh population (issue 14; plan.md beside this file): stop 40's rule for
# `mahalanobis -p pixel_cap=0` applied again, only the population new. In the plan's order, one
# process at a time: our own seeds 70-73 (one model each, first, so that at least four are built)
# interleaved with foreign zoo-s38 architecture families (two backdoored rows trained, then each
# effective row scored); each model scored as soon as it is trained. Scored in the same process,
# same halves (--seed 0): today's detect-inputs default (mahalanobis), the candidate
# (mahalanobis:pixel_cap=0), STRIP (20 overlays) and ART 1.20's STRIP. WORK (required) holds the
# models and outputs; ART (required) is ART installed with
# `pip install --target $ART --no-deps "adversarial-robustness-toolbox==1.20.*"`.
# Nothing is removed. Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:${ART:?set ART}
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/out
Z=$W/zoo/zoo-s38
mkdir -p $O
M="mahalanobis,mahalanobis:pixel_cap=0,strip"
echo "start $(date -u +%T)"
foreign() {
  for arch in "$@"; do
    echo "train $arch $(date -u +%T)"
    nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed 38 --fresh --backdoored-only --only $arch
    echo "trained $arch rc=$? $(date -u +%T)"
    for j in 01 03; do
      name=$arch-$j
      if $PY -c "import json,sys; r={m['name']:m for m in json.load(open('$Z/truth.json'))['models']}; sys.exit(0 if r['$name']['effective'] else 1)"; then
        nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" --art \
          --out $O/inputs_s41_s38_$name.json
        echo "scored $name rc=$? $(date -u +%T)"
      else
        echo "left out $name (not effective) $(date -u +%T)"
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
      --methods "$M" --out $O/inputs_s41_$fam-s$seed.json
    echo "done $fam-s$seed rc=$? $(date -u +%T)"
  done
}
own fresh:70:sparse:None; foreign relu_cnn
own fresh:71:badnets:None; foreign mlp
own fresh:72:wanet:None; foreign lenet_tanh_avg
own fresh:73:blended:None; foreign leaky_strided_cnn bn_cnn ln_gelu_cnn sigmoid_cnn elu_dropout_cnn silu_mlp
own fresh:70:sig:None
echo "all done $(date -u +%T)"
