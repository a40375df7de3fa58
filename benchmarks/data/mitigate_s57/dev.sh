# Issue 12, stop 57 (h12): development read of `gated:fold_back=1` against today's default on
# zoo-2454 (seed 2454, spent at stop 56; rebuilt with mitigate_s56/fresh.sh's recipe into
# /tmp/h12s57/zoo-2454), its backdoored MLPs with stop 56's accuracy misses first (mitigate_s56's
# cut.py links them into /tmp/h12s57/dev-2454 in that order). One run per model gives both rows
# (benchmarks/check_fold_back.py). Stopped when the plan was committed.
#   bash benchmarks/data/mitigate_s57/dev.sh > /tmp/h12s57/dev-2454.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s57
[ -f $D/zoo-2454/truth.json ] || nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 3 \
    --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed 2454 \
    --out $D/zoo-2454 -x serial
python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-2454 $D/dev-2454 blended-001,sparse-004,badnets-000,badnets-005,blended-006,sig-002,wanet-003
timeout 2700 nice -n 5 $P benchmarks/check_fold_back.py $D/dev-2454 $D/dev-2454.json 1
# The same with fold_back=3 on three of them (cut.py into /tmp/h12s57/dev3-2454; stopped after
# one model): dev-2454-e3.json/.log.
#   python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-2454 $D/dev3-2454 blended-001,badnets-000,sparse-004
#   nice -n 5 $P benchmarks/check_fold_back.py $D/dev3-2454 $D/dev3-2454.json 3
# 63ee0eaf (the candidate as planned) on five of them, and the same with the gain's bar out of
# reach (dev_always.py) on three, to see what the fit does where it runs:
#   python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-2454 $D/devp-2454 blended-001,badnets-005,badnets-000,sparse-004,blended-006
#   nice -n 5 $P benchmarks/check_fold_back.py $D/devp-2454 $D/devp-2454.json 1
#   python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-2454 $D/deva-2454 blended-001,sparse-004,badnets-000
#   nice -n 5 $P benchmarks/data/mitigate_s57/dev_always.py $D/deva-2454 $D/deva-2454.json 1
