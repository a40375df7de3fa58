#!/usr/bin/env bash
# Stop 60's moved tests run as the slow set runs them (-m slow), then the shrunk ones as the
# default suite runs them, each timed per test (benchmarks/suite_times.py), one after the other.
#   bash benchmarks/suite_moved_s60.sh OUT_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
out=$1
mkdir -p "$out"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
py=${PYTHON:-.venv/bin/python}
data=benchmarks/data/suite_s60
echo "$(date -u +%FT%TZ) start moved (-m slow) load $(cut -d' ' -f1 /proc/loadavg)"
nice -n 5 "$py" benchmarks/suite_times.py --slow --top 40 --tsv "$out/moved.tsv" --out "$out/moved.json" \
    -- -n 0 -p no:randomly $(cat "$data/moved.txt") > "$out/moved.stdout" 2>&1
echo "$(date -u +%FT%TZ) end moved exit $? load $(cut -d' ' -f1 /proc/loadavg)"
nice -n 5 "$py" benchmarks/suite_times.py --top 40 --tsv "$out/shrunk.tsv" --out "$out/shrunk.json" \
    -- -n 0 -p no:randomly $(cat "$data/shrunk.txt") > "$out/shrunk.stdout" 2>&1
echo "$(date -u +%FT%TZ) end shrunk exit $? load $(cut -d' ' -f1 /proc/loadavg)"
