#!/bin/bash
# after fresh.sh: detect-inputs' default (five passes) and STRIP (20 overlays) on the same fresh
# models, in the same order, one process per model (the per-model figures beside the guard's;
# not part of the rule). Stopped at the clock if unfinished; what it reached is reported.
# Committed after the run (stop 39 review); as run then, with its folders given by the
# environment instead of hard-coded: WORK (required; stop 39: /tmp/h14s39) holds fresh/,
# fresh-weak/, zoo/zoo-s36 and fresh_out/ (what fresh.sh wrote); nothing is removed.
# Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 PYTHONPATH=src
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/fresh_out
Z=$W/zoo/zoo-s36
M="mahalanobis,strip"
echo "fivepass start $(date -u +%T)"
f() { for arch in "$@"; do for j in 01 03; do name=$arch-$j
  [ -f $O/rare_served_stop39_s36_$name.json ] || continue
  nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" --out $O/fivepass_stop39_s36_$name.json
  echo "fivepass $name rc=$? $(date -u +%T)"; done; done; }
o() { for spec in "$@"; do IFS=: read root seed fam <<< "$spec"
  [ -f $O/rare_served_stop39_$fam-s$seed.json ] || continue
  nice -n 5 $PY benchmarks/bench_detect_inputs.py $W/$root --seeds $seed --families $fam --no-art --no-formats \
    --methods "$M" --out $O/fivepass_stop39_$fam-s$seed.json
  echo "fivepass $fam-s$seed rc=$? $(date -u +%T)"; done; }
f relu_cnn bn_cnn; o fresh:64:sparse; f ln_gelu_cnn leaky_strided_cnn; o fresh:64:badnets
f sigmoid_cnn lenet_tanh_avg; o fresh:64:wanet; f mlp elu_dropout_cnn; o fresh:64:blended
f silu_mlp; o fresh:64:sig fresh-weak:65:wanet fresh-weak:66:wanet
echo "fivepass all done $(date -u +%T)"
