#!/usr/bin/env bash
# dev scoring: bash dev-score.sh KEY VARIANTS NAME...  (spent runs under /tmp/hwc80/dev)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
K=$1; V=$2; shift 2
D=/tmp/hwc80/dev
args=(); for N in "$@"; do S=${N%?}; R=${N: -1}; args+=("$N=$D/s$S/runs/$R@$D/s$S/clean.npz"); done
vs=(); for v in $V; do vs+=(--variant "$v"); done
echo "start $K $(date -u +%T)"
nice -n 5 /usr/bin/time -f "$K: %e s wall %U user %S sys" /work/main/.venv/bin/python benchmarks/mitigate_class_s78_hwc_score.py $D/dev-$K.jsonl $D/out-$K "${args[@]}" "${vs[@]}" --no-export
echo "end $K $(date -u +%T)"
