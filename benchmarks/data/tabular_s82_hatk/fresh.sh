#!/usr/bin/env bash
# The stop-82 rule's fresh reading (issue 16, hatk): read once, after rule.md was committed.
# The 40 selected tables (fresh_selected.json) and their twins were built into /tmp/hatk82/fresh.
# Two processes of 20 tables each: the twins' recall, then old and below5 on every pair; then
# stop 81's judge (conditions F, 1-7). Run from the repository root.
set -euo pipefail
D=benchmarks/data/tabular_s82_hatk
W=/tmp/hatk82/fresh
S=benchmarks/tabular_s82_hatk_sized.py
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PYTHON:-python}
half() {
    $PY $S twins --work $W --selected $D/fresh_selected.json --part "$1/2" --json $D/fresh_twins_part$1.json
    $PY $S grid --work $W --selected $D/fresh_selected.json --part "$1/2" --json $D/fresh_grid_part$1.json
}
date -u +"start %H:%M:%S" > $D/fresh_times.txt
( half 0 > $D/fresh_part0.log 2>&1 ) &
( half 1 > $D/fresh_part1.log 2>&1 ) &
wait
date -u +"grids done %H:%M:%S" >> $D/fresh_times.txt
$PY benchmarks/tabular_s81_hatk_below.py judge --grid $D/fresh_grid_part*.json --twins $D/fresh_twins_part*.json --candidate below5 --work /tmp/hatk82/rule > $D/fresh_rule.txt
date -u +"judged %H:%M:%S" >> $D/fresh_times.txt
cat $D/fresh_rule.txt
