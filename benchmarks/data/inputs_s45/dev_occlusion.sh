#!/bin/bash
# Stop 45 (issue 14), development models only: the candidate `mahalanobis -p occlusion=true`
# (stop 42's occlusion column in place of auto's fourth transform) on the development models of
# stops 42 and 44 (their fresh populations, foreign seeds 42-45 and own seeds 74-81, as their
# scripts built them under /tmp/h14s42/fresh and /tmp/h14s44/fresh), one model per process, in
# this order: our own WaNet models first (the transform it displaces is the one warps rely on),
# then the crossed patches, then the rest. Today's default's figures are those committed in
# benchmarks/data/inputs_s42/fresh and inputs_s44/fresh (same protocol, --seed 0).
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK to the output folder}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
PY=${VENV:-/work/main/.venv}/bin/python
M="mahalanobis:occlusion=true"
A=/tmp/h14s42/fresh; B=/tmp/h14s44/fresh
mkdir -p $W
own() {  # root:family-sSEED
  for spec in "$@"; do
    IFS=: read root run <<< "$spec"
    fam=${run%-s*}; seed=${run##*-s}
    $PY benchmarks/bench_detect_inputs.py $root --seeds $seed --families $fam --no-formats \
      --no-art --methods "$M" --out $W/dev_$run.json > /dev/null 2>&1
    echo "$run rc=$? $(date -u +%T)"
  done
}
foreign() {  # zoo-folder names...
  Z=$1; shift
  for name in "$@"; do
    $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" \
      --out $W/dev_$(basename $Z)_$name.json > /dev/null 2>&1
    echo "$(basename $Z) $name rc=$? $(date -u +%T)"
  done
}
echo "start $(date -u +%T)"
own $B/fresh:wanet-s79 $A/fresh:wanet-s76
foreign $B/zoo/zoo-s44 relu_cnn-01 leaky_strided_cnn-01
foreign $B/zoo/zoo-s45 relu_cnn-01 mlp-01 leaky_strided_cnn-01
foreign $A/zoo/zoo-s43 relu_cnn-01 leaky_strided_cnn-01
foreign $A/zoo/zoo-s42 mlp-01 leaky_strided_cnn-01
own $B/fresh:sparse-s80 $A/fresh:sparse-s75 $B/fresh:sig-s81 $B/fresh:badnets-s78 $A/fresh:blended-s77 $A/fresh:sig-s74
for z in $B/zoo/zoo-s44 $B/zoo/zoo-s45 $A/zoo/zoo-s42 $A/zoo/zoo-s43; do
  foreign $z relu_cnn-03 mlp-03 lenet_tanh_avg-01 lenet_tanh_avg-03 leaky_strided_cnn-03 bn_cnn-01 \
    bn_cnn-03 ln_gelu_cnn-01 ln_gelu_cnn-03 sigmoid_cnn-01 sigmoid_cnn-03 elu_dropout_cnn-01 \
    elu_dropout_cnn-03 silu_mlp-01 silu_mlp-03
done
echo "all done $(date -u +%T)"
