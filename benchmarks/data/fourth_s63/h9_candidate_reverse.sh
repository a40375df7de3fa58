#!/bin/bash
# h9's candidate C readings, GAP-head models of 9604 only, from the last back (the slot the
# today's scorer freed); same runs file as h9_candidate.sh, so the two meet in the middle.
cd /work/wt/h9m
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
t=$(( $(date -u -d 19:58:00 +%s) - $(date -u +%s) ))
date -u +"candidate reverse (GAP only) from %T"
PYTHONPATH=/tmp/h9m/h9-d7aadb3e/src:benchmarks timeout "$t" nice -n 5 /work/main/.venv/bin/python \
    benchmarks/outside_zoo_score.py /tmp/h9ms63/run/zoo-9604-gap --out /tmp/h9ms63/run/detect9604_h9.jsonl \
    --reverse --detect-option=-p --detect-option=named=true
date -u +"candidate reverse ended %T"
