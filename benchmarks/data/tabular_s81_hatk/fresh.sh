#!/usr/bin/env bash
# The stop-81 rule's fresh reading (issue 16, hatk): read once, after rule.md was committed.
# Tables and twins were built by tabular_s79_hatk_pair.py build into /tmp/hatk81/fresh.
# Two processes of 20 seeds each: the twins' recall, then old and below5 on every pair; then
# the rule's judge (conditions F, 1-7). Run from the repository root.
set -euo pipefail
D=benchmarks/data/tabular_s81_hatk
W=/tmp/hatk81/fresh
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PYTHON:-python}
half() {
    $PY benchmarks/tabular_s78_hatk_twins.py twins --work $W --seeds "$1" --json $D/fresh_twins_$1.json
    $PY benchmarks/tabular_s81_hatk_below.py grid --work $W --seeds "$1" --variants old,below5 --json $D/fresh_grid_$1.json
}
date -u +"start %H:%M:%S" > $D/fresh_times.txt
( half 6800-6819 > $D/fresh_6800-6819.log 2>&1 ) &
( half 6820-6839 > $D/fresh_6820-6839.log 2>&1 ) &
wait
date -u +"grids done %H:%M:%S" >> $D/fresh_times.txt
$PY benchmarks/tabular_s81_hatk_below.py judge --grid $D/fresh_grid_6*.json --twins $D/fresh_twins_6*.json --candidate below5 --work /tmp/hatk81/rule > $D/fresh_rule.txt
date -u +"judged %H:%M:%S" >> $D/fresh_times.txt
cat $D/fresh_rule.txt
