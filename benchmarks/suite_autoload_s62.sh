#!/usr/bin/env bash
# Stop 62 (hfc): what pytest's plugin autoload costs a process that collects the two test files
# that import hypothesis (its pytest11 entry point makes pytest assertion-rewrite the whole
# hypothesis package; anyio's plugin is imported at start-up): user and system CPU-s and wall
# of `pytest --collect-only` with autoload (as .ci/run) and with `--disable-plugin-autoload
# -p xdist.plugin`, alternated ROUNDS times.
#   bash benchmarks/suite_autoload_s62.sh TREE [ROUNDS]      (prints one line per run)
set -uo pipefail
tree=$1 rounds=${2:-2}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
py=${PYTHON:-/work/main/.venv/bin/python}
cd "$tree"
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    for mode in autoload disabled; do
        extra=()
        [ "$mode" = disabled ] && extra=(--disable-plugin-autoload -p xdist.plugin)
        /usr/bin/env time -f "$mode user %U sys %S wall %e" nice -n 5 "$py" -m pytest \
            --collect-only -q -p no:cacheprovider "${extra[@]}" \
            tests/scan/test_scan_fuzz.py tests/scan/test_scan_differential.py 2>&1 \
            | grep -E "^(autoload|disabled) |collected"
    done
done
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1 /proc/loadavg)"
