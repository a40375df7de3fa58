#!/bin/bash
# Issue 9, stop 60 (h9m): after the cut, stop 59's post.sh on seed S into this folder (score
# with the plan's rule, runs and truth gzipped, logs, terms of each miss), then seeds 9600 + S
# pooled (both never fitted to) from the stored files.   bash benchmarks/data/fourth_s60/post.sh S
# Stop 61: [DIR] (where the outputs go, default this folder) and EARLIER (the stored seeds
# pooled before S, as FOLDER:SEED words; default stop 59's 9600).
set -u
S=$1
D=${2:-benchmarks/data/fourth_s60}
EARLIER=${EARLIER:-benchmarks/data/fourth_s59:9600}
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms60/run}
RUN=$RUN bash benchmarks/data/fourth_s59/post.sh "$S" "$D"
for f in build$S-stamped.log load.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$D/"; done
POOL=(); NAME=pooled
for w in $EARLIER; do
    P=${w%:*}; E=${w##*:}
    POOL+=(--pool "$P/detect${E}_runs.jsonl.gz,$P/zoo-${E}_truth.json.gz"); NAME+="_$E"
done
nice -n 5 "$PY" benchmarks/outside_zoo_score.py "${POOL[@]}" \
    --pool "$D/detect${S}_runs.jsonl.gz,$D/zoo-${S}_truth.json.gz" \
    --score --per-model --json "$D/${NAME}_$S.json" > "$D/${NAME}_$S.txt"
