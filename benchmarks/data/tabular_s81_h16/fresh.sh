#!/bin/bash
# issue 16 stop 81 (h16): the FRESH reading of rule.md, run only after its commit. Zoo 6530's credit-default LightGBM
# models (tab-fresh6530, built by build.sh.txt at 17:07-17:13 UTC; the README line 17:07-17:18, read by nothing before) on three 200-row files a
# model (draw seeds 6535-6537), by today's default detector (the shipped calibration.json holds no group-heat entry, so
# the branch's readings are main's). D = the readings scored by the shipped file; C = by calibration_g81.json (the
# shipped file plus the group-heat entry), both by tabular_s81_h16_lower.py rule. Then, once, today's default on the
# README's fresh line 6630-6639 (clean twins 6630-6632), as stop 80 read 6620-6629.
# Two chains, one thread, nice -n 5, from the worktree root; cut 18:50 UTC (what is not read by then is reported so).
cd /work/wt/h16
Z=/tmp/h1681/fresh; O=/tmp/h1681/fout
mkdir -p $O
CUT="2026-12-07 18:50:00 UTC"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
P() { local l; l=$(left); [ "$l" -gt 0 ] || { echo "CUT before $*"; return 0; }; timeout $l env PYTHONPATH=src:benchmarks nice -n 5 /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python benchmarks/tabular_small_clean.py --interleave --detect --sizes 200 --draws 1 --archs lightgbm "$@"; }
R() { local l; l=$(left); [ "$l" -gt 0 ] || { echo "CUT before $*"; return 0; }; timeout $l env PYTHONPATH=src:benchmarks nice -n 5 /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python benchmarks/tabular_s68_h16_readme200.py --work $Z/readme --files 3 --today-files 0,1,2 --cand-files= "$@"; }
r() { P --zoo $Z/tab-fresh6530 --seed $1 --json $O/r200_$1_cd_lgbm.json > $O/r200_$1_cd_lgbm.log 2>&1; echo "r200 $1 cd lgbm $? $(date -u +%T)"; }
echo "start $(date -u +%T) at $(git rev-parse --short HEAD)"
{ r 6535; r 6537
  R --recipes readme --seeds 6633-6639 --json $O/readme200_b.json > $O/readme200_b.log 2>&1; echo "readme b $? $(date -u +%T)"; } &
{ r 6536
  R --recipes readme,clean_sub08 --seeds 6630-6632 --json $O/readme200_a.json > $O/readme200_a.log 2>&1; echo "readme a $? $(date -u +%T)"; } & wait
echo "done $(date -u +%T)"
# scoring, once, after the rows are copied to benchmarks/data/tabular_s81_h16/ with the prefix fresh_:
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_h16_lower.py rule \
#       --rows benchmarks/data/tabular_s81_h16/fresh_r200_653?_cd_lgbm.json > benchmarks/data/tabular_s81_h16/fresh_rule.txt
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_small_clean.py --summary benchmarks/data/tabular_s81_h16/fresh_r200_653?_cd_lgbm.json
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_h16_heat.py line --rows benchmarks/data/tabular_s81_h16/fresh_readme200_?.json
