#!/usr/bin/env bash
# Stop 61 (hfc): the tests this stop shrinks or shares, timed per test (benchmarks/suite_times.py,
# -n 0, one process per group) in main's tree (A) and this branch (B) back to back, group by
# group, so both read the machine at about the same load. A GROUP is NAME=ID[+ID...]: the test
# files or node ids that one process runs (as one xdist worker runs the files it is given).
#   bash benchmarks/suite_ab_s61.sh MAIN_TREE BRANCH_TREE OUT_DIR GROUP...
set -uo pipefail
main=$1 branch=$2 out=$3
shift 3
mkdir -p "$out"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
py=${PYTHON:-/work/main/.venv/bin/python}
for group in "$@"; do
    name=${group%%=*}
    ids=${group#*=}
    args=(${ids//+/ })
    for side in A B; do
        root=$main
        [ "$side" = B ] && root=$branch
        echo "$(date -u +%FT%TZ) start $name $side load $(cut -d' ' -f1 /proc/loadavg)"
        (cd "$root" && nice -n 5 "$py" benchmarks/suite_times.py --top 40 \
            --tsv "$out/$name.$side.tsv" --out "$out/$name.$side.json" \
            -- -n 0 -p no:randomly "${args[@]}" > "$out/$name.$side.stdout" 2>&1)
        echo "$(date -u +%FT%TZ) end $name $side exit $? load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
