#!/bin/bash
# issue 13's user commands exactly as written, then the bad-input list, in a work folder of
# their own: run_user.sh [WORK] (WORK: a new or empty folder; default a fresh `mktemp -d`).
# Run from anywhere; the package is imported from this checkout's src/. Nothing outside WORK
# is written or removed. VENV: the Python environment (default /work/main/.venv).
set -eu
H=$(cd "$(dirname "$0")" && pwd)                    # this folder: the Python helpers
REPO=$(cd "$H/../../../.." && pwd)                  # the checkout's root
W=${1:-$(mktemp -d /tmp/run_user.XXXXXX)}
mkdir -p "$W"
W=$(cd "$W" && pwd)
[ -z "$(ls -A "$W")" ] || { echo "run_user.sh: $W is not empty; give a new or empty folder" >&2; exit 2; }
cd "$W"
echo "work folder: $W"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 PATH=${VENV:-/work/main/.venv}/bin:$PATH
T="nice -n 5 /usr/bin/time -f %es"
echo "== attack $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
$T trojanscope attack --out runs/badnets > attack.out 2> attack.err && rc=0 || rc=$?; echo "rc=$rc"; tail -3 attack.out; tail -2 attack.err
ls runs/badnets
nice -n 5 python "$H/make_files.py" "$W"
for c in "detect-data training-set.npz --out findings/" \
         "detect-data imgs/ --model vendor-model.onnx --format json" \
         "detect-data runs/badnets --method spectre" \
         "detect-data train.npz --out findings/ --write-clean clean-train.npz"; do
  n=$(echo "$c" | tr -c 'a-z0-9' '_' | cut -c1-60)
  echo "== trojanscope $c  ($(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg))"
  $T trojanscope $c > $n.out 2> $n.err && rc=0 || rc=$?; echo "rc=$rc"; cut -c1-300 $n.out | head -8; cat $n.err | tail -4
done
echo "== the 4th again into a fresh --out"
$T trojanscope detect-data train.npz --out findings2/ --write-clean clean-train.npz > w2.out 2> w2.err && rc=0 || rc=$?; echo "rc=$rc"; head -8 w2.out; tail -3 w2.err
ls -la findings findings2 || true; python -c "import numpy as np; d=np.load('clean-train.npz'); print({k: d[k].shape for k in d.files})"
echo "== bad input with the model"
python "$H/make_bad.py" "$W"
for f in outside wrongshape; do rm -rf bad/o_$f bad/c_$f.npz
  trojanscope detect-data bad/$f.npz --model vendor-model.onnx --out bad/o_$f --write-clean bad/c_$f.npz > bad/m_$f.out 2> bad/m_$f.err && rc=0 || rc=$?; echo "$f rc=$rc"; cat bad/m_$f.out; cat bad/m_$f.err; ls -d bad/o_$f bad/c_$f.npz 2>/dev/null || true
done
