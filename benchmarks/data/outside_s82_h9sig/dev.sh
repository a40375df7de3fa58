#!/bin/bash
# Issue 9, stop 82 (h9sig): the development reading on spent GAP heads only (stop 81's 189
# development heads and its fresh 9225 / 9623 runs, now spent): each variant of the SIG bars
# (the rank of the clean lead each reading's bar is read from x the margin), each seed held out
# of the bars and on every row (dev82.txt / .json), and the chosen candidate on the shipped file
# (cal_second.json); cal_today.json is the shipped file at the branch point.
#   bash benchmarks/data/outside_s82_h9sig/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
O=benchmarks/data/outside_s82_h9sig
git show main:src/trojanscope/detect/calibration.json > "$O/cal_today.json"
"$PY" benchmarks/outside_sig_second.py dev --today "$O/cal_today.json" --json "$O/dev82.json" \
    --write "$O/cal_second.json" > "$O/dev82.txt"
"$PY" benchmarks/outside_sig_second.py bars --today "$O/cal_today.json" > "$O/bars82.txt"
