#!/bin/bash
# post-processing of fresh seed 73 (light; issue 9, stop 52: h9): score today's default's runs
# (R13P, shipped at stop 51), recalibrate them with the stop-49 file and R13 (reported side by side,
# deciding nothing) and with the shipped file (must reproduce every run), score each, and read each
# against the default with rule_s51_check.py (its four figures and issue 9's goal): bash post73.sh 73
set -e
S=${1:-73}
cd /tmp/h9s52/run
W=/work/wth9; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data
export PYTHONPATH=$W/src:$W/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
$PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in stop49:calibration_stop49.json R13:foreign_s49b/cal_R13.json shipped:../../src/trojanscope/detect/calibration.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $D/$f --recal-out $o/recal${S}_$t.jsonl
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
for t in stop49 R13; do
  echo "== $t against today's default (R13P; a measurement, no rule)"; $PY $W/benchmarks/rule_s51_check.py --seed $z,$o/detect$S.jsonl,$o/recal${S}_$t.jsonl --json $o/cmp${S}_$t.json
done
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
P
