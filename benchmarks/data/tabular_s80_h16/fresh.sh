#!/bin/bash
# issue 16 stop 80 (h16): the FRESH reading of rule.md, run only after its commit. Zoo 6520's credit-default LightGBM
# models (tab-fresh6520, built by build.sh.txt at 14:22-14:29 UTC, read by nothing before) on three 200-row files a
# model (draw seeds 6525-6527), by today's default (no change to src/: the branch's detector is main's). D = the
# readings scored by the shipped calibration; C = D's logit shifted by candidate G80 (tabular_s80_h16_rule.py).
# Two chains, one thread, nice -n 5, from the worktree root; cut 16:15 UTC (what is not read by then is reported so).
cd /work/wt/h16
Z=/tmp/h1680/fresh; O=/tmp/h1680/fout
mkdir -p $O
CUT="2026-12-07 16:15:00 UTC"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
P() { local l; l=$(left); [ "$l" -gt 0 ] || { echo "CUT before $*"; return 0; }; timeout $l env PYTHONPATH=src:benchmarks nice -n 5 /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python benchmarks/tabular_small_clean.py --interleave --detect --sizes 200 --draws 1 --archs lightgbm "$@"; }
r() { P --zoo $Z/tab-fresh6520 --seed $1 --json $O/r200_$1_cd_lgbm.json > $O/r200_$1_cd_lgbm.log 2>&1; echo "r200 $1 cd lgbm $? $(date -u +%T)"; }
echo "start $(date -u +%T) at $(git rev-parse --short HEAD)"
{ r 6525; r 6527; } & { r 6526; } & wait
echo "done $(date -u +%T)"
# scoring, once, after the rows are copied to benchmarks/data/tabular_s80_h16/ with the prefix fresh_:
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_rule.py rule \
#       --rows benchmarks/data/tabular_s80_h16/fresh_r200_652?_cd_lgbm.json > benchmarks/data/tabular_s80_h16/fresh_rule.txt
