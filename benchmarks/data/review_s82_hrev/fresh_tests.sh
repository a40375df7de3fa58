#!/bin/bash
# hrev stop 82: the test subsets the mends touch, in a fresh clone of the branch
cd "${1:-.}"  # the clone (default: here)
export PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
P="/work/main/.venv/bin/pytest -q -p no:cacheprovider -n 2"
A=$(grep -rlE "safetensors_fmt|_check_tensor|record_count|read_on|mahalanobis|kind_centre|blend_sink|blend_low|class_excess|mask_gate|named_check|twin_term|check_positive_int|plain_numbers" tests | sort -u)
B=$(grep -rlE "label.groups|LabelGroups|label_groups|label_echoes|echo_links|echoes" tests | sort -u)
C=$(grep -rlE "tabular.search|TabularSearch|tabular_search" tests | sort -u)
echo "== A (whole numbers): $(echo $A | wc -w) files + tests/purify"; uptime
/usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 $P tests/purify $A 2>&1 | tail -4
echo "== B (echoes / label-groups): $(echo $B | wc -w) files"; uptime
/usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 $P $B 2>&1 | tail -4
echo "== C (tabular-search): $(echo $C | wc -w) files"; uptime
/usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 $P $C 2>&1 | tail -4
uptime
