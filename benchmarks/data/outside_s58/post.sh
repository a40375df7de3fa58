#!/bin/bash
# Issue 9, stop 58 (h9): after the cut, score each seed built (the rule of plan.md printed with
# it) and keep the small outputs here: the per-model runs and the truth, gzipped; the logs.
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s58/run}
D=benchmarks/data/outside_s58
for S in "$@"; do
    [ -f "$RUN/detect$S.jsonl" ] || continue
    nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
        --score --per-model --json "$D/detect${S}_score.json" > "$D/detect${S}_score.txt"
    gzip -nc "$RUN/detect$S.jsonl" > "$D/detect${S}_runs.jsonl.gz"
    gzip -nc "$RUN/zoo-$S/truth.json" > "$D/zoo-${S}_truth.json.gz"
    cp "$RUN/build$S.log" "$RUN/score$S.log" "$D/"
    [ -f "$RUN/score$S-reverse.log" ] && cp "$RUN/score$S-reverse.log" "$D/"
done
