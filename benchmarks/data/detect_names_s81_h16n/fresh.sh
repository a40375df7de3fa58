#!/usr/bin/env bash
# The fresh population of rule R81 (issue 16 stop 81, h16n): build (before the rule, output
# discarded), read once (after the rule is committed), judge. Run from the repository root.
set -euo pipefail
export PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-python}
W=${W:-/tmp/h16n81/fresh}
D=benchmarks/data/detect_names_s81_h16n
case "${1:-}" in
build)  # done at 17:24:37-17:37:14 UTC, before the rule, in one process; its log was written
    # to /tmp/h16n81/fresh_build.jsonl and copied here (exit codes and CPU only)
    nice -n 5 $PY benchmarks/detect_names_s79_h16n.py build --work "$W" --seeds 6840-6879 \
        --log $D/fresh_build.jsonl ;;
read-a)  # seeds 6840-6859, both attacked kinds, every arch
    nice -n 5 $PY benchmarks/detect_names_s81_h16n.py read \
        --runs $(ls -d "$W"/68[45]?/*-c10 "$W"/68[45]?/*-asis | sort -t/ -k5,5) \
        --json $D/fresh_read_6840-6859.jsonl ;;
read-b)  # seeds 6860-6879
    nice -n 5 $PY benchmarks/detect_names_s81_h16n.py read \
        --runs $(ls -d "$W"/68[67]?/*-c10 "$W"/68[67]?/*-asis | sort -t/ -k5,5) \
        --json $D/fresh_read_6860-6879.jsonl ;;
judge)
    $PY benchmarks/detect_names_s81_h16n.py judge --json $D/fresh_read_*.jsonl \
        | tee $D/fresh_rule.txt ;;
*) echo "usage: fresh.sh build|read-a|read-b|judge" >&2; exit 2 ;;
esac
