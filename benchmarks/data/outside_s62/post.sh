#!/bin/bash
# Issue 9, stop 62 (h9): after the cut, today's default on 9204 (outside_zoo_score.py --score),
# then plan.md's rule for T2 (kind_centre_rule.py with cal_T2.json) on the union of 9204 (my
# runs, twins in their reports) and the fourth maker's 9603 (h9m's runs of today's default,
# the twins of my twins9603.jsonl joined), then on each alone; the stored development
# populations with their development twins (twins_dev62*.jsonl.gz, stop 61's dev_twins).
# Small outputs kept here.
#   bash benchmarks/data/outside_s62/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s62/run}
FOURTH=${FOURTH:-/tmp/h9ms62/run}
D=benchmarks/data/outside_s62
S59=benchmarks/data/outside_s59
S60=benchmarks/data/outside_s60
S61=benchmarks/data/outside_s61
F61=benchmarks/data/fourth_s61
gzip -nc "$RUN/detect9204.jsonl" > "$D/detect9204_runs.jsonl.gz"
gzip -nc "$RUN/zoo-9204/truth.json" > "$D/zoo-9204_truth.json.gz"
[ -s "$FOURTH/detect9603.jsonl" ] && gzip -nc "$FOURTH/detect9603.jsonl" > "$D/detect9603_runs_h9m.jsonl.gz"
gzip -nc "$FOURTH/zoo-9603/truth.json" > "$D/zoo-9603_truth.json.gz"
[ -s "$RUN/twins9603.jsonl" ] && gzip -nc "$RUN/twins9603.jsonl" > "$D/twins9603.jsonl.gz"
cp "$RUN"/build9204.log "$RUN"/score9204.log "$D/" 2>/dev/null
[ -f "$RUN/twins9603.log" ] && cp "$RUN/twins9603.log" "$D/"
STORED=(--stored "9203=$S61/detect9203_runs.jsonl.gz,$S61/zoo-9203_truth.json.gz"
        --stored "9202=$S60/detect9202_runs.jsonl.gz,$S60/zoo-9202_truth.json.gz"
        --stored "9201=$S59/detect9201_runs.jsonl.gz,$S59/zoo-9201_truth.json.gz"
        --stored "9104=$S60/detect9104_runs.jsonl.gz,$S60/zoo-9104_truth.json.gz"
        --stored "9103=$S59/detect9103_runs.jsonl.gz,$S59/zoo-9103_truth.json.gz"
        --stored "9600=benchmarks/data/fourth_s59/detect9600_runs.jsonl.gz,benchmarks/data/fourth_s59/zoo-9600_truth.json.gz"
        --stored "9602=$F61/detect9602_runs.jsonl.gz,$F61/zoo-9602_truth.json.gz")
TWINS=(--twin-rows "$S61/dev_twins.jsonl.gz" --twin-rows "$D/twins_dev62a.jsonl.gz"
       --twin-rows "$D/twins_dev62b.jsonl.gz")
[ -f "$D/twins9603.jsonl.gz" ] && TWINS+=(--twin-rows "$D/twins9603.jsonl.gz")
rule() {  # rule() NAME --fresh ... : the plan's rule on those fresh runs, T2 against today
  local name=$1; shift
  nice -n 5 "$PY" benchmarks/kind_centre_rule.py "$@" "${STORED[@]}" "${TWINS[@]}" \
      --candidate "$D/cal_T2.json" --json "$D/rule62_$name.json" > "$D/rule62_$name.log" 2>&1
}
terms() {  # terms() POP RUNS: each model today, by T and by T2, with the stands
  nice -n 5 "$PY" benchmarks/twin_spread.py --stored "$1=$2,$D/zoo-$1_truth.json.gz" \
      "${TWINS[@]}" --t "$S61/cal_T.json" --t2 "$D/cal_T2.json" \
      --json "$D/terms$1.jsonl" > "$D/terms$1.md"
}
F9204="9204=$D/detect9204_runs.jsonl.gz,$D/zoo-9204_truth.json.gz"
F9603="9603=$D/detect9603_runs_h9m.jsonl.gz,$D/zoo-9603_truth.json.gz"
# two lanes (two heavy processes): today's score and the union; each population alone, terms
( nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9204" --out "$RUN/detect9204.jsonl" \
      --score --per-model --json "$D/detect9204_score.json" > "$D/detect9204_score.txt"
  rule union --fresh "$F9204" --fresh "$F9603" ) &
( rule 9204 --fresh "$F9204"; rule 9603 --fresh "$F9603"
  terms 9204 "$D/detect9204_runs.jsonl.gz"; terms 9603 "$D/detect9603_runs_h9m.jsonl.gz" ) &
wait
exit 0
