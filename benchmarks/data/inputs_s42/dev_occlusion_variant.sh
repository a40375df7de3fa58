#!/bin/bash
# stop 42, issue 14 (development models only, measurement): which transform the occlusion column
# should displace — binarise (transforms median, blur, rotbin) instead of auto's rotbin — on the
# zoos dev_occlusion.sh rebuilt (WORK as there). Same protocol and halves (--seed 0).
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
PY=${VENV:-/work/main/.venv}/bin/python
M="mahalanobis:occlusion=true:transforms=median+blur+rotbin,mahalanobis:transforms=median+blur+rotbin"
for spec in 36:mlp-01 37:mlp-01 37:leaky_strided_cnn-01; do
  IFS=: read seed name <<< "$spec"
  nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $W/zoo-s$seed --models $name --methods "$M" \
    --out $W/out/occlusion_variant_s${seed}_$name.json
  echo "scored s$seed $name rc=$? $(date -u +%T)"
done
