#!/usr/bin/env bash
# The fresh population of rule S82 (issue 16 stop 82, h16n): build (before the rule, output
# discarded), read once (after the rule is committed), judge. Run from the repository root.
set -euo pipefail
export PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-python}
W=${W:-/tmp/h16n82/fresh}
D=benchmarks/data/detect_names_s82_h16n
case "${1:-}" in
build)  # done at 19:59:04-20:10:51 UTC, before the rule, in one process; its log was written
    # to /tmp/h16n82/fresh_build.jsonl and copied here (exit codes and CPU only)
    nice -n 5 $PY benchmarks/detect_names_s79_h16n.py build --work "$W" --seeds 6500-6539 \
        --log $D/fresh_build.jsonl ;;
read-a)  # seeds 6500-6519, both attacked kinds, every arch
    nice -n 5 $PY benchmarks/detect_names_s82_h16n.py read \
        --runs $(ls -d "$W"/65[01]?/*-c10 "$W"/65[01]?/*-asis | sort -t/ -k5,5) \
        --json $D/fresh_read_6500-6519.jsonl ;;
read-b)  # seeds 6520-6539
    nice -n 5 $PY benchmarks/detect_names_s82_h16n.py read \
        --runs $(ls -d "$W"/65[23]?/*-c10 "$W"/65[23]?/*-asis | sort -t/ -k5,5) \
        --json $D/fresh_read_6520-6539.jsonl ;;
judge)
    $PY benchmarks/detect_names_s82_h16n.py judge --json $D/fresh_read_*.jsonl \
        | tee $D/fresh_rule.txt ;;
describe)
    $PY benchmarks/detect_names_s82_h16n.py describe --json $D/fresh_read_*.jsonl \
        | tee $D/fresh_describe.txt ;;
*) echo "usage: fresh.sh build|read-a|read-b|judge|describe" >&2; exit 2 ;;
esac
