#!/bin/bash
# post-processing of fresh seed 82 (light; issue 9, stop 55: h9B): score today's default's runs,
# recalibrate them with the shipped file (must reproduce every run) and with candidate V
# (foreign_s54a/cal_V.json), score each; V against the default on the whole file
# (rule_s51_check.py); (d) with the merged code (unseen_start.py --unfitted;
# unfitted_whole_check.py on the stored fresh seeds 71-79); the leave-one-family-out reading of
# seed 82 with 77, 79 and the pools 77+79, 77+79+82 for information (lofo_fresh.py, MM-BD's own
# clean flags set aside by mmbd_aside.py) and the plan's rule (rule_s55b_check.py):
# bash post82.sh 82 — the recipe of foreign_s54c/post79.sh
set -e
S=${1:-82}
cd /tmp/h9Bs55/run
W=/work/wth9B; PY=/work/main/.venv/bin/python; D=$W/benchmarks/data; O=$D/foreign_s55b
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
echo "== (d) with the merged code"
mkdir -p d
$PY $W/benchmarks/unseen_start.py --unfitted --out d | tee $O/unseen_check_V.log
cp d/unseen_check_V.json $O/; cmp d/cal_V.json $D/foreign_s54a/cal_V.json && echo "cal_V.json rewritten identical"
F="--fresh 71=$D/foreign_s49b/detect71_runs.jsonl.gz,$D/foreign_s49b/zoo-s71_truth.json.gz
 --fresh 72=$D/foreign_s51/detect72_runs.jsonl.gz,$D/foreign_s51/zoo-s72_truth.json.gz
 --fresh 73=$D/foreign_s52/detect73_runs.jsonl.gz,$D/foreign_s52/zoo-s73_truth.json.gz
 --fresh 74=$D/foreign_s52f/detect74_runs.jsonl.gz,$D/foreign_s52f/zoo-s74_truth.json.gz
 --fresh 74u=$D/foreign_s54b/dev74_route-u_runs.jsonl.gz,$D/foreign_s52f/zoo-s74_truth.json.gz
 --fresh 75=$D/foreign_s53a/default75_runs.jsonl.gz,$D/foreign_s53a/zoo-s75_truth.json.gz
 --fresh 75u=$D/foreign_s54b/dev75_route-u_runs.jsonl.gz,$D/foreign_s53a/zoo-s75_truth.json.gz
 --fresh 76=$D/foreign_s53b/detect76_runs.jsonl.gz,$D/foreign_s53b/zoo-s76_truth.json.gz
 --fresh 77=$D/foreign_s54a/detect77_runs.jsonl.gz,$D/foreign_s54a/zoo-s77_truth.json.gz
 --fresh 78=$D/foreign_s54b/default78_runs.jsonl.gz,$D/foreign_s54b/zoo-s78_truth.json.gz
 --fresh 78u=$D/foreign_s54b/cand78_runs.jsonl.gz,$D/foreign_s54b/zoo-s78_truth.json.gz
 --fresh 79=$D/foreign_s54c/detect79_runs.jsonl.gz,$D/foreign_s54c/zoo-s79_truth.json.gz"
$PY $W/benchmarks/unfitted_whole_check.py $F --json $O/whole_check_V.json | tee $O/whole_check_V.log
echo "== leave-one-family-out on seed $S (77, 79 and the pools for information)"
$PY $W/benchmarks/lofo_fresh.py --fresh $S=$o/detect$S.jsonl,$z/truth.json \
  --fresh 77=$D/foreign_s54a/detect77_runs.jsonl.gz,$D/foreign_s54a/zoo-s77_truth.json.gz \
  --fresh 79=$D/foreign_s54c/detect79_runs.jsonl.gz,$D/foreign_s54c/zoo-s79_truth.json.gz \
  --pool 77+79=77,79 --pool 77+79+$S=77,79,$S --json $o/lofo$S.json > $o/lofo$S.log
grep -E "^==|^worst|^whole|^moved|^families" $o/lofo$S.log
echo "== the plan's rule, (0), (a)-(d), on seed $S"
$PY $W/benchmarks/rule_s55b_check.py $o/lofo$S.json --seed $S --min-models 24 --unseen-check $O/unseen_check_V.json --whole-check $O/whole_check_V.json --json $o/rule${S}_V.json
echo "== the same reading of the pool 77+79+$S (information, decides nothing)"
$PY $W/benchmarks/rule_s55b_check.py $o/lofo$S.json --seed 77+79+$S --min-models 24 --unseen-check $O/unseen_check_V.json --whole-check $O/whole_check_V.json --json $o/rule_pool_V.json
