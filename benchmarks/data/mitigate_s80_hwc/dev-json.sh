# direct mitigate runs keeping the whole JSON: bash dev-json.sh KEY PARAMS NAME...
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
K=$1; P=$2; shift 2; D=/tmp/hwc80/dev
mp=(); for p in $P; do mp+=(--method-param "$p"); done
for N in "$@"; do S=${N%?}; R=${N: -1}
  echo "$N $K $(date -u +%T)"
  nice -n 5 /work/main/.venv/bin/python -m trojanscope mitigate $D/s$S/runs/$R --data $D/s$S/clean.npz --out $D/json/$N-$K --format json --no-export "${mp[@]}" > $D/json/$N-$K.json 2> $D/json/$N-$K.err
  echo "rc $? $(date -u +%T)"
done
