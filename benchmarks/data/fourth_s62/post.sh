#!/bin/bash
# Issue 9, stop 62 (h9m): stop 60's post.sh on seed 9603 into this folder (score with the
# plan's rule, runs and truth gzipped, logs, terms of each miss), seeds 9600-9603 pooled (all
# never fitted to), and stop 61's per-model class ratios.   bash benchmarks/data/fourth_s62/post.sh
set -u
cd "$(dirname "$0")/../../.."
D=benchmarks/data/fourth_s62
RUN=${RUN:-/tmp/h9ms62/run} \
EARLIER="benchmarks/data/fourth_s59:9600 benchmarks/data/fourth_s60:9601 benchmarks/data/fourth_s61:9602" \
    bash benchmarks/data/fourth_s60/post.sh 9603 "$D"
PYTHONPATH=src:benchmarks ${PY:-/work/main/.venv/bin/python} benchmarks/data/fourth_s61/ratios.py \
    "$D/detect9603_runs.jsonl.gz" "$D/zoo-9603_truth.json.gz" > "$D/ratios9603.md"
