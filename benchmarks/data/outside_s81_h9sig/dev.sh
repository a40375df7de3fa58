#!/bin/bash
# Issue 9, stop 81 (h9sig): the development reading on spent GAP heads only (stop 80's spent
# rows and its fresh 9224 runs, now spent): each variant of the raise past the flag (slope 5 /
# 10 / 20 logits per unit of lead over the bar x both SIG terms / the share term alone), each
# seed held out of the bars and on every row (dev81.txt / .json), and the chosen candidate on
# the shipped file (cal_beyond.json); cal_today.json is the shipped file at the branch point.
#   bash benchmarks/data/outside_s81_h9sig/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
O=benchmarks/data/outside_s81_h9sig
git show main:src/trojanscope/detect/calibration.json > "$O/cal_today.json"
"$PY" benchmarks/outside_sig_beyond.py dev --today "$O/cal_today.json" --json "$O/dev81.json" \
    --write "$O/cal_beyond.json" > "$O/dev81.txt"
