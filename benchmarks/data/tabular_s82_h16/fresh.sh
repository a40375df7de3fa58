#!/bin/bash
# issue 16 stop 82 (h16): the FRESH reading of rule.md, run only after its commit. Zoo 6540's credit-default models of
# every kind (tab-fresh6540, built by build.sh.txt at 19:59-20:01 UTC, read by nothing before) on three 200-row files a
# model (draw seeds 6545-6547), by today's default detector (the branch's src records tab_group_heat_out, which the
# shipped calibration.json does not read, so D's readings are main's). Two chains, one thread, nice -n 5, from the
# worktree root: LightGBM (the rule's) in one, XGBoost then MLP in the other; cut 21:55 UTC (what is not read by then is
# reported so).
cd /work/wt/h16
Z=/tmp/h1682/fresh; O=/tmp/h1682/fout
mkdir -p $O
CUT="2026-12-07 21:55:00 UTC"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
left() { echo $(( $(date -u -d "$CUT" +%s) - $(date -u +%s) )); }
P() { local l; l=$(left); [ "$l" -gt 0 ] || { echo "CUT before $*"; return 0; }; timeout $l env PYTHONPATH=src:benchmarks nice -n 5 /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python benchmarks/tabular_small_clean.py --interleave --detect --sizes 200 --draws 1 --zoo $Z/tab-fresh6540 "$@"; }
r() { P --archs $2 --seed $1 --json $O/r200_$1_cd_$3.json > $O/r200_$1_cd_$3.log 2>&1; echo "r200 $1 cd $3 $? $(date -u +%T)"; }
echo "start $(date -u +%T) at $(git rev-parse --short HEAD)"
{ r 6545 lightgbm lgbm; r 6546 lightgbm lgbm; r 6547 lightgbm lgbm; } &
{ r 6545 xgboost xgb; r 6546 xgboost xgb; r 6547 xgboost xgb; r 6545 mlp mlp; r 6546 mlp mlp; r 6547 mlp mlp; } & wait
echo "done $(date -u +%T)"
# scoring, once, after the rows are copied to benchmarks/data/tabular_s82_h16/ with the prefix fresh_:
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_h16_out.py rule \
#       --rows benchmarks/data/tabular_s82_h16/fresh_r200_654?_cd_*.json > benchmarks/data/tabular_s82_h16/fresh_rule.txt
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_h16_out.py detail --rows benchmarks/data/tabular_s82_h16/fresh_r200_654?_cd_*.json
#   PYTHONPATH=src:benchmarks python benchmarks/tabular_small_clean.py --summary benchmarks/data/tabular_s82_h16/fresh_r200_654?_cd_*.json
