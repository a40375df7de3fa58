#!/bin/bash
# post-processing of fresh seed 74 (light; issue 9, stop 52: h9F): score today's default's runs,
# recalibrate them with the candidate U (cal_U.json) and with the shipped file (must reproduce
# every run), score each, and apply plan.md's rule with rule_s51_check.py: bash post74.sh 74
set -e
S=${1:-74}
cd /tmp/h9Fs52/run
F=/tmp/h9Fs52/run/F; PY=/work/main/.venv/bin/python; D=$F/benchmarks/data
export PYTHONPATH=$F/src:$F/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
$PY $F/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in U:foreign_s52f/cal_U.json shipped:../../src/trojanscope/detect/calibration.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $F/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $D/$f --recal-out $o/recal${S}_$t.jsonl
  $PY $F/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
echo "== U against today's default (plan.md's rule)"
$PY $F/benchmarks/rule_s51_check.py --seed $z,$o/detect$S.jsonl,$o/recal${S}_U.jsonl --json $o/rule${S}_U.json
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
P
