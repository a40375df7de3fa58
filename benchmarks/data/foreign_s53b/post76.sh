#!/bin/bash
# post-processing of fresh seed 76 (light; issue 9, stop 53: h9B): score today's default's runs
# (R13P, shipped), recalibrate them with the candidate N (cal_N.json, name_floor 1.95) and with
# the shipped file (must reproduce every run), score each, and read N against the default with
# rule_s51_check.py (its four figures) plus the plan's CE tolerance: bash post76.sh 76
set -e
S=${1:-76}
cd /tmp/h9Bs53/run
W=/work/wth9B; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data
export PYTHONPATH=$W/src:$W/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
$PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in N:foreign_s53b/cal_N.json shipped:../../src/trojanscope/detect/calibration.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $D/$f --recal-out $o/recal${S}_$t.jsonl
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
echo "== N against today's default (R13P), the plan's rule"
$PY $W/benchmarks/rule_s51_check.py --seed $z,$o/detect$S.jsonl,$o/recal${S}_N.jsonl --json $o/rule${S}_N.json || true
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
n={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_N.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
print('N vs run: max |dp|', max(abs(a[k]['probability']-n[k]['probability']) for k in a), 'suspects moved', [(k, a[k]['suspected_target'], n[k]['suspected_target']) for k in a if a[k]['suspected_target']!=n[k]['suspected_target']])
r=json.load(open('$o/rule${S}_N.json'))['parts']['$z']; d, c = r['default'], r['candidate']
cond={'right_target_flagged': c['right_target_flagged'] >= d['right_target_flagged'],
      'cross_entropy (+0.005)': c['cross_entropy'] <= d['cross_entropy'] + 0.005,
      'roc_auc': c['roc_auc'] >= d['roc_auc'],
      'clean_flagged': len(c['clean_flagged']) <= len(d['clean_flagged'])}
print('plan conditions (1)-(4) on seed $S:', cond, 'models', d['n'], '->', 'met' if all(cond.values()) else 'NOT met')
P
