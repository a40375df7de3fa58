#!/bin/bash
# issue 13's user commands exactly as written, then the bad-input list; from /tmp/h13bs39/user
cd /tmp/h13bs39/user
export PYTHONPATH=/work/wt13b/src OMP_NUM_THREADS=1 PATH=/work/main/.venv/bin:$PATH
T="nice -n 5 /usr/bin/time -f %es"
rm -rf runs findings findings2 clean-train.npz imgs training-set.npz train.npz vendor-model.onnx
echo "== attack $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
$T trojanscope attack --out runs/badnets > attack.out 2> attack.err; echo "rc=$?"; tail -3 attack.out; tail -2 attack.err
ls runs/badnets
nice -n 5 python make_files.py
for c in "detect-data training-set.npz --out findings/" \
         "detect-data imgs/ --model vendor-model.onnx --format json" \
         "detect-data runs/badnets --method spectre" \
         "detect-data train.npz --out findings/ --write-clean clean-train.npz"; do
  n=$(echo "$c" | tr -c 'a-z0-9' '_' | cut -c1-60)
  echo "== trojanscope $c  ($(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg))"
  $T trojanscope $c > $n.out 2> $n.err; echo "rc=$?"; cut -c1-300 $n.out | head -8; cat $n.err | tail -4
done
echo "== the 4th again into a fresh --out"
$T trojanscope detect-data train.npz --out findings2/ --write-clean clean-train.npz > w2.out 2> w2.err; echo "rc=$?"; head -8 w2.out; tail -3 w2.err
ls -la findings findings2; python -c "import numpy as np; d=np.load('clean-train.npz'); print({k: d[k].shape for k in d.files})"
echo "== bad input with the model"
for f in outside wrongshape; do rm -rf bad/o_$f bad/c_$f.npz
  trojanscope detect-data bad/$f.npz --model vendor-model.onnx --out bad/o_$f --write-clean bad/c_$f.npz > bad/m_$f.out 2> bad/m_$f.err; echo "$f rc=$?"; cat bad/m_$f.out; cat bad/m_$f.err; ls -d bad/o_$f bad/c_$f.npz 2>/dev/null
done
