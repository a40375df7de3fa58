#!/bin/bash
# Issue 9, stop 59 (h9m): after the cut, score seed S (the plan's rule printed with it), keep
# the small outputs here (the per-model runs and the truth gzipped, the logs), and print the
# shipped calibration's terms for each miss.   bash benchmarks/data/fourth_s59/post.sh S [DIR]
# (DIR: where the outputs go; stop 60 reuses this script with benchmarks/data/fourth_s60)
set -u
S=$1
D=${2:-benchmarks/data/fourth_s59}
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms59/run}
nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
    --score --per-model --json "$D/detect${S}_score.json" > "$D/detect${S}_score.txt"
gzip -nc "$RUN/detect$S.jsonl" > "$D/detect${S}_runs.jsonl.gz"
gzip -nc "$RUN/zoo-$S/truth.json" > "$D/zoo-${S}_truth.json.gz"
for f in build$S.log score$S.log score$S-reverse.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$D/"; done
# misses: a clean model at p >= 0.5, a backdoored one under 0.5 or flagged towards another class
MISSES=$("$PY" - "$D/detect${S}_score.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["model_rows"]
print(" ".join(r["name"] for r in rows
               if (r["probability"] >= 0.5) != r["backdoored"]
               or (r["backdoored"] and r["suspected_target"] != r["target"])))
PY
)
if [ -n "$MISSES" ]; then
    nice -n 5 "$PY" benchmarks/foreign_zoo_detect.py "$RUN/zoo-$S" --out "$RUN/detect$S.jsonl" \
        --terms $MISSES > "$D/detect${S}_terms.txt" 2>&1
else
    echo "no miss" > "$D/detect${S}_terms.txt"
fi
