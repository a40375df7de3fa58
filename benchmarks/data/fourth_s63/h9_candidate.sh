#!/bin/bash
# Issue 9, stop 63 (h9m): h9's candidate readings on the fourth maker's 9604 (second.sh runs it
# from 19:15; RUN, S, PY from run.sh). h9's plan (branch h9, d7aadb3e, 18:50:41 UTC) names for
# this slot `trojanscope detect MODEL.pt --data clean.npz --format json -p named=true` (candidate
# C's per-class readings; the stored probability is today's), runs file detect9604_h9.jsonl.
# Run from a snapshot of h9's commit (git archive: its src/, benchmarks/*.py and its plan's
# folder), so a later h9 commit cannot change it mid-run; h9's files are not edited. C0 needs no
# detection: a re-scoring of today's runs (post.sh).
set -u
cd "$(dirname "$0")/../../.."
C=d7aadb3e
SNAP=/tmp/h9m/h9-$C
if [ ! -d "$SNAP/src" ]; then
    mkdir -p "$SNAP"
    git -C /work/main archive "$C" src ':(glob)benchmarks/*.py' benchmarks/data/outside_s63_h9 \
        | tar -x -C "$SNAP"
fi
PYTHONPATH="$SNAP/src:benchmarks" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect${S}_h9.jsonl" --detect-option=-p --detect-option=named=true
