#!/usr/bin/env bash
# The default suite's per-test CPU and durations, read in parts one after the other (one pytest
# process at a time, -n 0: the shared machine's rule), each part a list of test files.
#   bash benchmarks/suite_parts_s60.sh OUT_DIR PART_LIST...   (each PART_LIST: one file per line)
# Writes OUT_DIR/<part>.json (benchmarks/suite_times.py: counts, CPU, load, top tests) and <part>.tsv (per test).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
mkdir -p "$out"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
py=${PYTHON:-.venv/bin/python}
for list in "$@"; do
    part=$(basename "$list" .txt)
    echo "$(date -u +%FT%TZ) start $part load $(cut -d' ' -f1 /proc/loadavg)"
    nice -n 5 "$py" benchmarks/suite_times.py --top 40 --tsv "$out/$part.tsv" --out "$out/$part.json" \
        -- -n 0 -p no:randomly $(cat "$list") > "$out/$part.stdout" 2>&1; rc=$?
    echo "$(date -u +%FT%TZ) end $part load $(cut -d' ' -f1 /proc/loadavg) exit $rc"
done
