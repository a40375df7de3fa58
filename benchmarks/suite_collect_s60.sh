#!/usr/bin/env bash
# What collecting the default suite costs one pytest process (each xdist worker collects it
# all), with pytest's assertion rewriting and without it (--assert=plain), one after the other.
# With PYTHONDONTWRITEBYTECODE=1 (as on this machine) or in a fresh clone, no rewritten test
# module is cached, so every worker rewrites every one.
#   bash benchmarks/suite_collect_s60.sh OUT_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
out=$1
mkdir -p "$out"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
py=${PYTHON:-.venv/bin/python}
echo "PYTHONDONTWRITEBYTECODE=${PYTHONDONTWRITEBYTECODE:-unset}" > "$out/collect.log"
for opt in "" "--assert=plain"; do
    echo "load $(cut -d' ' -f1-3 /proc/loadavg) opt '${opt}'" >> "$out/collect.log"
    /usr/bin/time -f "user %U sys %S wall %e" -a -o "$out/collect.log" \
        nice -n 5 "$py" -m pytest --collect-only -q -p no:cacheprovider $opt > "$out/collect.stdout" 2>&1
    tail -1 "$out/collect.stdout" >> "$out/collect.log"
done
cat "$out/collect.log"
