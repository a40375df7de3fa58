#!/bin/bash
# stop 42, issue 14, task 2 (development models only): the opt-in occlusion column
# (`mahalanobis:occlusion=true`, one transform fewer under auto, <= 5 passes) beside today's
# default on the two tanh-MLP crossed-patch misses (zoo-s36 mlp-01: stop 40's development
# rebuild; zoo-s37 mlp-01: stop 40's fresh model) and a control at the goal (zoo-s37
# leaky_strided_cnn-01), each zoo rebuilt from its seed as stops 40-41 built it. Same protocol
# and halves as the benchmark (--seed 0). WORK (required): the folder for the zoos and outputs.
set -u
cd "$(dirname "$0")/../../.." || exit 2
W=${WORK:?set WORK}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
PY=${VENV:-/work/main/.venv}/bin/python
M="mahalanobis,mahalanobis:occlusion=true"
mkdir -p $W/out
echo "start $(date -u +%T)"
for spec in 36:mlp:mlp-01 37:mlp:mlp-01 37:leaky_strided_cnn:leaky_strided_cnn-01; do
  IFS=: read seed arch name <<< "$spec"
  Z=$W/zoo-s$seed
  nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed $seed --fresh --backdoored-only --only $arch
  nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" \
    --out $W/out/occlusion_dev_s${seed}_$name.json
  echo "scored s$seed $name rc=$? $(date -u +%T)"
done
echo "all done $(date -u +%T)"
