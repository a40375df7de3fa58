#!/bin/bash
# Issue 9, stop 64 (h9m): stop 60's post.sh on seed 9605 into this folder (score with the plan's
# rule, runs and truth gzipped, logs, terms of each miss), seeds 9600-9605 pooled (all never
# fitted to), stop 61's per-model class ratios, the second slot's and part 2's logs; then h9's
# candidate as h9's plan names it (h9_post.sh, if h9 named one).
#   bash benchmarks/data/fourth_s64/post.sh
set -u
cd "$(dirname "$0")/../../.."
D=benchmarks/data/fourth_s64
PY=${PY:-/work/main/.venv/bin/python}
export RUN=${RUN:-/tmp/h9ms64/run} PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1
EARLIER="benchmarks/data/fourth_s59:9600 benchmarks/data/fourth_s60:9601 benchmarks/data/fourth_s61:9602 benchmarks/data/fourth_s62:9603 benchmarks/data/fourth_s63:9604" \
    bash benchmarks/data/fourth_s60/post.sh 9605 "$D"
for f in second.log part2.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$D/"; done
"$PY" benchmarks/data/fourth_s61/ratios.py "$D/detect9605_runs.jsonl.gz" "$D/zoo-9605_truth.json.gz" \
    > "$D/ratios9605.md"
[ -f "$D/h9_post.sh" ] && bash "$D/h9_post.sh"
true
