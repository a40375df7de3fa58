#!/usr/bin/env bash
# Stop 60 (hfc2): the files whose tests now share trained models, each timed alone per test
# (benchmarks/suite_times.py, one file at a time, -n 0), in the tree at ROOT (a clone of main
# for "before", the branch for "after"). FILE may join files with "+": those run in one
# process, as one xdist worker runs them when it is given both (--dist loadfile).
# REVERSE=1: each run's tests in the reverse of pytest's order (no pytest-randomly here: a
# shared fixture must not depend on which test builds it).
#   [REVERSE=1] bash benchmarks/suite_share_s60.sh ROOT OUT_DIR FILE[+FILE]...
set -uo pipefail
root=$1 out=$2
shift 2
mkdir -p "$out"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
py=${PYTHON:-/work/main/.venv/bin/python}
cd "$root"
for f in "$@"; do
    name=$(echo "$f" | sed 's#[^+]*/##g; s#\.py##g')
    args=(${f//+/ })
    if [ "${REVERSE:-0}" = 1 ]; then
        mapfile -t args < <("$py" -m pytest --collect-only -q -p no:randomly "${args[@]}" \
            | awk 'NF == 0 { exit } /::/' | tac)  # the ids, before any warnings summary
    fi
    echo "$(date -u +%FT%TZ) start $f (${#args[@]} args) load $(cut -d' ' -f1 /proc/loadavg)"
    nice -n 5 "$py" benchmarks/suite_times.py --top 40 --tsv "$out/$name.tsv" --out "$out/$name.json" \
        -- -n 0 -p no:randomly "${args[@]}" > "$out/$name.stdout" 2>&1
    echo "$(date -u +%FT%TZ) end $f exit $? load $(cut -d' ' -f1 /proc/loadavg)"
done
