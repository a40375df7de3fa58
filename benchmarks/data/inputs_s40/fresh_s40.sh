#!/bin/bash
# stop 40's fresh population (issue 14; plan.md beside this file), in the plan's order, one
# process at a time: foreign zoo-s37 architecture families (two backdoored rows trained, then
# each effective row scored) interleaved with our own seeds 67-69 (each scored as soon as it is
# trained). Scored in the same process, same halves (--seed 0): today's detect-inputs default
# (mahalanobis), the candidate (mahalanobis:pixel_cap=0), STRIP (20 overlays) and ART 1.20's
# STRIP. WORK (required) holds the models and outputs; ART (required) is ART installed with
# `pip install --target $ART --no-deps "adversarial-robustness-toolbox==1.20.*"`.
# Nothing is removed. Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:${ART:?set ART}
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/out
Z=$W/zoo/zoo-s37
mkdir -p $O
M="mahalanobis,mahalanobis:pixel_cap=0,strip"
echo "start $(date -u +%T)"
foreign() {
  for arch in "$@"; do
    echo "train $arch $(date -u +%T)"
    nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed 37 --fresh --backdoored-only --only $arch
    echo "trained $arch rc=$? $(date -u +%T)"
    for j in 01 03; do
      name=$arch-$j
      if $PY -c "import json,sys; r={m['name']:m for m in json.load(open('$Z/truth.json'))['models']}; sys.exit(0 if r['$name']['effective'] else 1)"; then
        nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" --art \
          --out $O/inputs_s40_s37_$name.json
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
      --methods "$M" --out $O/inputs_s40_$fam-s$seed.json
    echo "done $fam-s$seed rc=$? $(date -u +%T)"
  done
}
foreign relu_cnn bn_cnn; own fresh:67:sparse:None
foreign ln_gelu_cnn leaky_strided_cnn; own fresh:67:badnets:None
foreign sigmoid_cnn lenet_tanh_avg; own fresh:67:wanet:None
foreign mlp elu_dropout_cnn; own fresh:67:blended:None
foreign silu_mlp; own fresh:67:sig:None fresh-weak:68:wanet:0.03 fresh-weak:69:wanet:0.05
echo "all done $(date -u +%T)"
