#!/bin/bash
# Issue 9, stop 63 (h9m): stop 60's post.sh on seed 9604 into this folder (score with the plan's
# rule, runs and truth gzipped, logs, terms of each miss), seeds 9600-9604 pooled (all never
# fitted to), stop 61's per-model class ratios; then h9's candidates as h9's plan (d7aadb3e)
# names them, from the snapshot h9_candidate.sh made: C0 re-scores today's runs (no detection),
# C reads the `-p named=true` runs (detect9604_h9.jsonl, the models they reached), and today's
# score on exactly those models.   bash benchmarks/data/fourth_s63/post.sh
set -u
cd "$(dirname "$0")/../../.."
D=benchmarks/data/fourth_s63
PY=${PY:-/work/main/.venv/bin/python}
SNAP=/tmp/h9m/h9-d7aadb3e
export RUN=${RUN:-/tmp/h9ms63/run} PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1
EARLIER="benchmarks/data/fourth_s59:9600 benchmarks/data/fourth_s60:9601 benchmarks/data/fourth_s61:9602 benchmarks/data/fourth_s62:9603" \
    bash benchmarks/data/fourth_s60/post.sh 9604 "$D"
for f in second.log cand_reverse.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$D/"; done
"$PY" benchmarks/data/fourth_s61/ratios.py "$D/detect9604_runs.jsonl.gz" "$D/zoo-9604_truth.json.gz" \
    > "$D/ratios9604.md"
ABS=$(pwd)
H9="$RUN/detect9604_h9.jsonl"
named_rule() {  # CAL_FILE RUNS OUT_STEM: h9's outside_named_rule.py from the snapshot
    ( cd "$SNAP" && PYTHONPATH=src:benchmarks "$PY" benchmarks/outside_named_rule.py \
        --candidate "benchmarks/data/outside_s63_h9/$1" \
        --rows "9604=$2,$ABS/$D/truth9604.json" --json "$ABS/$D/$3.json" > "$ABS/$D/$3.txt" 2>&1 )
}
gzip -dc "$D/zoo-9604_truth.json.gz" > "$D/truth9604.json"
named_rule cal_C0.json "$RUN/detect9604.jsonl" h9_C0_9604
if [ -s "$H9" ]; then
    # the two candidate scorers raced on one model (dws_gap-bd01, the same readings twice):
    # the first row per model is kept
    "$PY" - "$H9" <<'PY'
import json, sys
seen, keep = set(), []
for line in open(sys.argv[1]):
    name = json.loads(line)["name"] if line.strip() else None
    if name and name not in seen:
        seen.add(name)
        keep.append(line)
open(sys.argv[1], "w").writelines(keep)
PY
    gzip -nc "$H9" > "$D/detect9604_h9_runs.jsonl.gz"
    named_rule cal_C.json "$H9" h9_C_9604
    # today's runs on the models C read, so the two are compared on the same models
    "$PY" - "$H9" "$RUN/detect9604.jsonl" "$RUN/detect9604_same.jsonl" <<'PY'
import json, sys
names = {json.loads(l)["name"] for l in open(sys.argv[1]) if l.strip()}
with open(sys.argv[3], "w") as out:
    for line in open(sys.argv[2]):
        if line.strip() and json.loads(line)["name"] in names:
            out.write(line)
PY
    "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9604" --out "$RUN/detect9604_same.jsonl" \
        --score --per-model --json "$D/detect9604_same_score.json" > "$D/detect9604_same_score.txt"
fi
rm -f "$D/truth9604.json"
