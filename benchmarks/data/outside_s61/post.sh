#!/bin/bash
# Issue 9, stop 61 (h9): after the cut, score seed S under today's default (whole and per
# family), read the plan's rule for candidate T (kind_centre_rule.py with cal_T.json: today's
# and T's figures on S, whose reports carry their twins, and on the stored populations 9103,
# 9201, 9104, 9202, fourth 9600, 9200, foreign 87/88, zoo/eval, whose GAP-head models get the
# development twins of dev_twins.jsonl.gz), and keep the small outputs here.
#   bash benchmarks/data/outside_s61/post.sh S
set -u
S=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s61/run}
D=benchmarks/data/outside_s61
S59=benchmarks/data/outside_s59
S60=benchmarks/data/outside_s60
nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
    --score --per-model --json "$D/detect${S}_score.json" > "$D/detect${S}_score.txt"
nice -n 5 "$PY" benchmarks/kind_centre_rule.py \
    --fresh "$S=$RUN/detect$S.jsonl,$RUN/zoo-$S/truth.json" \
    --stored "9103=$S59/detect9103_runs.jsonl.gz,$S59/zoo-9103_truth.json.gz" \
    --stored "9201=$S59/detect9201_runs.jsonl.gz,$S59/zoo-9201_truth.json.gz" \
    --stored "9104=$S60/detect9104_runs.jsonl.gz,$S60/zoo-9104_truth.json.gz" \
    --stored "9202=$S60/detect9202_runs.jsonl.gz,$S60/zoo-9202_truth.json.gz" \
    --stored "9600=benchmarks/data/fourth_s59/detect9600_runs.jsonl.gz,benchmarks/data/fourth_s59/zoo-9600_truth.json.gz" \
    --twin-rows "$D/dev_twins.jsonl.gz" \
    --candidate "$D/cal_T.json" --json "$D/rule61.json" > "$D/rule61.log" 2>&1
gzip -nc "$RUN/detect$S.jsonl" > "$D/detect${S}_runs.jsonl.gz"
gzip -nc "$RUN/zoo-$S/truth.json" > "$D/zoo-${S}_truth.json.gz"
cp "$RUN/build$S.log" "$RUN/score$S.log" "$D/"
[ -f "$RUN/score$S-reverse.log" ] && cp "$RUN/score$S-reverse.log" "$D/"
exit 0
