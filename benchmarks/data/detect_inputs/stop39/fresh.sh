#!/bin/bash
# stop 39's fresh population for the served guard's rare column, in the rule's order, one
# process at a time: the load test first, then foreign zoo-s36 architecture families (two
# backdoored rows trained, then each effective row scored) interleaved with our own seeds 64-66
# (each scored as soon as it is trained). Scored: the served guard and the candidate (the rule),
# in the same process. detect-inputs' default and STRIP are scored afterwards (fivepass.sh).
# Committed after the run (stop 39 review); as run then, with its folders given by the
# environment instead of hard-coded: WORK (required; stop 39: /tmp/h14s39) holds fresh/,
# fresh-weak/, zoo/zoo-s36 and fresh_out/; ORT (required; stop 39: /tmp/h14/ort) is ONNX
# Runtime installed with `pip install --target $ORT --no-deps onnxruntime flatbuffers`;
# SERVE_RUN (required; stop 39: /tmp/h14/purify/runs/badnets-s1) is the served model, made with
# `trojanscope attack --attack badnets --seed 1 --out $SERVE_RUN` (docs/benchmarks.md,
# "Confirmation run: the load test at 2,000 requests per row"). Nothing is removed.
# Run from anywhere: it works in this checkout's root.
set -u
cd "$(dirname "$0")/../../../.." || exit 2
W=${WORK:?set WORK to the folder for the fresh models and outputs}
export OMP_NUM_THREADS=1 PYTHONPATH=src
PY=${VENV:-/work/main/.venv}/bin/python
O=$W/fresh_out
Z=$W/zoo/zoo-s36
mkdir -p $O
M="mahalanobis:transforms=[]:rare=false:isolated=false,mahalanobis:transforms=[]:rare=true:isolated=false"
echo "start $(date -u +%T)"
PYTHONPATH=src:${ORT:?set ORT} nice -n 5 $PY benchmarks/bench_serve.py ${SERVE_RUN:?set SERVE_RUN} \
  --guard auto --guard-param rare=true --requests 2000 --batch-requests 200 --out $O/serve_stop39_rule.json \
  > $O/serve_stop39_rule.log 2>&1
echo "load test rc=$? $(date -u +%T)"
foreign() {
  for arch in "$@"; do
    echo "train $arch $(date -u +%T)"
    nice -n 5 $PY benchmarks/foreign_zoo.py --out $Z --per-family 4 --seed 36 --fresh --backdoored-only --only $arch
    echo "trained $arch rc=$? $(date -u +%T)"
    for j in 01 03; do
      name=$arch-$j
      if $PY -c "import json,sys; r={m['name']:m for m in json.load(open('$Z/truth.json'))['models']}; sys.exit(0 if r['$name']['effective'] else 1)"; then
        nice -n 5 $PY benchmarks/bench_detect_inputs_foreign.py $Z --models $name --methods "$M" \
          --out $O/rare_served_stop39_s36_$name.json
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
    nice -n 5 $PY benchmarks/bench_detect_inputs.py $R --seeds $seed --families $fam --no-art --no-formats \
      --methods "$M" --out $O/rare_served_stop39_$fam-s$seed.json
    echo "done $fam-s$seed rc=$? $(date -u +%T)"
  done
}
foreign relu_cnn bn_cnn
own fresh:64:sparse:None
foreign ln_gelu_cnn leaky_strided_cnn
own fresh:64:badnets:None
foreign sigmoid_cnn lenet_tanh_avg
own fresh:64:wanet:None
foreign mlp elu_dropout_cnn
own fresh:64:blended:None
foreign silu_mlp
own fresh:64:sig:None fresh-weak:65:wanet:0.03 fresh-weak:66:wanet:0.05
echo "all done $(date -u +%T)"
