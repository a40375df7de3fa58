#!/bin/bash
# post-processing of fresh seed 77 (light; issue 9, stop 54: h9A): score today's default's runs,
# recalibrate them with the shipped file (must reproduce every run) and with candidate V
# (cal_V.json), score each; V against the default on the whole file (rule_s51_check.py); the
# leave-one-family-out reading of seed 77 (lofo_fresh.py: today's fold files, U's, V's) and the
# plan's rule (rule_s54a_check.py): bash post77.sh 77
set -e
S=${1:-77}
cd /tmp/h9As54/run
W=/work/wth9A; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data
export PYTHONPATH=$W/src:$W/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
$PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in V:foreign_s54a/cal_V.json shipped:../../src/trojanscope/detect/calibration.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $D/$f --recal-out $o/recal${S}_$t.jsonl
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
echo "== V against today's default, whole file"
$PY $W/benchmarks/rule_s51_check.py --seed $z,$o/detect$S.jsonl,$o/recal${S}_V.jsonl --json $o/whole${S}_V.json || true
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
v={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_V.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
print('V vs run: max |dp|', max(abs(a[k]['probability']-v[k]['probability']) for k in a), 'suspects moved', [k for k in a if a[k]['suspected_target']!=v[k]['suspected_target']])
P
echo "== leave-one-family-out on seed $S"
$PY $W/benchmarks/lofo_fresh.py --fresh $S=$o/detect$S.jsonl,$z/truth.json --json $o/lofo$S.json > $o/lofo$S.log
grep -E "^==|^worst|^whole|^moved" $o/lofo$S.log
echo "== the plan's rule, (a)-(c)"
$PY $W/benchmarks/rule_s54a_check.py $o/lofo$S.json --seed $S --json $o/rule${S}_V.json
