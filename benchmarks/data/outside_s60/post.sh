#!/bin/bash
# Issue 9, stop 60 (h9): after the cut, score seed S under today's default (whole and per
# family), read the plan's rule for candidate N (kind_centre_rule.py: today's and N's figures
# on S and on the stored populations 9200, 9103, 9201, fourth 9600, foreign 87/88, zoo/eval),
# and keep the small outputs here.
#   bash benchmarks/data/outside_s60/post.sh S
set -u
S=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s60/run}
D=benchmarks/data/outside_s60
S59=benchmarks/data/outside_s59
nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
    --score --per-model --json "$D/detect${S}_score.json" > "$D/detect${S}_score.txt"
nice -n 5 "$PY" benchmarks/kind_centre_rule.py \
    --fresh "$S=$RUN/detect$S.jsonl,$RUN/zoo-$S/truth.json" \
    --stored "9103=$S59/detect9103_runs.jsonl.gz,$S59/zoo-9103_truth.json.gz" \
    --stored "9201=$S59/detect9201_runs.jsonl.gz,$S59/zoo-9201_truth.json.gz" \
    --stored "9600=benchmarks/data/fourth_s59/detect9600_runs.jsonl.gz,benchmarks/data/fourth_s59/zoo-9600_truth.json.gz" \
    --candidate "$D/cal_N.json" --json "$D/rule60.json" > "$D/rule60.log" 2>&1
gzip -nc "$RUN/detect$S.jsonl" > "$D/detect${S}_runs.jsonl.gz"
gzip -nc "$RUN/zoo-$S/truth.json" > "$D/zoo-${S}_truth.json.gz"
cp "$RUN/build$S.log" "$RUN/score$S.log" "$D/"
[ -f "$RUN/score$S-reverse.log" ] && cp "$RUN/score$S-reverse.log" "$D/"
# misses of today's default (a clean model at p >= 0.5, a backdoored one under 0.5 or flagged
# towards another class) and every model N moved: the shipped calibration's terms for each
MISSES=$("$PY" - "$D/detect${S}_score.json" "$D/rule60.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["model_rows"]
names = {r["name"] for r in rows if (r["probability"] >= 0.5) != r["backdoored"]
         or (r["backdoored"] and r["suspected_target"] != r["target"])}
pops = json.load(open(sys.argv[2]))["populations"]
names |= {m["key"].split(":", 1)[1] for m in next(iter(pops.values()))["moved"]}
print(" ".join(sorted(names)))
PY
)
if [ -n "$MISSES" ]; then
    nice -n 5 "$PY" benchmarks/foreign_zoo_detect.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
        --terms $MISSES > "$D/detect${S}_terms.txt" 2>&1
else
    echo "no miss, nothing moved" > "$D/detect${S}_terms.txt"
fi
