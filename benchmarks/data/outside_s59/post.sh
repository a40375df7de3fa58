#!/bin/bash
# Issue 9, stop 59 (h9): after the cut, score seed S as stop 58 did (today's default, whole and
# per family), read the plan's rule for candidate K (kind_centre_rule.py: today's and K's
# figures on S, foreign 87/88 and zoo/eval), and keep the small outputs here.
#   bash benchmarks/data/outside_s59/post.sh S
set -u
S=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s59/run}
D=benchmarks/data/outside_s59
nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
    --score --per-model --json "$D/detect${S}_score.json" > "$D/detect${S}_score.txt"
nice -n 5 "$PY" benchmarks/kind_centre_rule.py --fresh "$S=$RUN/detect$S.jsonl,$RUN/zoo-$S/truth.json" \
    --candidate "$D/cal_K.json" --json "$D/rule59.json" > "$D/rule59.log" 2>&1
# (run before K shipped; since then add --today "$D/cal_before.json" to read the same)
gzip -nc "$RUN/detect$S.jsonl" > "$D/detect${S}_runs.jsonl.gz"
gzip -nc "$RUN/zoo-$S/truth.json" > "$D/zoo-${S}_truth.json.gz"
cp "$RUN/build$S.log" "$RUN/score$S.log" "$D/"
[ -f "$RUN/score$S-reverse.log" ] && cp "$RUN/score$S-reverse.log" "$D/"
