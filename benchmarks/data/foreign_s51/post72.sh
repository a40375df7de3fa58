#!/bin/bash
# post-processing of fresh seed S (light; issue 9, stop 51: h9a): score the default's runs,
# recalibrate them with R13P (the candidate), R13 (stop 49b, reported) and the shipped file, score
# each, check that the shipped file reproduces the runs, and the rule per seed: bash post72.sh 72
set -e
S=${1:-72}
cd /tmp/h9as51/run
W=/work/wth9a; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data
export PYTHONPATH=$W/src:$W/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
o=out$S; z=zoo-s$S
$PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in R13P:foreign_s51/cal_R13P.json R13:foreign_s49b/cal_R13.json shipped:calibration_stop49.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $D/$f --recal-out $o/recal${S}_$t.jsonl
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
for t in R13P R13; do
  echo "== rule check $t vs the default (per seed)"; $PY $W/benchmarks/rule_s51_check.py --seed $z,$o/detect$S.jsonl,$o/recal${S}_$t.jsonl --json $o/rule${S}_$t.json
done
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
P
