#!/usr/bin/env bash
# Stop 81 h12c development: `trojanscope mitigate` on spent runs keeping the whole JSON (the
# note's "decided"): bash dev-json.sh W KEY "PARAMS" NAME...  (W: build-dev.sh's folder)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
W=$1; K=$2; P=$3; shift 3
mkdir -p $W/json
mp=(); for p in $P; do mp+=(--method-param "$p"); done
for N in "$@"; do S=${N%?}; R=${N: -1}
  echo "$N $K $(date -u +%T)"
  nice -n 5 /usr/bin/time -f "%e s wall %U user %S sys" /work/main/.venv/bin/python -m trojanscope mitigate $W/s$S/runs/$R --data $W/s$S/clean.npz --out $W/json/$N-$K --format json --no-export "${mp[@]}" > $W/json/$N-$K.json 2> $W/json/$N-$K.err
  echo "rc $? $(tail -1 $W/json/$N-$K.err) $(date -u +%T)"
done
