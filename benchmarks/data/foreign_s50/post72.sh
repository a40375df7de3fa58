#!/bin/bash
# post-processing of fresh seeds 72, 73 (light; issue 9, stop 50: h9): score the runs (made with the
# plan commit's default, F), recalibrate them with R13, HP11 and F's calibration.json (the stop-49
# default), score each, and print the issue-9 goal checks (a-c) for R13 and HP11 against F's default
set -e
S=${1:-72}
cd /tmp/h9s50/run
W=/work/wth9; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data; F=/tmp/h9s50/run/F
export PYTHONPATH=$W/src:$W/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
o=out$S; z=zoo-s$S
$PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --score --script-families --per-model --json $o/detect${S}_score.json > $o/detect${S}_score.txt
for c in R13:$D/foreign_s49b/cal_R13.json HP11:$D/foreign_s49/cal_HP11.json shipped:$F/src/trojanscope/detect/calibration.json; do
  t=${c%%:*}; f=${c#*:}
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/detect$S.jsonl --recalibrate $f --recal-out $o/recal${S}_$t.jsonl
  $PY $W/benchmarks/foreign_zoo_detect.py $z --out $o/recal${S}_$t.jsonl --score --script-families --per-model --json $o/recal${S}_${t}_score.json > $o/recal${S}_${t}_score.txt
done
for t in R13 HP11; do
  echo "== goal check $t vs the stop-49 default (decides nothing)"; $PY $W/benchmarks/rule_s44_check.py --shipped $o/detect${S}_score.json --candidate $o/recal${S}_${t}_score.json --json $o/rule${S}_$t.json
done
$PY - <<P
import json
a={json.loads(l)['name']:json.loads(l) for l in open('$o/detect$S.jsonl')}
b={json.loads(l)['name']:json.loads(l) for l in open('$o/recal${S}_shipped.jsonl')}
print('shipped recalibrated vs run: max |dp|', max(abs(a[k]['probability']-b[k]['probability']) for k in a), 'targets equal', all(a[k]['suspected_target']==b[k]['suspected_target'] for k in a))
P
